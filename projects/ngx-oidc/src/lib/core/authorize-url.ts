import type { ResolvedAuthConfig } from './config';
import { AuthError } from './errors';
import { calculateCodeChallenge } from './pkce';
import type { LoginTransaction } from './transaction';
import type { DiscoveryDocument } from './types';

/**
 * Per-login parameters of the authorization request (the "show-time" options). They apply to
 * one login only and never change the configuration.
 */
export interface AuthorizeParams {
  /** `none`, `login`, `consent`, `select_account` (OIDC Core 1.0 §3.1.2.1). */
  readonly prompt?: string;
  /** Sent as `login_hint`: pre-fills the user name or e-mail address at the provider (OIDC Core 1.0 §3.1.2.1). */
  readonly loginHint?: string;
  /** Maximum authentication age in seconds; the ID token must then carry `auth_time`. */
  readonly maxAge?: number;
  /** Sent as `ui_locales`: preferred languages of the provider's pages, space-separated BCP 47 tags, most preferred first (OIDC Core 1.0 §3.1.2.1). */
  readonly uiLocales?: string;
  /** Sent as `acr_values`: the requested authentication context class references, space-separated, most preferred first (OIDC Core 1.0 §3.1.2.1). */
  readonly acrValues?: string;
  /**
   * Sent as `id_token_hint`: the ID token of the session, so the provider answers for that user
   * only (OIDC Core 1.0 §3.1.2.1 — it SHOULD be present with `prompt=none`; silent
   * authentication sends it).
   */
  readonly idTokenHint?: string;
  /** Further parameters for this login; the library's own parameters cannot be overridden. */
  readonly extraParams?: Readonly<Record<string, string>>;
}

/**
 * Parameters the library computes or checks itself. Letting `extraParams` set them would
 * silently break PKCE, the redirect or the validation of the response, so it is an error
 * instead: `max_age` goes through the `maxAge` login option (then `auth_time` is checked, OIDC
 * Core 1.0 §3.1.2.1), and a request object (`request`, `request_uri`, RFC 9101 §5) could
 * override `redirect_uri`, `nonce` or `state` without the login knowing. The parameter of
 * `audienceParameter` is reserved too (see {@link buildAuthorizeUrl}).
 */
export const RESERVED_PARAMS = [
  'client_id',
  'redirect_uri',
  'response_type',
  'code_challenge',
  'code_challenge_method',
  'state',
  'nonce',
  'scope',
  'response_mode',
  'max_age',
  'request',
  'request_uri',
] as const;

/**
 * Builds the authorization request URL for a transaction.
 *
 * @param dpopJkt With `withDpop()`: the thumbprint of the DPoP key, sent as `dpop_jkt`.
 * @returns The URL to send the browser to.
 * @throws {AuthError} `reserved_parameter` when `extraParams` (config or login) names a
 *   parameter the library owns ({@link RESERVED_PARAMS}, or the configured `audienceParameter`,
 *   which the `audience` option sets).
 * @throws {TypeError} for a `maxAge` that is not a whole number of seconds (misuse of `login()`).
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 */
export async function buildAuthorizeUrl(
  discovery: DiscoveryDocument,
  config: ResolvedAuthConfig,
  tx: LoginTransaction,
  params: AuthorizeParams = {},
  dpopJkt?: string,
): Promise<string> {
  const extra = { ...config.extraParams, ...params.extraParams };
  for (const name of Object.keys(extra)) {
    if ((RESERVED_PARAMS as readonly string[]).includes(name) || name === config.audienceParameter) {
      throw new AuthError(
        'reserved_parameter',
        (typeof ngDevMode === 'undefined' || ngDevMode)
          ? `extraParams.${name} is set by ngx-oidc and cannot be overridden; ${
              name === 'scope' || name === 'state' || name === 'nonce'
                ? `pass ${name} as a login option`
                : name === 'max_age'
                  ? 'pass maxAge as a login option (auth_time is then checked)'
                  : name === config.audienceParameter
                    ? 'pass audience as a login option or in provideAuth()'
                    : name === 'request' || name === 'request_uri'
                      ? 'request objects are not supported (they could override what the login checks)'
                      : name === 'redirect_uri' || name === 'response_type' || name === 'client_id'
                        ? 'set it in provideAuth()'
                        : 'it is computed per login'
            }.`
          : '',
        { parameter: name },
      );
    }
  }
  if (params.maxAge !== undefined && !(Number.isInteger(params.maxAge) && params.maxAge >= 0)) {
    throw new TypeError((typeof ngDevMode === 'undefined' || ngDevMode) ? `login(): maxAge must be a whole number of seconds, not ${String(params.maxAge)}.` : 'maxAge');
  }
  const url = new URL(discovery.authorization_endpoint);
  const query = url.searchParams;
  for (const [name, value] of Object.entries(extra)) query.set(name, value);
  query.set('client_id', config.clientId);
  query.set('redirect_uri', tx.redirectUri);
  query.set('response_type', tx.responseType);
  query.set('scope', tx.scope);
  query.set('state', tx.state);
  query.set('nonce', tx.nonce);
  // RFC 9700 §2.1.1: public clients MUST use PKCE; RFC 7636 §4.3 with S256 only. It protects
  // the code, so it is sent whenever a code is returned (code and hybrid flows).
  if (tx.responseType.split(' ').includes('code')) {
    query.set('code_challenge', await calculateCodeChallenge(tx.codeVerifier));
    query.set('code_challenge_method', 'S256');
  }
  if (tx.audience) query.set(config.audienceParameter, tx.audience);
  if (params.prompt) query.set('prompt', params.prompt);
  if (params.loginHint) query.set('login_hint', params.loginHint);
  if (params.maxAge !== undefined) query.set('max_age', String(params.maxAge));
  if (params.uiLocales) query.set('ui_locales', params.uiLocales);
  if (params.acrValues) query.set('acr_values', params.acrValues);
  if (params.idTokenHint) query.set('id_token_hint', params.idTokenHint);
  // RFC 9449 §10: dpop_jkt binds the authorization code to the DPoP key (withDpop()).
  if (dpopJkt) query.set('dpop_jkt', dpopJkt);
  return url.toString();
}
