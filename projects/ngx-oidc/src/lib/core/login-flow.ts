import type { AuthorizeParams } from './authorize-url';
import { buildAuthorizeUrl } from './authorize-url';
import { parseCallbackUrl, responseModeOf, validateAuthResponse } from './callback';
import { normalizeResponseType, type ResolvedAuthConfig } from './config';
import { AuthError } from './errors';
import type { ProtocolFeatures } from './features';
import { validateIdToken, type IdTokenExpectations } from './id-token';
import { generateRandom } from './random';
import { LOGOUT_STATE_PREFIX } from './logout-return';
import type { MetadataCache, ProviderMetadata } from './metadata-cache';
import type { AuthStorage } from './storage';
import { exchangeCode } from './token-request';
import {
  createTransaction,
  saveTransaction,
  takeTransaction,
  type LoginTransaction,
  type TransactionOptions,
} from './transaction';
import type { DiscoveryDocument, FetchLike, TokenSet } from './types';
import { fetchUserInfo } from './userinfo';

/**
 * Show-time options: what one call to `login()` may choose. They are read for that login only
 * and never merged into the configuration.
 */
export interface LoginOptions extends AuthorizeParams, TransactionOptions {}

/** What the protocol functions need from their host (the Angular layer, or a test). */
export interface FlowContext {
  readonly config: ResolvedAuthConfig;
  readonly fetch: FetchLike;
  /** Storage that survives the redirect (sessionStorage, or memory when it is unusable). */
  readonly transactions: AuthStorage;
  /** Current time in epoch milliseconds. */
  readonly now: () => number;
  /** The optional protocol parts the app provided. */
  readonly features?: ProtocolFeatures;
  /** The provider's discovery document and keys: one cache for the client's life. */
  readonly metadata: MetadataCache;
}

/** The outcome of a completed login. */
export interface LoginResult {
  readonly tokens: TokenSet;
  /** ID token claims, merged with UserInfo claims when `loadUserInfo` is set. */
  readonly user: Record<string, unknown>;
  readonly transaction: LoginTransaction;
  /** The provider's metadata the login was checked against. */
  readonly discovery: DiscoveryDocument;
}

/**
 * Prepares a login: loads discovery and the JWKS (kept for the callback page), creates and
 * stores the transaction, and builds the authorization URL.
 *
 * @returns The URL to redirect to and the stored transaction.
 * @throws {AuthError} `reserved_parameter`, `invalid_configuration` (also: the provider
 *   requires PAR and `withPushedAuthorizationRequests()` was not given), `storage_error`,
 *   `network_error`, `discovery_failed`, `invalid_issuer`, `jwks_failed`, `crypto_unavailable`;
 *   with DPoP `dpop_unavailable`; with PAR also `par_unavailable`, `par_request_failed`, `invalid_response`.
 * @throws {TypeError} for a `state`, `nonce`, `maxAge` or `acrRequired` option that can never work.
 */
export async function startLogin(
  ctx: FlowContext,
  options: LoginOptions = {},
): Promise<{ url: string; transaction: LoginTransaction }> {
  const metadata = await ctx.metadata.load();
  checkResponseTypeOffered(metadata.discovery, ctx.config.responseType);
  await metadata.keys.prefetch();
  const transaction = createTransaction(ctx.config, options, ctx.now());
  // Build (and push) before saving so that a rejected option or push leaves no orphan transaction behind.
  let url = await buildAuthorizeUrl(metadata.discovery, ctx.config, transaction, options, await ctx.features?.dpop?.(ctx.config).thumbprint());
  const push = ctx.features?.par;
  if (push) url = await push(metadata.discovery, url, ctx.fetch);
  // RFC 9126 §5: such a provider refuses every authorization request that was not pushed.
  else if (metadata.discovery.require_pushed_authorization_requests === true) {
    throw new AuthError(
      'invalid_configuration',
      (typeof ngDevMode === 'undefined' || ngDevMode) ? 'The provider requires pushed authorization requests: provideAuth(config, withPushedAuthorizationRequests()).' : '',
      { expected: 'withPushedAuthorizationRequests()' },
    );
  }
  saveTransaction(ctx.transactions, transaction);
  return { url, transaction };
}

/**
 * Completes a login from the callback URL: matches and consumes the transaction, checks the
 * response, exchanges the code and validates the ID token.
 *
 * @throws {AuthError} any code of the callback, token request and ID token checks.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowSteps
 */
export async function completeLogin(ctx: FlowContext, callbackUrl: string): Promise<LoginResult> {
  const params = parseCallbackUrl(callbackUrl, responseModeOf(ctx.config.responseType));
  // iss, then state, and only then an error response (oauth4webapi's order; RFC 9207 §2.4,
  // RFC 6749 §10.12, §4.1.2.1): a response for another issuer, or that matches no login of this
  // browser, is refused without showing a word of it (an error_description of a crafted link is
  // the attacker's text). Here iss meets the authority, before any request; validateAuthResponse
  // then compares it exactly with the discovered issuer and applies RFC 9207's presence rule.
  if (params.iss !== undefined && params.iss.replace(/\/+$/, '') !== ctx.config.authority.replace(/\/+$/, '')) {
    throw new AuthError(
      'iss_parameter_mismatch',
      (typeof ngDevMode === 'undefined' || ngDevMode) ? `The authorization response's iss is not the provider's issuer "${ctx.config.authority}" (mix-up attack?).` : '',
      { claim: 'iss', expected: ctx.config.authority },
    );
  }
  if (params.state === undefined) {
    throw new AuthError('state_mismatch', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'The callback has no state parameter.' : '', { claim: 'state' });
  }
  // Consumed before anything else: one authorization response completes at most one login.
  const transaction = takeTransaction(ctx.transactions, params.state, ctx.now());
  const metadata = await ctx.metadata.load();
  const { discovery } = metadata;
  const response = validateAuthResponse(
    params,
    transaction.state,
    discovery.issuer,
    discovery.authorization_response_iss_parameter_supported === true,
    transaction.responseType,
  );
  const expectations: IdTokenExpectations = {
    issuer: discovery.issuer,
    clientId: ctx.config.clientId,
    nonce: transaction.nonce,
    clockSkewSeconds: ctx.config.clockSkewSeconds,
    now: ctx.now(),
    maxAge: transaction.maxAge,
    requiredAcr: transaction.requiredAcr,
    algorithms: discovery.id_token_signing_alg_values_supported,
    tokenHash: ctx.features?.tokenHash,
  };
  // OIDC Core 1.0 §3.2.2.11 and §3.3.2.12: an ID token from the authorization endpoint is
  // validated like any other, and binds what came with it: at_hash for the access token
  // (required with "id_token token"), c_hash for the code (required with "code id_token").
  const front: ValidatedTokens | undefined = response.id_token
    ? {
        claims: await validateIdToken(response.id_token, metadata.keys.resolve, {
          ...expectations,
          accessToken: response.access_token ? { value: response.access_token, required: true } : undefined,
          code: response.code ? { value: response.code, required: true } : undefined,
        }),
        idToken: response.id_token,
        accessToken: response.access_token,
        tokenType: response.token_type ?? 'Bearer',
        expiresAt: expiry(ctx, response.expires_in),
        scope: response.scope,
      }
    : undefined;
  const back = response.code ? await redeemCode(ctx, metadata, transaction, response.code, expectations, front) : undefined;
  // validateAuthResponse guarantees a code or an ID token for every response type.
  const { claims, scope, ...tokens } = (back ?? front)!;
  const tokenSet: TokenSet = {
    ...tokens,
    obtainedAt: ctx.now(),
    scope: scope ?? transaction.scope,
    requestedScope: transaction.scope,
    audience: transaction.audience,
    claims,
  };
  const user =
    ctx.config.loadUserInfo && tokenSet.accessToken
      ? { ...claims, ...(await fetchUserInfo(discovery, tokenSet.accessToken, claims.sub, ctx.fetch)) }
      : { ...claims };
  return { tokens: tokenSet, user, transaction, discovery };
}

// OIDC Discovery 1.0 §3: response_types_supported lists what the provider can answer; asking
// for anything else only ends in an unsupported_response_type error after the redirect.
function checkResponseTypeOffered(discovery: DiscoveryDocument, responseType: string): void {
  const offered = discovery.response_types_supported;
  if (!Array.isArray(offered)) return;
  const wanted = normalizeResponseType(responseType);
  if (!offered.some((type) => normalizeResponseType(type) === wanted)) {
    throw new AuthError(
      'invalid_configuration',
      (typeof ngDevMode === 'undefined' || ngDevMode) ? `responseType "${responseType}" is not offered by the provider (response_types_supported: ${offered.join(', ')}).` : '',
      { option: 'responseType', expected: offered, actual: responseType },
    );
  }
}

/** Tokens with their validated ID token claims, before the transaction's defaults apply. */
type ValidatedTokens = Omit<TokenSet, 'scope' | 'requestedScope' | 'audience' | 'obtainedAt'> & { readonly scope?: string };

/**
 * Exchanges the code (code and hybrid flows) and validates the token endpoint's ID token; in a
 * hybrid flow it must describe the same user as the authorization response's.
 */
async function redeemCode(
  ctx: FlowContext,
  metadata: ProviderMetadata,
  transaction: LoginTransaction,
  code: string,
  expectations: IdTokenExpectations,
  front: ValidatedTokens | undefined,
): Promise<ValidatedTokens> {
  const { discovery } = metadata;
  const response = await exchangeCode(
    discovery,
    { code, codeVerifier: transaction.codeVerifier, redirectUri: transaction.redirectUri, clientId: ctx.config.clientId },
    ctx.fetch,
    ctx.features?.dpop?.(ctx.config),
  );
  if (!response.id_token) {
    throw new AuthError('invalid_response', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'The token response has no id_token; is "openid" in the scope?' : '', { claim: 'id_token' });
  }
  const claims = await validateIdToken(response.id_token, metadata.keys.resolve, {
    ...expectations,
    // OIDC Core 1.0 §3.1.3.8: at_hash is optional here, but checked when present.
    accessToken: { value: response.access_token, required: false },
  });
  // OIDC Core 1.0 §3.3.3.6: iss and sub of both ID tokens of a hybrid flow MUST be identical.
  if (front && (claims.iss !== front.claims.iss || claims.sub !== front.claims.sub)) {
    throw new AuthError(
      'invalid_response',
      (typeof ngDevMode === 'undefined' || ngDevMode)
        ? `The token endpoint's ID token is for sub "${claims.sub}" of "${claims.iss}", the authorization response's for sub "${front.claims.sub}" of "${front.claims.iss}".`
        : '',
      { claim: 'sub', expected: front.claims.sub, actual: claims.sub },
    );
  }
  return {
    claims,
    idToken: response.id_token,
    accessToken: response.access_token,
    tokenType: response.token_type,
    expiresAt: expiry(ctx, response.expires_in),
    refreshToken: response.refresh_token,
    scope: response.scope,
  };
}

function expiry(ctx: FlowContext, expiresIn: number | undefined): number | undefined {
  return expiresIn !== undefined ? ctx.now() + expiresIn * 1000 : undefined;
}

/**
 * Builds the RP-initiated logout URL with a fresh `state`, kept in the transaction storage for
 * {@link takeLogoutReturn}; or returns `undefined` when the provider has no
 * `end_session_endpoint` (the caller then only clears local state).
 *
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
export async function buildLogoutUrl(ctx: FlowContext, idToken: string | undefined): Promise<string | undefined> {
  const endpoint = (await ctx.metadata.load()).discovery.end_session_endpoint;
  if (!endpoint) return undefined;
  const url = new URL(endpoint);
  if (idToken) url.searchParams.set('id_token_hint', idToken);
  url.searchParams.set('client_id', ctx.config.clientId);
  url.searchParams.set('post_logout_redirect_uri', ctx.config.postLogoutRedirectUri);
  // RP-Initiated Logout 1.0 §2: state comes back on the post-logout redirect; some providers
  // only redirect back when it is present.
  const state = generateRandom();
  url.searchParams.set('state', state);
  try {
    ctx.transactions.setItem(LOGOUT_STATE_PREFIX + ctx.config.clientId, state);
  } catch {
    // Without it the return keeps its state parameter in the address bar; logout goes on.
  }
  return url.toString();
}
