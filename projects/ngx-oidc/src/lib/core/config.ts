import { parseAllowedUrls, type AllowedUrl, type AllowedUrlMatcher } from './allowed-url';
import { AuthError } from './errors';
import type { AuthStorage } from './storage';

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

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** The origin `provideAuth()` checks with before the app's real origin is known. */
export const PLACEHOLDER_ORIGIN = 'http://localhost';

/**
 * Checks the configuration and fills in defaults.
 *
 * @param config What the app passed to `provideAuth()`.
 * @param appOrigin The app's origin, for default redirect URIs and relative allowlist entries.
 * @throws {AuthError} `invalid_configuration`, with `cause.option` naming the offending option.
 */
export function resolveConfig(config: AuthConfig, appOrigin: string): ResolvedAuthConfig {
  if (config === null || typeof config !== 'object') {
    throw invalid('config', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'provideAuth() needs a configuration object with authority and clientId' : '');
  }
  if (typeof config.clientId !== 'string' || config.clientId.trim() === '') {
    throw invalid('clientId', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'clientId is required: the client id registered at your provider' : '');
  }
  const authority = checkAuthority(config.authority);
  const { redirectUri, postLogoutRedirectUri } = redirectUris(config, appOrigin);
  const scope = normalizeScope(config.scope ?? 'openid profile email');
  if (!scope.split(' ').includes('openid')) {
    throw invalid('scope', (typeof ngDevMode === 'undefined' || ngDevMode) ? `scope "${scope}" must contain "openid" for an OpenID Connect login` : '', scope);
  }
  // OAuth 2.0 Multiple Response Types §2: the order of the space-separated values is irrelevant.
  const responseType = canonicalResponseType(config.responseType ?? 'code');
  if (!RESPONSE_TYPES.includes(responseType)) {
    throw invalid(
      'responseType',
      (typeof ngDevMode === 'undefined' || ngDevMode)
        ? `responseType "${String(responseType)}" is not supported; use one of ${RESPONSE_TYPES.map((t) => `"${t}"`).join(', ')} ("code" is the default and recommended)`
        : '',
      responseType,
    );
  }
  const audienceParameter = config.audienceParameter ?? 'audience';
  if (audienceParameter !== 'audience' && audienceParameter !== 'resource') {
    throw invalid('audienceParameter', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'audienceParameter must be "audience" or "resource"' : '', audienceParameter);
  }
  if (config.audience !== undefined && (typeof config.audience !== 'string' || !config.audience)) {
    throw invalid('audience', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'audience must be a non-empty string (the API identifier)' : '');
  }
  // A larger tolerance would let expired ID tokens through (OIDC Core 1.0 §3.1.3.7 (9), (10)),
  // and a login transaction is a pending state value: short-lived (RFC 6749 §10.12).
  const clockSkewSeconds = checkSeconds('clockSkewSeconds', config.clockSkewSeconds, 60, 300);
  const loginTimeoutSeconds = checkSeconds('loginTimeoutSeconds', config.loginTimeoutSeconds, 600, 3600, 1);
  const storage = config.storage ?? 'memory';
  if (typeof storage === 'string' ? !['memory', 'session', 'local'].includes(storage) : !isStorage(storage)) {
    throw invalid(
      'storage',
      (typeof ngDevMode === 'undefined' || ngDevMode) ? 'storage must be "memory", "session", "local" or an object with getItem, setItem, removeItem, key and length' : '',
      typeof storage === 'string' ? storage : undefined,
    );
  }
  if (config.refreshTokenInLocalStorage !== undefined && config.refreshTokenInLocalStorage !== ALLOW_REFRESH_TOKEN_IN_LOCAL_STORAGE) {
    throw invalid(
      'refreshTokenInLocalStorage',
      (typeof ngDevMode === 'undefined' || ngDevMode) ? 'refreshTokenInLocalStorage takes only the constant ALLOW_REFRESH_TOKEN_IN_LOCAL_STORAGE' : '',
      config.refreshTokenInLocalStorage,
    );
  }
  const silentRedirectUri = config.silentRedirectUri === undefined ? undefined : checkUrl('silentRedirectUri', config.silentRedirectUri);
  checkSilentOrigin(silentRedirectUri, appOrigin);
  const silentTimeoutSeconds = checkSeconds('silentTimeoutSeconds', config.silentTimeoutSeconds, 10);
  const renewLeadSeconds = checkSeconds('renewLeadSeconds', config.renewLeadSeconds, 60);
  if (config.autoRenew !== undefined && typeof config.autoRenew !== 'boolean') {
    throw invalid('autoRenew', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'autoRenew must be true or false' : '', config.autoRenew);
  }
  // OIDC Core 1.0 §15.5.2: a nonce binds one ID token to one login; a constant one binds none.
  if (config.nonce !== undefined && typeof config.nonce !== 'function') {
    throw invalid(
      'nonce',
      (typeof ngDevMode === 'undefined' || ngDevMode)
        ? 'a constant nonce for every login defeats replay protection (OpenID Connect Core §15.5.2): leave nonce unset (a fresh one per login), give a function that returns a fresh one per login, or pass login({ nonce }) for one login'
        : '',
    );
  }
  if (config.loginRoute !== undefined && (typeof config.loginRoute !== 'string' || !config.loginRoute.startsWith('/'))) {
    throw invalid('loginRoute', (typeof ngDevMode === 'undefined' || ngDevMode) ? `loginRoute "${config.loginRoute}" must be an app path starting with "/"` : '', config.loginRoute);
  }
  return {
    authority,
    clientId: config.clientId,
    redirectUri,
    postLogoutRedirectUri,
    scope,
    audience: config.audience,
    audienceParameter,
    responseType,
    allowedUrls: parseAllowedUrls(config.allowedUrls ?? [], appOrigin, authority),
    clockSkewSeconds,
    nonce: config.nonce,
    extraParams: { ...config.extraParams },
    loadUserInfo: config.loadUserInfo === true,
    storage,
    refreshTokenInLocalStorage: config.refreshTokenInLocalStorage === ALLOW_REFRESH_TOKEN_IN_LOCAL_STORAGE,
    silentRedirectUri,
    silentTimeoutSeconds,
    autoRenew: config.autoRenew ?? true,
    renewLeadSeconds,
    loginTimeoutSeconds,
    loginRoute: config.loginRoute,
    appOrigin,
  };
}

/**
 * Moves a configuration {@link resolveConfig} resolved against {@link PLACEHOLDER_ORIGIN} onto
 * the app's origin, checking again only what depends on it: the default redirect URIs, the
 * `silentRedirectUri` origin and relative `allowedUrls` entries. `provideAuth()` resolves the
 * configuration once, before the app's origin is known; the client moves the result.
 *
 * @param resolved `resolveConfig(config, PLACEHOLDER_ORIGIN)`.
 * @param config The options `resolved` was resolved from.
 * @param appOrigin The app's origin.
 * @returns What `resolveConfig(config, appOrigin)` returns.
 * @throws {AuthError} `invalid_configuration`, as `resolveConfig(config, appOrigin)` would.
 */
export function rebaseConfig(resolved: ResolvedAuthConfig, config: AuthConfig, appOrigin: string): ResolvedAuthConfig {
  const uris = redirectUris(config, appOrigin);
  checkSilentOrigin(resolved.silentRedirectUri, appOrigin);
  return { ...resolved, ...uris, allowedUrls: parseAllowedUrls(config.allowedUrls ?? [], appOrigin, resolved.authority), appOrigin };
}

/** The redirect URIs, by default on the app's origin. */
function redirectUris(config: AuthConfig, appOrigin: string): Pick<ResolvedAuthConfig, 'redirectUri' | 'postLogoutRedirectUri'> {
  return {
    redirectUri: checkUrl('redirectUri', config.redirectUri ?? `${appOrigin}/callback`),
    postLogoutRedirectUri: checkUrl('postLogoutRedirectUri', config.postLogoutRedirectUri ?? `${appOrigin}/`),
  };
}

// The silent authentication frame reports back to this window only (same origin); unknown
// before the app's origin is.
function checkSilentOrigin(silentRedirectUri: string | undefined, appOrigin: string): void {
  if (silentRedirectUri !== undefined && new URL(silentRedirectUri).origin !== new URL(appOrigin).origin && appOrigin !== PLACEHOLDER_ORIGIN) {
    throw invalid(
      'silentRedirectUri',
      (typeof ngDevMode === 'undefined' || ngDevMode) ? `silentRedirectUri "${silentRedirectUri}" must be on the app's origin ${appOrigin}: the frame reports back to this window only` : '',
      silentRedirectUri,
      appOrigin,
    );
  }
}

/** Collapses whitespace in a scope string (RFC 6749 §3.3: space-delimited). */
export function normalizeScope(scope: string): string {
  return scope.trim().split(/\s+/).filter(Boolean).join(' ');
}

// RFC 9700 §2.6 and OIDC Discovery §3: the issuer is an https URL; plain http only on loopback.
function checkAuthority(authority: unknown): string {
  if (typeof authority !== 'string' || authority.trim() === '') {
    throw invalid('authority', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'authority is required: the issuer URL of your OpenID Provider' : '');
  }
  let url: URL;
  try {
    url = new URL(authority);
  } catch {
    throw invalid('authority', (typeof ngDevMode === 'undefined' || ngDevMode) ? `authority "${authority}" is not an absolute URL (e.g. https://tenant.example.com)` : '', authority);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname))) {
    throw invalid('authority', (typeof ngDevMode === 'undefined' || ngDevMode) ? `authority "${authority}" must use https (http is allowed only for localhost and 127.0.0.1)` : '', url.origin);
  }
  if (url.search || url.hash || url.username || url.password) {
    // The value is left out of the details: it may hold credentials.
    throw invalid('authority', (typeof ngDevMode === 'undefined' || ngDevMode) ? `authority "${authority}" must not contain a query, fragment or credentials` : '');
  }
  return authority;
}

function checkUrl(option: string, value: unknown): string {
  if (typeof value !== 'string') throw invalid(option, (typeof ngDevMode === 'undefined' || ngDevMode) ? `${option} must be an absolute URL` : '');
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError();
    if (url.hash) throw invalid(option, (typeof ngDevMode === 'undefined' || ngDevMode) ? `${option} "${value}" must not contain a fragment` : '', value);
  } catch (err) {
    if (err instanceof AuthError) throw err;
    throw invalid(option, (typeof ngDevMode === 'undefined' || ngDevMode) ? `${option} "${value}" is not an absolute http(s) URL` : '', value);
  }
  return value;
}

/**
 * A response type's values in one order, so that two spellings of the same response type
 * compare equal (`token id_token` and `id_token token`).
 * @see https://openid.net/specs/oauth-v2-multiple-response-types-1_0.html#ResponseTypesAndModes
 */
export function normalizeResponseType(value: string): string {
  return value.trim().split(/\s+/).sort().join(' ');
}

function canonicalResponseType(value: unknown): ResponseType {
  if (typeof value !== 'string') return value as ResponseType;
  const key = normalizeResponseType(value);
  return RESPONSE_TYPES.find((type) => normalizeResponseType(type) === key) ?? (value as ResponseType);
}

function isStorage(value: unknown): value is AuthStorage {
  const s = value as Partial<AuthStorage> | null;
  return (
    typeof s === 'object' && s !== null &&
    typeof s.getItem === 'function' && typeof s.setItem === 'function' &&
    typeof s.removeItem === 'function' && typeof s.key === 'function'
  );
}

function checkSeconds(option: string, value: unknown, fallback: number, max = Infinity, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalid(
      option,
      (typeof ngDevMode === 'undefined' || ngDevMode) ? `${option} must be a number of seconds from ${min}${max < Infinity ? ` to ${max}` : ''}` : '',
      value,
      max < Infinity ? `${min}..${max}` : undefined,
    );
  }
  return value;
}

/**
 * @param message What is wrong, empty in production builds.
 * @param actual The refused value (never a secret), for the production message.
 * @param expected What `actual` should have been.
 */
function invalid(option: string, message: string, actual?: unknown, expected?: unknown): AuthError {
  const details = actual === undefined ? { option } : expected === undefined ? { option, actual } : { option, expected, actual };
  return new AuthError('invalid_configuration', (typeof ngDevMode === 'undefined' || ngDevMode) ? `ngx-oidc: ${message}.` : '', details);
}
