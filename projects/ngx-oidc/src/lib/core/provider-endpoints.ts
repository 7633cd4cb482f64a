import { discoveryUrl } from './discovery';
import type { DiscoveryDocument } from './types';

/**
 * Lists the provider's own endpoints (`origin + normalised path`), which never get an API
 * access token attached by the interceptor, whatever the allowlist says: an access token is
 * for the resource server it was issued to (RFC 6750 §5.3, RFC 9700 §4.9); a token, UserInfo,
 * JWKS, end-session, revocation or pushed authorization request endpoint that receives it may
 * log it or act on it. These are the discovery URL, `jwks_uri` and every `…_endpoint` of the
 * document (RFC 8414 §2 and the registry's later additions: `pushed_authorization_request_endpoint`
 * of RFC 9126 §5, `device_authorization_endpoint`, …).
 */
export function providerEndpoints(authority: string, discovery?: DiscoveryDocument): Set<string> {
  const urls: unknown[] = [discoveryUrl(authority)];
  for (const [name, url] of Object.entries(discovery ?? {})) {
    if (/_endpoint$|^jwks_uri$/.test(name)) urls.push(url);
  }
  const endpoints = new Set<string>();
  for (const url of urls) {
    if (typeof url !== 'string') continue;
    try {
      endpoints.add(endpointKey(new URL(url)));
    } catch {
      // A malformed optional endpoint cannot be requested either.
    }
  }
  return endpoints;
}

/**
 * Tells whether a request URL targets one of the provider's endpoints, under any spelling a
 * server may treat as the same resource (`/token/`, `//token`, `/token;x`, `%74oken`, `/TOKEN`).
 */
export function isProviderEndpoint(endpoints: ReadonlySet<string>, url: string, base: string): boolean {
  try {
    return endpoints.has(endpointKey(new URL(url, base)));
  } catch {
    return false;
  }
}

/**
 * Origin + path as servers commonly route it: percent-encoded unreserved characters decoded
 * (RFC 3986 §6.2.2.2), and `%2f`/`%5c` too (servers that decode them route on the result),
 * `;parameters` of a segment dropped (§3.3), repeated and trailing slashes and backslashes
 * collapsed, letters lower-cased. Matching more spellings only withholds the token more.
 */
function endpointKey(url: URL): string {
  const path = url.pathname
    .replace(/%([\da-f]{2})/gi, (escape, hex: string) => {
      const char = String.fromCharCode(parseInt(hex, 16));
      return /[\w.~/\\-]/.test(char) ? char : escape;
    })
    .replace(/;[^/]*/g, '')
    .replace(/[/\\]+/g, '/')
    .replace(/\/$/, '');
  return (url.origin + path).toLowerCase();
}
