// Cross-Origin-Opener-Policy on the provider's sign-in pages, for popup-login tests.
//
// A provider page sent with `Cross-Origin-Opener-Policy: same-origin` puts a popup into a new
// browsing context group: the app loses its handle on the popup (`popup.closed` reads true, no
// messages through it) and the callback page loses `window.opener` (HTML Standard, "cross-origin
// opener policies"). Real providers do this; the demo providers do it on request, so that one test
// run sees both:
// - per login: the authorization request parameter `coop=same-origin` (in the query or pushed
//   with PAR); the answers of that request, its login pages and its resumes carry the header;
// - always: `startProvider({ crossOriginOpenerPolicy: 'same-origin' })` (env IDP_COOP / IDP2_COOP).
import { errors } from 'oidc-provider';

/** The authorization request parameter that asks for the header on this login's pages. */
export const COOP_PARAM = 'coop';
/** The one policy the switch knows (the one that severs the opener). */
export const COOP_SAME_ORIGIN = 'same-origin';

/** oidc-provider `extraParams` validator: `coop` is absent or `same-origin`. */
export function validateCoopParam(_ctx, value) {
  if (value !== undefined && value !== COOP_SAME_ORIGIN) {
    throw new errors.InvalidRequest(`${COOP_PARAM} must be ${COOP_SAME_ORIGIN} when present`);
  }
}

/**
 * Whether a response of this login gets the header.
 * @param {Record<string, unknown> | undefined} params the authorization request's parameters
 * @param {string | undefined} always the provider-wide policy, if any
 */
export function coopFor(params, always) {
  if (always) return always;
  return params?.[COOP_PARAM] === COOP_SAME_ORIGIN ? COOP_SAME_ORIGIN : undefined;
}

/**
 * Koa middleware for the provider: sets the header on the authorization endpoint's answers
 * (`/auth`, also with a pushed `request_uri`, and the `/auth/<uid>` resumes after the login
 * pages), redirects included.
 * @param {string | undefined} always the provider-wide policy, if any
 * @returns {(ctx: any, next: () => Promise<void>) => Promise<void>}
 */
export function coopMiddleware(always) {
  return async (ctx, next) => {
    await next();
    if (!/^\/auth(\/[^/]+)?$/.test(ctx.path)) return;
    const policy = coopFor(ctx.oidc?.params, always);
    if (policy) ctx.set('Cross-Origin-Opener-Policy', policy);
  };
}
