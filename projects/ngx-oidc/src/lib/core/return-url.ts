/**
 * Reduces a return URL to a same-origin path (`/path?query#hash`), so that a crafted
 * `returnUrl` can never send the user to another site after login (open redirect).
 *
 * @param returnUrl What the app or the guard asked to come back to.
 * @param appOrigin The app's origin.
 * @returns A path starting with a single `/`, or `/` when the URL is foreign or malformed.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.11
 */
export function sanitizeReturnUrl(returnUrl: string | undefined, appOrigin: string): string {
  if (!returnUrl) return '/';
  try {
    const url = new URL(returnUrl, appOrigin);
    if (url.origin !== appOrigin) return '/';
    // "//evil.test" and "/\evil.test" resolve to other hosts in some contexts; the URL parser
    // already normalised them, so only the path of our own origin is kept.
    return `${url.pathname}${url.search}${url.hash}`.replace(/^\/+/, '/');
  } catch {
    return '/';
  }
}
