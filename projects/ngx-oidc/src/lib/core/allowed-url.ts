import { AuthError } from './errors';

/**
 * One entry of the interceptor's allowlist: the URLs that may receive the access token.
 *
 * A string is a URL prefix: scheme, host and port must equal the request's, and the path must
 * match on a segment boundary (`https://api.example.com/v1` matches `/v1` and `/v1/users`, not
 * `/v10`, nor `/v1/%2f…` or `/v1/..%2f…`). Relative entries (`/api`) resolve against the app's
 * origin. An entry must not cover the issuer (`https://idp.example.com` when that is the
 * issuer): the provider's endpoints never get the token.
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
   * `not_authenticated`.
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
 * @param issuer The provider's issuer URL: an entry covering it (its origin without a path, or
 *   a path prefix of the issuer's) would send the token to the provider's own endpoints.
 * @throws {AuthError} `invalid_configuration` naming the entry and what is wrong with it.
 */
export function parseAllowedUrls(
  entries: readonly AllowedUrl[],
  appOrigin: string,
  issuer?: string,
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
    const path = url.pathname.replace(/\/+$/, '');
    // RFC 6750 §5.3, RFC 9700 §4.9: the access token is for APIs, never for the provider (its
    // token, UserInfo, JWKS, end-session and revocation endpoints live under the issuer).
    if (issuer && covers(url.origin, path, new URL(issuer))) {
      throw invalidEntry(index, (typeof ngDevMode === 'undefined' || ngDevMode) ? `"${uri}" covers the issuer ${issuer}; list the API's own path instead` : '', uri);
    }
    return {
      origin: url.origin,
      path,
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
 * @param url Request URL, absolute or relative to `base`.
 * @param method Request method.
 * @param base What a relative `url` resolves against: `document.baseURI`, as `HttpClient`
 *   sends it (the app's origin only when there is no document).
 * @returns The matching entry, or `undefined`.
 */
export function matchAllowedUrl(
  matchers: readonly AllowedUrlMatcher[],
  url: string,
  method: string,
  base: string,
): AllowedUrlMatcher | undefined {
  let target: URL;
  try {
    target = new URL(url, base);
  } catch {
    return undefined;
  }
  // Credentials in the URL make the effective host ambiguous to a reader: never send a token.
  if (target.username || target.password) return undefined;
  const path = target.pathname;
  const upper = method.toUpperCase();
  return matchers.find(
    (m) =>
      covers(m.origin, m.path, target) &&
      // A server that decodes %2f or %5c (a slash, a backslash) right after the prefix, or
      // after an encoded `..`, routes the request outside it.
      !/^\/?%(2f|5c)|(\.|%2e){2}%(2f|5c)/i.test(path.slice(m.path.length)) &&
      (m.httpMethod === undefined || m.httpMethod === upper),
  );
}

/** Whether `url` is under the prefix `origin` + `path`, on a segment boundary. */
function covers(origin: string, path: string, url: URL): boolean {
  return origin === url.origin && (path === '' || url.pathname === path || url.pathname.startsWith(path + '/'));
}

/** @param problem What is wrong, empty in production builds. @param actual The refused value. */
function invalidEntry(index: number, problem: string, actual?: string): AuthError {
  const option = index < 0 ? 'allowedUrls' : `allowedUrls[${index}]`;
  return new AuthError('invalid_configuration', (typeof ngDevMode === 'undefined' || ngDevMode) ? `ngx-oidc: ${option} ${problem}.` : '', actual === undefined ? { option } : { option, actual });
}
