import { InjectionToken } from '@angular/core';
import { popupWindows } from '../core/browser/popup-window';
import { runFrame } from '../core/browser/silent-frame';
import type { AuthConfig, ResolvedAuthConfig } from '../core/config';
import { createDpop, createDpopFeature } from '../core/dpop/dpop';
import type { ProtocolFeatures } from '../core/features';
import { POPUP_LOGIN } from '../core/popup-feature';
import { pushAuthorizationRequest, type PushedAuthorizationMode } from '../core/pushed-authorization';
import { SILENT_RENEWAL } from '../core/silent-auth';
import { validateTokenHash } from '../core/token-hash';
import { withDpopRequests } from './dpop-requests';

/** Which optional part a feature adds. */
export type AuthFeatureKind = 'implicit_flow' | 'silent_authentication' | 'pushed_authorization_requests' | 'popup_login' | 'auth_provider' | 'dpop';

/**
 * An optional part of ngx-oidc, given to `provideAuth(config, ...features)`. Its code lands in
 * the app's bundle only when the app calls the function that makes it.
 */
export interface AuthFeature<Kind extends AuthFeatureKind = AuthFeatureKind> {
  /** Which feature this is (`implicit_flow`, `silent_authentication`, …). */
  readonly kind: Kind;
  /** @internal What the feature gives the protocol core. */
  readonly ɵprotocol: ProtocolFeatures;
  /** @internal Loads a URL in a hidden frame of `view` (silent authentication). */
  readonly ɵframe?: (view: Window, url: string, timeoutMs: number) => Promise<string>;
  /** @internal The popup windows of `view` (popup login). */
  readonly ɵpopups?: typeof popupWindows;
}

/** The features `provideAuth()` was given, merged. */
export interface AuthFeatures {
  readonly protocol: ProtocolFeatures;
  readonly frame?: (view: Window, url: string, timeoutMs: number) => Promise<string>;
  readonly popups?: typeof popupWindows;
  /**
   * The options `provideAuth()` checked with these features, and what it resolved them to
   * (against `PLACEHOLDER_ORIGIN`): the client only moves that onto the app's origin.
   */
  readonly checked?: { readonly config: AuthConfig; readonly resolved: ResolvedAuthConfig };
}

/** The features given to `provideAuth()` (none when absent). */
export const AUTH_FEATURES = new InjectionToken<AuthFeatures>('ngx-oidc AUTH_FEATURES', {
  providedIn: 'root',
  factory: () => ({ protocol: {} }),
});

/** Merges the features of a `provideAuth()` call. */
export function mergeFeatures(features: readonly AuthFeature[]): AuthFeatures {
  return {
    protocol: Object.assign({}, ...features.map((f) => f.ɵprotocol)) as ProtocolFeatures,
    frame: features.find((f) => f.ɵframe)?.ɵframe,
    popups: features.find((f) => f.ɵpopups)?.ɵpopups,
  };
}

/**
 * Response types that return tokens from the authorization endpoint: `"id_token token"`,
 * `"id_token"` (implicit) and `"code id_token"` (hybrid), with the `at_hash` / `c_hash` checks
 * they need (OpenID Connect Core 1.0 §3.2.2.9, §3.3.2.11). Authorization code + PKCE, the
 * default, does not need it.
 *
 * ```ts
 * provideAuth({ authority, clientId, responseType: 'id_token token' }, withImplicitFlow())
 * ```
 */
export function withImplicitFlow(): AuthFeature<'implicit_flow'> {
  return { kind: 'implicit_flow', ɵprotocol: { tokenHash: validateTokenHash } };
}

/**
 * Renewal without a refresh token: a `prompt=none` login in a hidden iframe that ends on the
 * app's `silentRedirectUri` page (auth0.js's `checkSession`). Needs the `silentRedirectUri`
 * option (an absolute URL on the app's origin); without this feature that option is refused.
 *
 * ```ts
 * provideAuth(
 *   { authority, clientId, silentRedirectUri: 'https://app.example.com/silent-callback.html' },
 *   withSilentAuthentication(),
 * )
 * ```
 */
export function withSilentAuthentication(): AuthFeature<'silent_authentication'> {
  return { kind: 'silent_authentication', ɵprotocol: { silent: SILENT_RENEWAL }, ɵframe: runFrame };
}

/** Options of {@link withPushedAuthorizationRequests}. */
export interface PushedAuthorizationOptions {
  /**
   * `'auto'` (default): push whenever the provider advertises a
   * `pushed_authorization_request_endpoint`, and send the parameters in the URL otherwise.
   * `'required'`: always push; a provider without the endpoint fails the login with
   * `par_unavailable` instead of falling back to the URL.
   */
  readonly mode?: PushedAuthorizationMode;
}

/**
 * Pushed Authorization Requests (RFC 9126): every login (redirect, silent, …) first POSTs its
 * authorization parameters (PKCE challenge, `state`, `nonce`, `redirect_uri`, `scope`,
 * `acr_values`, `max_age`, the audience, …) to the provider's
 * `pushed_authorization_request_endpoint`, and the browser then goes to the authorization
 * endpoint with `client_id` and `request_uri` only. The request then never travels in the
 * URL, where history, logs and `Referer` headers could read it and a redirect or a user could
 * alter it, and the URL stays short. A failed push fails the login with a typed error; it never
 * falls back to the URL.
 *
 * A provider that sets `require_pushed_authorization_requests` needs this feature: without it,
 * `login()` fails with `invalid_configuration`.
 *
 * ```ts
 * provideAuth({ authority, clientId }, withPushedAuthorizationRequests({ mode: 'required' }))
 * ```
 *
 * @see https://www.rfc-editor.org/rfc/rfc9126
 */
export function withPushedAuthorizationRequests(options: PushedAuthorizationOptions = {}): AuthFeature<'pushed_authorization_requests'> {
  const mode = options.mode ?? 'auto';
  return {
    kind: 'pushed_authorization_requests',
    ɵprotocol: { par: (discovery, url, fetchFn) => pushAuthorizationRequest(discovery, url, fetchFn, mode) },
  };
}

/**
 * Login in a popup window: `AuthService.loginWithPopup(options)` logs in without leaving or
 * reloading the app, with the same options, transaction and checks as `login()`. The popup
 * lands on the app's redirect URI, where the app (booting in the popup) hands the provider's
 * answer back over a BroadcastChannel named by the login's `state` and closes the window; it
 * never relies on `window.opener`, which a provider page's `Cross-Origin-Opener-Policy` severs.
 *
 * ```ts
 * provideAuth({ authority, clientId }, withPopupLogin())
 * ```
 */
export function withPopupLogin(): AuthFeature<'popup_login'> {
  return { kind: 'popup_login', ɵprotocol: { popup: POPUP_LOGIN }, ɵpopups: popupWindows };
}

/**
 * DPoP (RFC 9449): tokens bound to a key of this browser, so that a stolen access or refresh
 * token is worthless without it. A non-extractable ES256 key pair from Web Crypto is kept in
 * IndexedDB per issuer and client (every tab and reload uses the same key; a logout makes a
 * new one); logins send its thumbprint as `dpop_jkt`, every token request (code exchange,
 * refresh, silent login) carries a DPoP proof, and a token response that is not `DPoP`-bound
 * is refused (`dpop_not_bound`). `authInterceptor` sends allow-listed requests (`httpResource`
 * ones too) with `Authorization: DPoP <token>` and a fresh proof. Nonces (`use_dpop_nonce`, from
 * the token endpoint or an API) are answered with one retry. A logout deletes the key.
 *
 * Where IndexedDB or Web Crypto is unavailable, the login (or the request) fails with
 * `dpop_unavailable`; it never falls back to Bearer tokens. The provider must support DPoP for the client.
 *
 * ```ts
 * provideAuth({ authority, clientId }, withDpop())
 * ```
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449
 */
export function withDpop(): AuthFeature<'dpop'> {
  return { kind: 'dpop', ɵprotocol: { dpop: createDpopFeature((scope) => withDpopRequests(createDpop(scope))) } };
}
