import type { AllowedUrlMatcher } from './allowed-url';
import type { AccessTokenOptions, ClientListener } from './client';
import type { ResolvedAuthConfig } from './config';
import type { Dpop } from './dpop/dpop';
import type { LoginOptions } from './login-flow';
import type { PopupLoginOptions } from './popup-login';
import { requestKey, type TokenRequest } from './token-cache';

/**
 * What the Angular layer needs from a client: `AuthService` forwards to it, `authInterceptor`
 * asks it which URLs get a token and for renewals. `OidcClient` is the real one; ngx-oidc/testing
 * swaps in a scripted one. State changes and events go to the {@link ClientListener} the client
 * was created with.
 *
 * @internal Shared with ngx-oidc/testing as `ɵAuthClient`; not API.
 */
export interface AuthClient {
  /** The constructor-time options after defaults were applied. */
  readonly config: ResolvedAuthConfig;
  /** Restores a stored session and completes a login callback. Idempotent; never rejects. */
  initialize(): Promise<void>;
  /** Starts a login (leaves the app for the provider). */
  login(options: LoginOptions): Promise<void>;
  /** Logs in in a popup window, which it opens synchronously; the app stays. */
  loginWithPopup(options: PopupLoginOptions): Promise<void>;
  /** Forgets the session and, unless `localOnly`, ends it at the provider. */
  logout(options: { readonly localOnly?: boolean }): Promise<void>;
  /** A valid access token for the request, renewed when needed; `null` when nobody is logged in. */
  getAccessToken(options: AccessTokenOptions): Promise<string | null>;
  /** The cached fresh token for the request, else `undefined`; never renews, never waits. */
  peekAccessToken(request: TokenRequest): string | undefined;
  /** The allowlist entry `url` may send the token to; never a provider endpoint. */
  matchAllowedUrl(url: string, method: string): AllowedUrlMatcher | undefined;
  /** After an API refused `rejectedToken`: a different valid token, renewing at most once. */
  renewAfterRejection(rejectedToken: string, request: TokenRequest): Promise<string | null>;
  /**
   * With `withDpop()`: the client's DPoP (its key, proofs and nonces), which the interceptor
   * binds the token of each request to; `undefined` (or absent) without it.
   */
  dpop?(): Dpop | undefined;
  /** Stops timers and channels (the app is being destroyed). */
  destroy(): void;
}

/**
 * Creates the client of one app, reporting to `listener`.
 *
 * @internal Shared with ngx-oidc/testing as `ɵAuthClientFactory`; not API.
 */
export type AuthClientFactory = (listener: ClientListener) => AuthClient;

/**
 * The key of a token request (audience and normalised scope), as the client files its tokens.
 *
 * @internal Shared with ngx-oidc/testing as `ɵrequestKey`, so its fake files tokens the same
 *   way; not API.
 */
export const tokenRequestKey: (request: TokenRequest) => string = requestKey;
