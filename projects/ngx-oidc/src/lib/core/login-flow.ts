import type { AuthorizeParams } from './authorize-url';
import { buildAuthorizeUrl } from './authorize-url';
import { isCallbackUrl, parseCallbackUrl, providerError, validateAuthResponse } from './callback';
import type { ResolvedAuthConfig } from './config';
import { AuthError } from './errors';
import { validateIdToken } from './id-token';
import { loadProviderMetadata, saveProviderMetadata, type ProviderMetadata } from './provider-metadata';
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
 * Prepares a login: loads discovery and the JWKS (cached for the callback page), creates and
 * stores the transaction, and builds the authorization URL.
 *
 * @returns The URL to redirect to and the stored transaction.
 * @throws {AuthError} `reserved_parameter`, `invalid_configuration`, `storage_error`,
 *   `network_error`, `discovery_failed`, `invalid_issuer`, `jwks_failed`.
 */
export async function startLogin(
  ctx: FlowContext,
  options: LoginOptions = {},
): Promise<{ url: string; transaction: LoginTransaction }> {
  const metadata = await loadProviderMetadata(ctx.config.authority, ctx.fetch, ctx.transactions, ctx.now());
  await metadata.keys.prefetch();
  const transaction = createTransaction(ctx.config, options, ctx.now());
  // Build before saving so that a rejected option leaves no orphan transaction behind.
  const url = await buildAuthorizeUrl(metadata.discovery, ctx.config, transaction, options);
  saveTransaction(ctx.transactions, transaction);
  saveProviderMetadata(ctx.config.authority, metadata, ctx.transactions, ctx.now());
  return { url, transaction };
}

/**
 * Tells whether `url` is this client's authorization response.
 */
export function isLoginCallback(ctx: FlowContext, url: string): boolean {
  return isCallbackUrl(url, ctx.config.redirectUri);
}

/**
 * Completes a login from the callback URL: matches and consumes the transaction, checks the
 * response, exchanges the code and validates the ID token.
 *
 * @throws {AuthError} any code of the callback, token request and ID token checks.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowSteps
 */
export async function completeLogin(ctx: FlowContext, callbackUrl: string): Promise<LoginResult> {
  const params = parseCallbackUrl(callbackUrl);
  if (params.state === undefined) {
    // An error response without state cannot be matched to a login, but its reason is still
    // the most useful thing to show.
    if (params.error !== undefined) throw providerError(params);
    throw new AuthError('state_mismatch', 'The callback has no state parameter.', { claim: 'state' });
  }
  // Consumed before anything else: one authorization response completes at most one login.
  const transaction = takeTransaction(ctx.transactions, params.state, ctx.now());
  const metadata = await loadProviderMetadata(ctx.config.authority, ctx.fetch, ctx.transactions, ctx.now());
  const { discovery } = metadata;
  const response = validateAuthResponse(
    params,
    transaction.state,
    discovery.issuer,
    discovery.authorization_response_iss_parameter_supported === true,
  );
  const tokenResponse = await exchangeCode(
    discovery,
    { code: response.code, codeVerifier: transaction.codeVerifier, redirectUri: transaction.redirectUri, clientId: ctx.config.clientId },
    ctx.fetch,
  );
  if (!tokenResponse.id_token) {
    throw new AuthError('invalid_response', 'The token response has no id_token; is "openid" in the scope?', { claim: 'id_token' });
  }
  const claims = await validateIdToken(tokenResponse.id_token, metadata.keys.resolve, {
    issuer: discovery.issuer,
    clientId: ctx.config.clientId,
    nonce: transaction.nonce,
    clockSkewSeconds: ctx.config.clockSkewSeconds,
    now: ctx.now(),
    maxAge: transaction.maxAge,
    algorithms: discovery.id_token_signing_alg_values_supported,
  });
  saveProviderMetadata(ctx.config.authority, metadata, ctx.transactions, ctx.now());
  const tokens: TokenSet = {
    idToken: tokenResponse.id_token,
    accessToken: tokenResponse.access_token,
    tokenType: tokenResponse.token_type,
    expiresAt: tokenResponse.expires_in !== undefined ? ctx.now() + tokenResponse.expires_in * 1000 : undefined,
    refreshToken: tokenResponse.refresh_token,
    scope: tokenResponse.scope ?? transaction.scope,
    audience: transaction.audience,
    claims,
  };
  const user = ctx.config.loadUserInfo
    ? { ...claims, ...(await fetchUserInfo(discovery, tokens.accessToken, claims.sub, ctx.fetch)) }
    : { ...claims };
  return { tokens, user, transaction, discovery };
}

/**
 * Builds the RP-initiated logout URL, or returns `undefined` when the provider has no
 * `end_session_endpoint` (the caller then only clears local state).
 *
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout
 */
export async function buildLogoutUrl(ctx: FlowContext, idToken: string | undefined): Promise<string | undefined> {
  const metadata: ProviderMetadata = await loadProviderMetadata(ctx.config.authority, ctx.fetch, ctx.transactions, ctx.now());
  const endpoint = metadata.discovery.end_session_endpoint;
  if (!endpoint) return undefined;
  const url = new URL(endpoint);
  if (idToken) url.searchParams.set('id_token_hint', idToken);
  url.searchParams.set('client_id', ctx.config.clientId);
  url.searchParams.set('post_logout_redirect_uri', ctx.config.postLogoutRedirectUri);
  return url.toString();
}
