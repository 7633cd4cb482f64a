import type { ResolvedAuthConfig, ResponseType } from './config';
import { normalizeScope } from './config';
import { AuthError } from './errors';
import { generateCodeVerifier } from './pkce';
import { generateRandom } from './random';
import { TRANSACTION_PREFIX } from './pending-logins';
import { readJson, readJsonOrNull, safeRemove, writeJson, type AuthStorage } from './storage';

/**
 * Everything one login must remember across the redirect to the provider and back. Each login
 * has its own, stored under a key derived from its `state`, so two logins (two tabs, or a
 * client re-created after the redirect) never overwrite each other's nonce.
 */
export interface LoginTransaction {
  /**
   * In an app with several providers (`withAuthProvider()`): the provider and client the login
   * was started for (`scopeName`: issuer and client id), whose the callback is. Written by that
   * layer once the login is stored (`claimTransaction`, callback-routing.ts).
   */
  readonly provider?: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly redirectUri: string;
  readonly responseType: ResponseType;
  readonly scope: string;
  readonly audience?: string;
  /** `max_age` requested by this login, checked against `auth_time`. */
  readonly maxAge?: number;
  /** The `acr_values` this login required (`acrRequired`): the ID token's `acr` must be one of them. */
  readonly requiredAcr?: readonly string[];
  /** App path to return to after the login. */
  readonly returnUrl?: string;
  /** Anything JSON-serializable the app asked to get back after login (`login_completed`). */
  readonly appState?: unknown;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** What a login may choose per transaction; the rest comes from the configuration. */
export interface TransactionOptions {
  /**
   * This login's `state`, used exactly as given instead of a fresh 256-bit random value: 22 to
   * 4096 printable ASCII characters (at least 128 bits, e.g. 22 base64url characters, of
   * which an attacker can guess none), unique per login (RFC 6749 §10.12). To carry app data
   * through the login, prefer `appState`.
   */
  readonly state?: string;
  /**
   * This login's `nonce`, instead of the configured generator's or a fresh 256-bit random value:
   * 22 to 4096 printable ASCII characters, unguessable (at least 128 bits, e.g. 22 base64url
   * characters) and never reused (OIDC Core 1.0 §15.5.2). The ID token must echo it (§3.1.2.1).
   */
  readonly nonce?: string;
  /** Space-separated scopes for this login, instead of the configured `scope`. */
  readonly scope?: string;
  /** The API audience for this login, instead of the configured `audience` (sent as `audienceParameter` says). */
  readonly audience?: string;
  readonly maxAge?: number;
  /** The requested `acr_values` (see `AuthorizeParams`); checked only with `acrRequired`. */
  readonly acrValues?: string;
  /**
   * Require one of `acrValues`: the login then fails with `acr_not_satisfied` unless the ID
   * token's `acr` is one of them. Without it, `acr_values` is a request the provider may ignore
   * (OIDC Core 1.0 §3.1.2.1: a voluntary claim) and `acr` is not checked. Needs `acrValues`.
   */
  readonly acrRequired?: boolean;
  /**
   * App path to show after the login. Default: the current one. Reduced to a same-origin path;
   * anything else becomes `/`.
   */
  readonly returnUrl?: string;
  /**
   * Any JSON-serializable value, kept with this login's transaction (in `sessionStorage`) and
   * never sent to the provider; handed back on the `login_completed` event of `events$`.
   */
  readonly appState?: unknown;
}

/**
 * Creates a login transaction: fresh 256-bit `state`, `nonce` and PKCE verifier unless the app
 * supplied its own `state`/`nonce` (login options, or the configured nonce generator), which are
 * then used exactly as given.
 *
 * @throws {TypeError} when a `state` or `nonce` login option is too short to be unguessable
 *   (under 22 characters) or could not come back intact in a callback (longer than 4096
 *   characters, or not printable ASCII), or `acrRequired` comes without `acrValues`: misuse of
 *   `login()`.
 * @throws {AuthError} `invalid_configuration` when the configured `nonce` generator returns
 *   such a value.
 */
export function createTransaction(
  config: ResolvedAuthConfig,
  options: TransactionOptions,
  now: number,
): LoginTransaction {
  checkAppValue('state', options.state, false);
  checkAppValue('nonce', options.nonce, false);
  const requiredAcr = options.acrRequired ? (options.acrValues ?? '').split(' ').filter(Boolean) : undefined;
  if (requiredAcr?.length === 0) {
    throw new TypeError((typeof ngDevMode === 'undefined' || ngDevMode) ? 'login(): acrRequired needs acrValues, the acr values of which the ID token must carry one.' : 'acrRequired');
  }
  return {
    state: options.state ?? generateRandom(),
    // OIDC Core 1.0 §15.5.2: the nonce binds the ID token to this login in this browser.
    nonce: options.nonce ?? (config.nonce ? checkAppValue('nonce', config.nonce() ?? '', true) : generateRandom()),
    codeVerifier: generateCodeVerifier(),
    redirectUri: config.redirectUri,
    responseType: config.responseType,
    scope: normalizeScope(options.scope ?? config.scope),
    audience: options.audience ?? config.audience,
    maxAge: options.maxAge,
    requiredAcr,
    returnUrl: options.returnUrl,
    appState: options.appState,
    createdAt: now,
    expiresAt: now + config.loginTimeoutSeconds * 1000,
  };
}

/**
 * Stores a transaction under its own key.
 * @throws {AuthError} `storage_error`.
 * @throws {TypeError} when an app-supplied `state` is already pending (reusing a state would let
 *   one response complete two logins): misuse of `login()`.
 */
export function saveTransaction(storage: AuthStorage, tx: LoginTransaction): void {
  const key = TRANSACTION_PREFIX + tx.state;
  if (readJsonOrNull<LoginTransaction>(storage, key) !== null) {
    throw new TypeError((typeof ngDevMode === 'undefined' || ngDevMode) ? 'login(): a login with this state is already pending; state values must be unique per login.' : 'state');
  }
  writeJson(storage, key, tx);
}

/**
 * Removes and returns the transaction of a callback's `state`, so that one authorization
 * response is processed at most once (a reload or the back button finds nothing).
 *
 * @throws {AuthError} `state_mismatch` when no pending login has this state, or it expired.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12
 */
export function takeTransaction(storage: AuthStorage, state: string, now: number): LoginTransaction {
  const key = TRANSACTION_PREFIX + state;
  const tx = readJson<LoginTransaction>(storage, key);
  safeRemove(storage, key);
  if (tx === null || tx.state !== state) {
    throw new AuthError(
      'state_mismatch',
      (typeof ngDevMode === 'undefined' || ngDevMode)
        ? 'The callback\'s state matches no login started in this browser session (it was already used, altered, or started in another browser).'
        : '',
      { claim: 'state', actual: state },
    );
  }
  if (tx.expiresAt <= now) {
    throw new AuthError('state_mismatch', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The login for this state expired at ${new Date(tx.expiresAt).toISOString()}; start a new login.` : '', {
      claim: 'state',
      expected: `before ${new Date(tx.expiresAt).toISOString()}`,
      actual: new Date(now).toISOString(),
    });
  }
  return tx;
}

// RFC 6749 Appendix A.5: state is 1*VSCHAR; the callback parser refuses anything else, so a
// login started with such a value could never complete. Fail at login() instead. RFC 6749
// §10.12 and OIDC Core 1.0 §15.5.2: state and nonce must be unguessable; 22 characters are the
// least that can hold 128 bits (base64url), what the library's own values have twice over.
// A login option is the caller's misuse (TypeError); the configured nonce generator is the
// configuration's fault (invalid_configuration).
function checkAppValue<T extends string | undefined>(option: 'state' | 'nonce', value: T, configured: boolean): T {
  if (value !== undefined && (typeof value !== 'string' || value.length < 22 || value.length > 4096 || !/^[\x20-\x7e]+$/.test(value))) {
    const message = (typeof ngDevMode === 'undefined' || ngDevMode)
      ? `The ${option} must be 22 to 4096 printable ASCII characters: unguessable (at least 128 bits, e.g. 22 base64url characters), fresh per login and able to come back intact.`
      : '';
    if (configured) throw new AuthError('invalid_configuration', message, { option });
    throw new TypeError(message || option);
  }
  return value;
}
