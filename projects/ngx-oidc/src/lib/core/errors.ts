/**
 * Stable machine-readable codes of {@link AuthError}. Each code has one meaning, and codes are
 * public API: they never change meaning; messages are for humans and may be reworded.
 * docs/errors.md explains every code and lists the codes renamed before 1.0.
 *
 * Misuse of the API (a `login()` option that can never work, `getAccessToken()` with a
 * `responseType` that issues no access token) throws a `TypeError`, not an `AuthError`.
 *
 * @example
 * ```ts
 * auth.error$.subscribe((err) => {
 *   switch (err?.code) {
 *     case 'login_required':
 *     case 'session_expired':
 *     case 'user_changed': return auth.login();
 *     case 'nonce_mismatch':
 *     case 'state_mismatch': return showRetry(err.message);
 *   }
 * });
 * ```
 */
export type AuthErrorCode =
  /**
   * A `provideAuth()` option is missing or invalid, or the provider does not support it
   * (`responseType` not offered, `loadUserInfo` without a UserInfo endpoint); `cause.option`.
   */
  | 'invalid_configuration'
  /** Web Crypto is unavailable: not a secure context (https or localhost), or an old browser. */
  | 'crypto_unavailable'
  /** `login()` was asked to override a parameter the library owns (`extraParams.client_id`, …). */
  | 'reserved_parameter'
  /** The callback's `state` matches no pending login of this browser session. */
  | 'state_mismatch'
  /** The ID token's `nonce` is not the one this login sent. */
  | 'nonce_mismatch'
  /** The ID token carries no `nonce` although the login sent one. */
  | 'nonce_missing'
  /** The ID token's signature does not verify with the provider's keys. */
  | 'invalid_signature'
  /** The ID token is signed with an algorithm the client does not accept (`none`, HMAC, …). */
  | 'unsupported_alg'
  /** The ID token names a key (`kid`) the provider's JWKS does not hold, even after a refetch. */
  | 'unknown_kid'
  /** `iss` of the ID token (or discovery document) is not the configured authority. */
  | 'invalid_issuer'
  /** RFC 9207: the authorization response's `iss` is missing or not the provider's issuer. */
  | 'iss_parameter_mismatch'
  /** `aud` of the ID token does not contain the client id. */
  | 'invalid_audience'
  /** `azp` is missing although there are several audiences, or is not the client id. */
  | 'azp_mismatch'
  /** The ID token's `exp` is in the past (beyond the allowed clock skew). */
  | 'token_expired'
  /** The ID token's `iat` is in the future (beyond the allowed clock skew). */
  | 'iat_in_future'
  /** The ID token's `nbf` is in the future (beyond the allowed clock skew): not valid yet. */
  | 'token_not_yet_valid'
  /** The login asked for `maxAge` and the ID token's `auth_time` is older than that. */
  | 'auth_time_too_old'
  /**
   * The login required its `acrValues` (`acrRequired`) and the ID token's `acr` is missing or
   * none of them; `details.expected` (the required values) and `details.actual` (the `acr`).
   */
  | 'acr_not_satisfied'
  /** A claim the ID token must carry (`sub`, `iat`, `exp`, `auth_time` with `maxAge`, …) is missing or malformed; `cause.claim`. */
  | 'missing_claim'
  /** The ID token's `at_hash` does not match the access token received with it. */
  | 'at_hash_mismatch'
  /** The ID token's `c_hash` does not match the authorization code received with it. */
  | 'c_hash_mismatch'
  /** `/userinfo` answered for another subject than the ID token's `sub`. */
  | 'userinfo_sub_mismatch'
  /** The provider redirected back with `error=…`; `cause.error` and `cause.error_description`. */
  | 'authorization_error'
  /**
   * The provider requires the user to log in again: it answered `login_required` (no session
   * there, e.g. to a silent authentication) or refused the refresh token (`invalid_grant`:
   * expired, revoked or reused); `cause.error` says which.
   */
  | 'login_required'
  /** Nobody is logged in: an allow-listed request without `allowAnonymous` was not sent. */
  | 'not_authenticated'
  /**
   * RFC 9470: an allow-listed API answered 401 `insufficient_user_authentication`: it needs a
   * stronger or more recent authentication than the token's. `details.stepUp` holds the login
   * options that ask for it; the session stays.
   */
  | 'insufficient_user_authentication'
  /** The session ended (logout, here or in another tab) while a renewal was under way. */
  | 'session_ended'
  /** Silent authentication answered for another user than the session's (`cause.expected`, `cause.actual`: the `sub`s). */
  | 'user_changed'
  /**
   * A token for another audience or scope than the login's cannot be obtained without the
   * user: there is no refresh token and silent authentication is not configured. The session
   * stays (for the login's own token, `session_expired` ends it instead).
   */
  | 'renewal_unavailable'
  /**
   * The session ended because the login's access token expired (or had to be renewed) and
   * nothing renewed it: there is no refresh token and silent authentication is not configured,
   * or the renewal failed and the token then expired (`cause` holds that failure).
   */
  | 'session_expired'
  /** The provider answered `consent_required`: the user must consent interactively. */
  | 'consent_required'
  /** The provider answered `interaction_required` (or `account_selection_required`). */
  | 'interaction_required'
  /**
   * No answer in time: silent authentication's frame (provider refuses framing, cookies
   * blocked), or a popup login still open at its `timeoutSeconds` (the popup is closed).
   */
  | 'timeout'
  /**
   * `loginWithPopup()` could not open its window: the browser blocked it (called outside the
   * user's click, or after an `await`), or cannot hand a popup's answer back (no
   * BroadcastChannel). Nothing was stored.
   */
  | 'popup_blocked'
  /**
   * `loginWithPopup()` ended without an answer: the user closed the popup, a newer
   * `loginWithPopup()` replaced it, or the popup was severed from the app by the provider's
   * `Cross-Origin-Opener-Policy` (then it looks closed) and no answer came within `timeoutSeconds`.
   */
  | 'popup_closed'
  /** The token endpoint refused the request (`invalid_grant`, …) or failed. */
  | 'token_request_failed'
  /**
   * `withPushedAuthorizationRequests()`: PAR is required (`mode: 'required'`, or the provider's
   * `require_pushed_authorization_requests`) and the provider advertises no
   * `pushed_authorization_request_endpoint`.
   */
  | 'par_unavailable'
  /**
   * The pushed authorization request endpoint refused the login's request (`cause.error`,
   * `cause.error_description`, RFC 9126 §2.3) or failed (`cause.status`, a body that is not JSON).
   */
  | 'par_request_failed'
  /**
   * `withDpop()`: no DPoP key can be had here: IndexedDB or Web Crypto is unavailable (not a
   * secure context, some private modes), or the key pair cannot be created or stored
   * (`cause.cause`). The login or request that needed it fails; a token is never sent as a
   * Bearer token instead.
   */
  | 'dpop_unavailable'
  /**
   * `withDpop()`: the token endpoint answered a DPoP proof with a token that is not DPoP-bound
   * (`token_type` other than `DPoP`; `cause.actual`): the provider (or this client's settings
   * there) does not support DPoP. The token is not used.
   */
  | 'dpop_not_bound'
  /** The discovery document could not be fetched or is malformed. */
  | 'discovery_failed'
  /** The JWKS could not be fetched or is malformed. */
  | 'jwks_failed'
  /** The UserInfo endpoint refused the request (`cause.status`, `cause.error`) or answered malformed JSON. */
  | 'userinfo_failed'
  /** A provider response, or the callback URL, is malformed or inconsistent. */
  | 'invalid_response'
  /** Browser storage is unavailable or holds corrupted data. */
  | 'storage_error'
  /** A network request to the provider failed or timed out. */
  | 'network_error';

/**
 * The OpenID Connect error answers that mean "an interactive login is needed", each an
 * {@link AuthErrorCode} of its own so an app can act on it (auth0.js's `checkSession` answered
 * the same three).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthError
 */
export const INTERACTION_ERRORS = ['login_required', 'consent_required', 'interaction_required'] as const;

/** What an {@link AuthError} carries in `cause`: the values that were compared, never a token. */
export interface AuthErrorDetails {
  /** The claim or response field that failed a check (`nonce`, `iss`, `state`, `token_type`, …). */
  readonly claim?: string;
  /** The configuration or login option at fault (`clientId`, `allowedUrls[1]`, `state`, …). */
  readonly option?: string;
  /** The authorization request or callback parameter at fault (`extraParams` naming a reserved one, a malformed callback). */
  readonly parameter?: string;
  /** What the checked value should have been. */
  readonly expected?: unknown;
  /** The value that was found instead; never a token. */
  readonly actual?: unknown;
  /** The provider's `error` code (`access_denied`, `invalid_grant`, …; RFC 6749 §4.1.2.1, §5.2). */
  readonly error?: string;
  /** The provider's `error_description`, when it sent one. */
  readonly error_description?: string;
  /** The HTTP status of a failed provider response (discovery, JWKS, token endpoint, UserInfo). */
  readonly status?: number;
  /** The underlying failure (a rejected `fetch`, a storage or parsing error), when there was one. */
  readonly cause?: unknown;
  /** `insufficient_user_authentication`: what the API asks of the next login, as `login()` options. */
  readonly stepUp?: StepUpOptions;
}

/**
 * The `login()` options an API's RFC 9470 step-up challenge asks for:
 * `auth.login({ ...err.details.stepUp, returnUrl })` logs the user in again as the API requires.
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export interface StepUpOptions {
  /** The challenge's `acr_values`: the acceptable authentication context classes, space-separated, most preferred first. */
  readonly acrValues?: string;
  /** `true` when `acrValues` is set: the new ID token's `acr` must be one of them (`acr_not_satisfied`). */
  readonly acrRequired?: boolean;
  /** The challenge's `max_age`: the user must have authenticated at most this many seconds ago. */
  readonly maxAge?: number;
}

/*
 * Messages are for development. Every one is written as
 *
 *   new AuthError(code, (typeof ngDevMode === 'undefined' || ngDevMode) ? `text` : '', details)
 *
 * Production builds drop the text, so production errors say the code and the compared values
 * (see productionMessage). The condition must be that literal expression at each site (neither
 * a shared constant nor a helper function is stripped): the measurements and core's declaration
 * of ngDevMode are in projects/ngx-oidc/core-globals.d.ts.
 */

/**
 * The one error type ngx-oidc throws or emits for protocol, configuration and provider failures.
 * Branch on {@link AuthError.code}, which is stable; `message` is for people.
 */
export class AuthError extends Error {
  /** Always `'AuthError'`. */
  override readonly name = 'AuthError';

  /**
   * @param code Stable code of the failure.
   * @param message Human-readable explanation naming expected and actual values; empty in
   *   production builds, where the message is then the code and the details.
   * @param details What was compared; kept in `cause`.
   */
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    readonly details: AuthErrorDetails = {},
  ) {
    super(message || productionMessage(code, details), { cause: details });
  }
}

/**
 * A production build's message: the code and the compared values (never a token: details only
 * hold what was compared), e.g. `nonce_mismatch {"claim":"nonce","expected":"…","actual":"…"}`.
 * docs/errors.md explains every code.
 */
function productionMessage(code: AuthErrorCode, details: AuthErrorDetails): string {
  const { cause, ...compared } = details;
  let text = '{}';
  try {
    text = JSON.stringify(compared);
  } catch {
    // Not serializable: the code alone still says what failed.
  }
  return text === '{}' ? code : `${code} ${text}`;
}

/** Narrows an unknown thrown value to an {@link AuthError}. */
export function isAuthError(value: unknown): value is AuthError {
  return value instanceof AuthError;
}
