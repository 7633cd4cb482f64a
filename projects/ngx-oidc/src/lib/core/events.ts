import type { AuthError } from './errors';

/**
 * What happened, for an app to log or react to (`AuthService.events$`). Events report; the
 * state (`isAuthenticated`, `error`, …) is the source of truth.
 *
 * - `login_started`: `login()` is redirecting to the provider.
 * - `login_completed` / `login_failed`: the callback was processed.
 * - `token_renewed` / `renew_failed`: an access token was renewed (refresh token or silent
 *   authentication), or could not be.
 * - `session_expired`: the session ended without the user asking (renewal impossible or refused).
 * - `logged_out`: `logout()` in this tab or another one.
 * - `session_synced`: another tab logged in or renewed, and this tab took over its session.
 */
export type AuthEvent =
  | { readonly type: 'login_started' }
  | { readonly type: 'login_completed' }
  | { readonly type: 'login_failed'; readonly error: AuthError }
  | { readonly type: 'token_renewed'; readonly audience?: string; readonly scope?: string }
  | { readonly type: 'renew_failed'; readonly error: AuthError; readonly audience?: string; readonly scope?: string }
  | { readonly type: 'session_expired' }
  | { readonly type: 'logged_out' }
  | { readonly type: 'session_synced' };

/** The `type` of an {@link AuthEvent}. */
export type AuthEventType = AuthEvent['type'];
