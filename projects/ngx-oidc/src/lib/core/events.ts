import type { AuthError } from './errors';

/**
 * What happened, for an app to log or react to (`AuthService.events$`). Events report; the
 * state (`isAuthenticated`, `error`, …) is the source of truth.
 *
 * - `login_started`: `login()` is redirecting to the provider (or `loginWithPopup()` sent its
 *   popup there).
 * - `login_completed` / `login_failed`: the callback (or a popup login) was processed. This happens at start-up,
 *   before the first component exists, so most subscribers come too late for it: read the
 *   outcome from `AuthService.loginOutcome` (a signal) or `loginOutcome$` instead.
 * - `token_renewed` / `renew_failed`: an access token was renewed (refresh token or silent
 *   authentication), or could not be.
 * - `session_expired`: the session ended without the user asking: its access token expired (or
 *   had to be renewed) and nothing renewed it, the provider refused the renewal, or a refreshed
 *   ID token failed validation. When it is emitted, `error` already says why (`session_expired`,
 *   `login_required`, `consent_required`, `interaction_required`, `user_changed`,
 *   `renewal_unavailable`, or the ID token's code) and
 *   the user, the tokens and the stored session are gone. Not emitted by `logout()`. A stored
 *   session found at start-up with an expired access token and no refresh token is renewed by
 *   silent authentication when configured, else (or when that fails) ends with `session_expired`.
 * - `logged_out`: `logout()` in this tab or another one.
 * - `revoke_failed`: `logout()` could not revoke the refresh token at the provider's
 *   `revocation_endpoint` (RFC 7009); the local logout happened anyway, and the grant may
 *   outlive it.
 * - `session_synced`: another tab logged in or renewed, and this tab took over its session.
 */
export type AuthEvent =
  | {
      /** What happened (see {@link AuthEvent}). */
      readonly type: 'login_started';
    }
  | LoginOutcome
  | {
      /** What happened (see {@link AuthEvent}). */
      readonly type: 'token_renewed';
      /** The API audience of the token, if any (the login's when none was asked for). */
      readonly audience?: string;
      /** The scope that was asked for, if any (absent: the login's). */
      readonly scope?: string;
    }
  | {
      /** What happened (see {@link AuthEvent}). */
      readonly type: 'renew_failed';
      /** Why the renewal failed. */
      readonly error: AuthError;
      /** The API audience of the token, if any (the login's when none was asked for). */
      readonly audience?: string;
      /** The scope that was asked for, if any (absent: the login's). */
      readonly scope?: string;
    }
  | {
      /** What happened (see {@link AuthEvent}). */
      readonly type: 'session_expired';
    }
  | {
      /** What happened (see {@link AuthEvent}). */
      readonly type: 'logged_out';
    }
  | {
      /** What happened (see {@link AuthEvent}). */
      readonly type: 'revoke_failed';
      /** Why the revocation failed (`network_error`, `token_request_failed`, `discovery_failed`, …). */
      readonly error: AuthError;
    }
  | {
      /** What happened (see {@link AuthEvent}). */
      readonly type: 'session_synced';
    };

/** The `type` of an {@link AuthEvent}. */
export type AuthEventType = AuthEvent['type'];

/**
 * What the callback of this page load came to: its `login_completed` event (with `appState`)
 * or its `login_failed` event (with the error). Kept for the page's lifetime, so that code
 * that runs after start-up can read it (`AuthService.loginOutcome`).
 */
export type LoginOutcome =
  | {
      /** The login completed. */
      readonly type: 'login_completed';
      /** The `appState` given to `login()` for this login, handed back (absent when none was). */
      readonly appState?: unknown;
    }
  | {
      /** The callback failed. */
      readonly type: 'login_failed';
      /** Why the callback failed. */
      readonly error: AuthError;
    };
