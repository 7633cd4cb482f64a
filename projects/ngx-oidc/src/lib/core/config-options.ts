import type { AllowedUrl, AllowedUrlMatcher } from './allowed-url';
import type { AuthStorage } from './storage';

// The configuration's shape: what the app gives `provideAuth()` (AuthConfig) and what
// resolveConfig (config.ts) makes of it (ResolvedAuthConfig).

/**
 * The OAuth 2 / OpenID Connect response types ngx-oidc implements. Authorization code + PKCE
 * (`code`) is the default and the recommendation (RFC 9700 §2.1.1); the implicit types
 * (`id_token token`, `id_token`) exist for providers and apps that still need them, and the
 * hybrid `code id_token` for providers that offer it.
 */
export type ResponseType = 'code' | 'id_token token' | 'id_token' | 'code id_token';

/** Every {@link ResponseType}, for validation. */
export const RESPONSE_TYPES: readonly ResponseType[] = ['code', 'id_token token', 'id_token', 'code id_token'];

/** Which authorization parameter carries {@link AuthConfig.audience}. */
export type AudienceParameter = 'audience' | 'resource';

/** Where the session's tokens are kept. */
export type TokenStorageKind = 'memory' | 'session' | 'local';

/**
 * Opt-in to keep the refresh token in `localStorage` with `storage: 'local'`.
 *
 * **Warning:** a refresh token in `localStorage` outlives the tab and is readable by any script
 * that runs on your origin (one XSS is enough to take a long-lived session away). Without this
 * opt-in, `storage: 'local'` persists the access and ID tokens only, and the refresh token stays
 * in memory.
 */
export const ALLOW_REFRESH_TOKEN_IN_LOCAL_STORAGE = 'allow-refresh-token-in-local-storage' as const;

/**
 * Constructor-time options, given once to `provideAuth()`. They describe the client and never
 * change per login; per-login choices go to `AuthService.login(options)` instead, which never
 * writes back here.
 */
export interface AuthConfig {
  /** Issuer URL of the OpenID Provider; discovery is read from `<authority>/.well-known/openid-configuration`. https only, except for localhost. */
  readonly authority: string;
  /** The client id registered at the provider. */
  readonly clientId: string;
  /** Where the provider redirects after login. Default: `<app origin>/callback`. */
  readonly redirectUri?: string;
  /** Where the provider redirects after logout. Default: `<app origin>/`. */
  readonly postLogoutRedirectUri?: string;
  /** Space-separated scopes requested at every login; must contain `openid`. Default `openid profile email`. */
  readonly scope?: string;
  /** API identifier the access token is requested for; without it many providers issue an opaque token. */
  readonly audience?: string;
  /** Parameter that carries `audience`: `audience` (Auth0 style, default) or `resource` (RFC 8707). */
  readonly audienceParameter?: AudienceParameter;
  /**
   * OAuth response type. Default and recommended: `code` (with PKCE). Constructor-time only:
   * the callback must know how to read the response before it knows which login it belongs to.
   */
  readonly responseType?: ResponseType;
  /** URL prefixes that receive the access token from `authInterceptor`. Nothing else ever does. */
  readonly allowedUrls?: readonly AllowedUrl[];
  /** Tolerance for `exp`/`iat` checks, in seconds: 0 to 300. Default 60. */
  readonly clockSkewSeconds?: number;
  /**
   * Makes the nonce of each login that does not pass its own: called once per login, it must
   * return a fresh, unguessable value of at least 22 characters (128 bits, base64url). Prefer
   * leaving it unset: the library then makes a fresh 256-bit nonce per login. A constant string
   * is refused: one nonce for every login defeats the replay protection it exists for (OpenID
   * Connect Core 1.0 §15.5.2); pass `login({ nonce })` for one login instead.
   */
  readonly nonce?: () => string;
  /** Additional authorization parameters sent with every login (e.g. `connection`). */
  readonly extraParams?: Readonly<Record<string, string>>;
  /** Fetch `/userinfo` after login and merge its claims into `user`. Default false. */
  readonly loadUserInfo?: boolean;
  /**
   * Where tokens are kept: `memory` (default: gone on reload), `session` (`sessionStorage`),
   * `local` (`localStorage`; the refresh token only with
   * {@link ALLOW_REFRESH_TOKEN_IN_LOCAL_STORAGE}), or a storage of the app's own.
   */
  readonly storage?: TokenStorageKind | AuthStorage;
  /** See {@link ALLOW_REFRESH_TOKEN_IN_LOCAL_STORAGE}. */
  readonly refreshTokenInLocalStorage?: typeof ALLOW_REFRESH_TOKEN_IN_LOCAL_STORAGE;
  /**
   * A page of the app that hands its URL to the parent window, enabling silent authentication
   * (`prompt=none` in a hidden iframe) when there is no refresh token. Register it at the
   * provider as a redirect URI. Unset: no silent authentication.
   */
  readonly silentRedirectUri?: string;
  /** How long silent authentication may take, in seconds. Default 10. */
  readonly silentTimeoutSeconds?: number;
  /** Renew the login's access token before it expires. Default true. */
  readonly autoRenew?: boolean;
  /**
   * How long before expiry tokens are renewed, in seconds (at most half the token's lifetime).
   * Default 60.
   */
  readonly renewLeadSeconds?: number;
  /** How long a started login may take before its transaction expires, in seconds: 1 to 3600. Default 600. */
  readonly loginTimeoutSeconds?: number;
  /**
   * App route the guard sends unauthenticated users to (with `?returnUrl=`), instead of starting
   * the provider login itself.
   */
  readonly loginRoute?: string;
}

/** {@link AuthConfig} with defaults applied and every value checked. */
export interface ResolvedAuthConfig {
  /** {@link AuthConfig.authority}, as given. */
  readonly authority: string;
  /** {@link AuthConfig.clientId}, as given. */
  readonly clientId: string;
  /** {@link AuthConfig.redirectUri}, or `<appOrigin>/callback`. */
  readonly redirectUri: string;
  /** {@link AuthConfig.postLogoutRedirectUri}, or `<appOrigin>/`. */
  readonly postLogoutRedirectUri: string;
  /** {@link AuthConfig.scope} with its whitespace collapsed, or `openid profile email`. Always contains `openid`. */
  readonly scope: string;
  /** {@link AuthConfig.audience}; unset when none was given. */
  readonly audience?: string;
  /** {@link AuthConfig.audienceParameter}, or `audience`. */
  readonly audienceParameter: AudienceParameter;
  /** {@link AuthConfig.responseType} in its canonical spelling (`id_token code` becomes `code id_token`), or `code`. */
  readonly responseType: ResponseType;
  /** {@link AuthConfig.allowedUrls}, parsed: relative entries resolved against `appOrigin`, methods upper-cased. Empty by default. */
  readonly allowedUrls: readonly AllowedUrlMatcher[];
  /** {@link AuthConfig.clockSkewSeconds}, or 60. */
  readonly clockSkewSeconds: number;
  /** {@link AuthConfig.nonce}; unset (the default) means a fresh nonce per login. */
  readonly nonce?: () => string;
  /** A copy of {@link AuthConfig.extraParams}, or `{}`. */
  readonly extraParams: Readonly<Record<string, string>>;
  /** {@link AuthConfig.loadUserInfo}: true only when it was `true`. */
  readonly loadUserInfo: boolean;
  /** {@link AuthConfig.storage}, or `memory`. The option as given: a browser storage that turns out unusable is replaced by memory later, when the client opens it. */
  readonly storage: TokenStorageKind | AuthStorage;
  /** True when {@link AuthConfig.refreshTokenInLocalStorage} is {@link ALLOW_REFRESH_TOKEN_IN_LOCAL_STORAGE}. */
  readonly refreshTokenInLocalStorage: boolean;
  /** {@link AuthConfig.silentRedirectUri}; unset: no silent authentication. */
  readonly silentRedirectUri?: string;
  /** {@link AuthConfig.silentTimeoutSeconds}, or 10. */
  readonly silentTimeoutSeconds: number;
  /** {@link AuthConfig.autoRenew}, or true. */
  readonly autoRenew: boolean;
  /** {@link AuthConfig.renewLeadSeconds}, or 60. */
  readonly renewLeadSeconds: number;
  /** {@link AuthConfig.loginTimeoutSeconds}, or 600. */
  readonly loginTimeoutSeconds: number;
  /** {@link AuthConfig.loginRoute}; unset: the guard starts the provider login itself. */
  readonly loginRoute?: string;
  /** The app's origin (`https://app.example.com`), which the default redirect URIs and relative `allowedUrls` entries are built on. */
  readonly appOrigin: string;
}
