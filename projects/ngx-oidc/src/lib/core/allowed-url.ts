import { AuthError } from './errors';

/**
 * One entry of the interceptor's allowlist: the URLs that may receive the access token.
 *
 * A string is a URL prefix: scheme, host and port must equal the request's, and the path must
 * match on a segment boundary (`https://api.example.com/v1` matches `/v1` and `/v1/users`, not
 * `/v10`). Relative entries (`/api`) resolve against the app's origin.
 */
export type AllowedUrl = string | AllowedUrlEntry;

/** The object form of an {@link AllowedUrl}. */
export interface AllowedUrlEntry {
  /** URL prefix, as for the string form. */
  readonly uri: string;
  /** Only requests with this HTTP method get the token (any method when omitted). */
  readonly httpMethod?: string;
  /**
   * When nobody is logged in, send the request without a token instead of failing it with
   * `login_required`.
   */
  readonly allowAnonymous?: boolean;
  /** The API audience these URLs need a token for (default: the configured `audience`). */
  readonly audience?: string;
  /** The scope these URLs need (default: the login's). */
  readonly scope?: string;
}

/** An allowlist entry checked and parsed once, at configuration time. */
export interface AllowedUrlMatcher {
  /** The entry's origin (scheme, host and port), compared with the request URL's parsed origin. */
  readonly origin: string;
  /** Path prefix without a trailing slash (`''` for the whole origin). */
  readonly path: string;
  /** The only HTTP method that gets the token, upper-cased; any method when unset. */
  readonly httpMethod?: string;
  /** Send the request without a token when nobody is logged in (see {@link AllowedUrlEntry.allowAnonymous}); false for a string entry. */
  readonly allowAnonymous: boolean;
  /** The API audience the token must be for; unset: the login's. */
  readonly audience?: string;
  /** The scope the token must carry; unset: the login's. */
  readonly scope?: string;
}

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * Parses allowlist entries, rejecting anything ambiguous.
 *
 * @param entries The `allowedUrls` option.
 * @param appOrigin Origin that relative entries resolve against.
 * @throws {AuthError} `invalid_configuration` naming the entry and what is wrong with it.
 */
export function parseAllowedUrls(
  entries: readonly AllowedUrl[],
  appOrigin: string,
): AllowedUrlMatcher[] {
  if (!Array.isArray(entries)) {
    throw invalidEntry(-1, (typeof ngDevMode === 'undefined' || ngDevMode) ? 'must be an array of URL prefixes or { uri } objects' : '');
  }
  return entries.map((entry, index) => {
    const uri = typeof entry === 'string' ? entry : entry?.uri;
    if (typeof uri !== 'string' || uri.trim() === '') {
      throw invalidEntry(index, (typeof ngDevMode === 'undefined' || ngDevMode) ? 'needs a non-empty URL (string or { uri })' : '');
    }
    if (uri.includes('*')) {
      throw invalidEntry(index, (typeof ngDevMode === 'undefined' || ngDevMode) ? `"${uri}" contains "*"; wildcards are not supported, list each URL prefix` : '', uri);
    }
    let url: URL;
    try {
      url = new URL(uri, appOrigin);
    } catch {
      throw invalidEntry(index, (typeof ngDevMode === 'undefined' || ngDevMode) ? `"${uri}" is not a valid URL` : '', uri);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw invalidEntry(index, (typeof ngDevMode === 'undefined' || ngDevMode) ? `"${uri}" must be an http(s) URL` : '', url.protocol);
    }
    if (url.username || url.password) {
      throw invalidEntry(index, (typeof ngDevMode === 'undefined' || ngDevMode) ? `"${uri}" must not contain credentials` : '');
    }
    if (url.search || url.hash) {
      throw invalidEntry(index, (typeof ngDevMode === 'undefined' || ngDevMode) ? `"${uri}" must not contain a query or fragment` : '', uri);
    }
    const method = typeof entry === 'string' ? undefined : entry.httpMethod?.toUpperCase();
    if (method !== undefined && !HTTP_METHODS.includes(method)) {
      throw invalidEntry(index, (typeof ngDevMode === 'undefined' || ngDevMode) ? `httpMethod "${method}" is not one of ${HTTP_METHODS.join(', ')}` : '', method);
    }
    const audience = typeof entry === 'string' ? undefined : entry.audience;
    const scope = typeof entry === 'string' ? undefined : entry.scope;
    if (audience !== undefined && (typeof audience !== 'string' || audience === '')) {
      throw invalidEntry(index, (typeof ngDevMode === 'undefined' || ngDevMode) ? 'audience must be a non-empty string' : '');
    }
    if (scope !== undefined && (typeof scope !== 'string' || scope.trim() === '')) {
      throw invalidEntry(index, (typeof ngDevMode === 'undefined' || ngDevMode) ? 'scope must be a non-empty string' : '');
    }
    return {
      origin: url.origin,
      path: url.pathname.replace(/\/+$/, ''),
      httpMethod: method,
      allowAnonymous: typeof entry !== 'string' && entry.allowAnonymous === true,
      audience,
      scope,
    };
  });
}

/**
 * Finds the allowlist entry a request may send the token to, comparing parsed origins, never
 * string prefixes, so `https://api.example.com.evil.test` and `https://user@api.example.com`
 * never match `https://api.example.com`.
 *
 * @param url Request URL, absolute or relative to `appOrigin`.
 * @param method Request method.
 * @returns The matching entry, or `undefined`.
 */
export function matchAllowedUrl(
  matchers: readonly AllowedUrlMatcher[],
  url: string,
  method: string,
  appOrigin: string,
): AllowedUrlMatcher | undefined {
  let target: URL;
  try {
    target = new URL(url, appOrigin);
  } catch {
    return undefined;
  }
  // Credentials in the URL make the effective host ambiguous to a reader: never send a token.
  if (target.username || target.password) return undefined;
  const path = target.pathname;
  const upper = method.toUpperCase();
  return matchers.find(
    (m) =>
      m.origin === target.origin &&
      (m.path === '' || path === m.path || path.startsWith(m.path + '/')) &&
      (m.httpMethod === undefined || m.httpMethod === upper),
  );
}

/** @param problem What is wrong, empty in production builds. @param actual The refused value. */
function invalidEntry(index: number, problem: string, actual?: string): AuthError {
  const option = index < 0 ? 'allowedUrls' : `allowedUrls[${index}]`;
  return new AuthError('invalid_configuration', (typeof ngDevMode === 'undefined' || ngDevMode) ? `ngx-oidc: ${option} ${problem}.` : '', actual === undefined ? { option } : { option, actual });
}
