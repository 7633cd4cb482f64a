import { parseAllowedUrls } from './allowed-url';
import { ALLOW_REFRESH_TOKEN_IN_LOCAL_STORAGE, RESPONSE_TYPES, type AuthConfig, type ResolvedAuthConfig, type ResponseType } from './config-options';
import { AuthError } from './errors';
import type { AuthStorage } from './storage';

// The shapes live in config-options.ts; importers of config.ts keep finding them here.
export { ALLOW_REFRESH_TOKEN_IN_LOCAL_STORAGE, RESPONSE_TYPES, type AudienceParameter, type AuthConfig, type ResolvedAuthConfig, type ResponseType, type TokenStorageKind } from './config-options';

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

/** One provider of an app with several (`withAuthProvider()`), for {@link checkProvidersApart}. */
export interface NamedProviderConfig {
  /** The provider's name (`withAuthProvider(name, …)`), or how the main one is called in messages. */
  readonly name: string;
  readonly config: Pick<ResolvedAuthConfig, 'authority' | 'clientId' | 'allowedUrls'>;
}

/**
 * Checks that the providers of one app stay apart: each is another client (issuer and client
 * id: its storage keys, tab channel and locks are named after them), no URL is allow-listed for
 * two of them (the interceptor could not tell whose token it gets), and no provider's allowlist
 * covers another provider's issuer (RFC 6750 §5.3, RFC 9700 §4.9: a token goes to APIs, never
 * to a provider, least of all another one).
 *
 * Two entries overlap when they have the same origin and one's path is a prefix of the other's
 * on a segment boundary (`''`, the whole origin, overlaps every path), unless both are limited
 * to different HTTP methods.
 *
 * @throws {AuthError} `invalid_configuration` naming both providers (`details.option`) and the
 *   entries (`details.actual`).
 */
export function checkProvidersApart(providers: readonly NamedProviderConfig[]): void {
  providers.forEach((a, i) => {
    for (const b of providers.slice(i + 1)) {
      if (a.config.authority === b.config.authority && a.config.clientId === b.config.clientId) {
        throw invalid(
          `${a.name}, ${b.name}`,
          (typeof ngDevMode === 'undefined' || ngDevMode)
            ? `the providers ${a.name} and ${b.name} are the same client (${a.config.clientId} at ${a.config.authority}); configure each provider once`
            : '',
          a.config.authority,
        );
      }
      for (const x of a.config.allowedUrls) {
        for (const y of b.config.allowedUrls) {
          const [short, long] = x.path.length <= y.path.length ? [x, y] : [y, x];
          if (
            x.origin === y.origin &&
            (short.path === '' || long.path === short.path || long.path.startsWith(short.path + '/')) &&
            (!x.httpMethod || !y.httpMethod || x.httpMethod === y.httpMethod)
          ) {
            throw invalid(
              `${a.name}, ${b.name}`,
              (typeof ngDevMode === 'undefined' || ngDevMode)
                ? `the allowedUrls of ${a.name} (${x.origin}${x.path}) and of ${b.name} (${y.origin}${y.path}) overlap: a request there could get either provider's token. Give each provider its own API paths`
                : '',
              [x.origin + x.path, y.origin + y.path],
            );
          }
        }
      }
    }
    for (const b of providers) {
      const issuer = new URL(b.config.authority);
      const path = issuer.pathname.replace(/\/+$/, '');
      const entry = b !== a && a.config.allowedUrls.find((x) => x.origin === issuer.origin && (x.path === '' || path === x.path || path.startsWith(x.path + '/')));
      if (entry) {
        throw invalid(
          `${a.name}, ${b.name}`,
          (typeof ngDevMode === 'undefined' || ngDevMode)
            ? `the allowedUrls of ${a.name} (${entry.origin}${entry.path}) cover the issuer of ${b.name} (${b.config.authority}): ${a.name}'s token would go to another provider`
            : '',
          entry.origin + entry.path,
        );
      }
    }
  });
}
