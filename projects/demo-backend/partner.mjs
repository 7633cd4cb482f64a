// The second OpenID Provider ("partner"), for apps that sign in with more than one provider: the
// same code as the first one (provider.mjs) on its own port, with its own issuer
// (http://localhost:<IDP2_PORT>), its own signing keys, its own cookie names (cookies ignore
// ports: with the same names the two providers would overwrite each other's sessions on
// localhost), its own name on the sign-in pages, and one API: the partner API
// (https://partner-api.ngx-oidc.test, scope read:partner, served at /partner/* by api.mjs).
// The same users, the same clients (`ngx-oidc-demo` with the demo's redirect URIs, `ngx-oidc-dev`),
// refresh tokens, PAR and acr values as the first provider.
import { startProvider } from './provider.mjs';
import { DEFAULT_PARTNER_AUDIENCE, DEFAULT_PARTNER_SCOPES } from './resources.mjs';

/** The second provider's name on its pages (`data-testid="idp-name"`). */
export const PARTNER_NAME = 'Partner identity provider';
/** Prefix of its cookie names: `partner_session`, `partner_interaction`, `partner_interaction_resume`. */
export const PARTNER_COOKIE_PREFIX = 'partner';

/**
 * Starts the second provider. Takes startProvider's options; `audience` / `scopes` name its API.
 * Its log lines start with `[idp2]`.
 * @param {Omit<Parameters<typeof startProvider>[0], 'apis' | 'apiAudience' | 'apiScopes' |
 *   'managementAudience' | 'managementScopes'> & { audience?: string, scopes?: string }} [options]
 */
export function startPartnerProvider({
  audience = DEFAULT_PARTNER_AUDIENCE,
  scopes = DEFAULT_PARTNER_SCOPES,
  log = console.log,
  ...options
} = {}) {
  return startProvider({
    name: PARTNER_NAME,
    cookiePrefix: PARTNER_COOKIE_PREFIX,
    ...options,
    apis: [{ audience, scopes }],
    // Its log lines start with [idp2] instead of [idp].
    log: (line) => log(line.replace(/^\[idp\]/, '[idp2]')),
  });
}
