import type { ResolvedAuthConfig } from './config';
import type { DpopFeature } from './dpop/dpop';
import { AuthError } from './errors';
import type { PopupLogin } from './popup-feature';
import type { PushAuthorization } from './pushed-authorization';
import type { SilentRenewal } from './silent-auth';
import type { validateTokenHash } from './token-hash';

/**
 * The optional parts of the protocol. Each comes from an Angular feature function
 * (`withImplicitFlow()`, `withSilentAuthentication()`) and nothing else in the core imports
 * them, so an app that does not use one does not ship its code.
 */
export interface ProtocolFeatures {
  /**
   * Checks `at_hash` and `c_hash` (OIDC Core 1.0 §3.2.2.9, §3.3.2.11): what the response types
   * that return tokens from the authorization endpoint need. Without it only `"code"` is
   * allowed, and an `at_hash` in the token endpoint's ID token is not checked (§3.1.3.8 makes
   * that check optional: the access token came over TLS from the token endpoint itself).
   */
  readonly tokenHash?: typeof validateTokenHash;
  /** Renewal by a `prompt=none` login in a hidden frame (`silentRedirectUri`). */
  readonly silent?: SilentRenewal;
  /**
   * Pushed authorization requests (RFC 9126, `withPushedAuthorizationRequests()`): the login's
   * parameters go to the provider directly, and the browser gets a URL with `client_id` and
   * `request_uri` only. Without it a provider that sets `require_pushed_authorization_requests`
   * is refused with `invalid_configuration`.
   */
  readonly par?: PushAuthorization;
  /** Login in a popup window (`withPopupLogin()`): `loginWithPopup()`, and the popup's callback page. */
  readonly popup?: PopupLogin;
  /**
   * DPoP (RFC 9449, `withDpop()`): the `Dpop` of a client (issuer and client id) — its key,
   * proofs and nonces. Logins send `dpop_jkt`, token requests a proof, and the token endpoint
   * must answer with `token_type` `DPoP`.
   */
  readonly dpop?: DpopFeature;
}

/**
 * Checks that the configuration only uses features that were provided.
 * @throws {AuthError} `invalid_configuration` naming the option and the feature it needs.
 */
export function checkFeatures(config: Pick<ResolvedAuthConfig, 'responseType' | 'silentRedirectUri'>, features: ProtocolFeatures): void {
  if (config.responseType !== 'code' && !features.tokenHash) {
    throw new AuthError(
      'invalid_configuration',
      (typeof ngDevMode === 'undefined' || ngDevMode) ? `responseType "${config.responseType}" needs withImplicitFlow(): provideAuth(config, withImplicitFlow()). Without it only "code" is built in.` : '',
      { option: 'responseType', expected: 'withImplicitFlow()', actual: config.responseType },
    );
  }
  // RFC 9449 §5: tokens are bound at the token endpoint; an access token from the authorization
  // endpoint ("id_token token") can never be, and "id_token" has none.
  if (features.dpop && !config.responseType.startsWith('code')) {
    throw new AuthError(
      'invalid_configuration',
      (typeof ngDevMode === 'undefined' || ngDevMode) ? `withDpop() needs the access token from the token endpoint: responseType "code" (or "code id_token"), not "${config.responseType}".` : '',
      { option: 'responseType', expected: 'code', actual: config.responseType },
    );
  }
  if (config.silentRedirectUri !== undefined && !features.silent) {
    throw new AuthError(
      'invalid_configuration',
      (typeof ngDevMode === 'undefined' || ngDevMode) ? 'silentRedirectUri needs withSilentAuthentication(): provideAuth(config, withSilentAuthentication()).' : '',
      { option: 'silentRedirectUri', expected: 'withSilentAuthentication()' },
    );
  }
}
