// The parameters whose presence makes a URL at the redirect URI an authorization response.
const MARKERS = ['code', 'error', 'state', 'id_token', 'access_token'];

/**
 * Tells whether a URL is an authorization response for this client: same origin and path as
 * the redirect URI, with a `code`, `error`, `state` or token parameter in the query or fragment.
 */
export function isCallbackUrl(url: string, redirectUri: string): boolean {
  try {
    const current = new URL(url);
    const expected = new URL(redirectUri);
    if (current.origin !== expected.origin || current.pathname !== expected.pathname) return false;
    const fragment = new URLSearchParams(current.hash.slice(1));
    return MARKERS.some((name) => current.searchParams.has(name) || fragment.has(name));
  } catch {
    return false;
  }
}
