// Loopback redirect URIs and origins on any port, for the development client `ngx-oidc-dev`
// (provider.mjs) and the API's CORS (api.mjs). Development only: this backend is a local provider.
//
// RFC 8252 §7.3 (https://www.rfc-editor.org/rfc/rfc8252#section-7.3): for loopback redirect URIs
// the authorization server MUST allow any port, because the client picks a free one at run time.
// RFC 8252 §8.3: use the loopback interface only (`localhost` is what browser apps use).
// Everything else keeps exact matching (RFC 6749 §3.1.2, RFC 9700 §2.1).

/** Host names that are loopback addresses, as WHATWG URL spells them (`hostname`). */
export const LOOPBACK_HOSTS = Object.freeze(['localhost', '127.0.0.1', '[::1]']);
const LOOPBACK = new Set(LOOPBACK_HOSTS);

/**
 * Whether `value` is an `http:` URL on a loopback host, any port, written in canonical form.
 *
 * Refused: other schemes (`https:`, `javascript:`, custom), other hosts and look-alikes
 * (`localhost.evil.com`, `127.0.0.1.nip.io`), userinfo (`http://localhost@evil.com`,
 * `http://evil.com@localhost`), fragments (RFC 6749 §3.1.2), and anything the URL parser would
 * rewrite (`http://127.1/`, `http://LOCALHOST/`, `http:\\localhost`, tabs, `:80`): the provider
 * redirects to the string as sent, so the string must already be what was checked.
 *
 * @param {unknown} value
 * @returns {boolean}
 */
export function isLoopbackUrl(value) {
  if (typeof value !== 'string') return false;
  const url = URL.parse(value);
  if (!url || url.protocol !== 'http:' || !LOOPBACK.has(url.hostname)) return false;
  if (url.username || url.password || url.hash || value.includes('#')) return false;
  // The origin alone (`http://localhost:4200`) is fine as well: its href only adds the slash.
  return url.href === value || (url.pathname === '/' && !url.search && url.origin === value);
}

/**
 * Whether `origin` (an `Origin` request header) is `http://<loopback host>[:port]`.
 * @param {unknown} origin
 * @returns {boolean}
 */
export function isLoopbackOrigin(origin) {
  if (typeof origin !== 'string') return false;
  const url = URL.parse(origin);
  return !!url && url.origin === origin && isLoopbackUrl(origin);
}
