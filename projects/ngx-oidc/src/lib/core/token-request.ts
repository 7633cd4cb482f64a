import type { Dpop } from './dpop/dpop';
import { AuthError } from './errors';
import { postForm } from './form-post';
import type { DiscoveryDocument, FetchLike, TokenEndpointResponse } from './types';

/** What the code exchange needs from the login transaction. */
export interface CodeGrant {
  readonly code: string;
  readonly codeVerifier: string;
  readonly redirectUri: string;
  readonly clientId: string;
}

/**
 * Exchanges an authorization code for tokens. Never retried: a code is single-use (RFC 6749
 * §4.1.2), so a retry after a lost response would fail with `invalid_grant` at best.
 *
 * @param dpop With `withDpop()`: the request carries a DPoP proof (RFC 9449 §5).
 * @returns The checked token response.
 * @throws {AuthError} `network_error`; `token_request_failed` with `cause.error` for OAuth
 *   errors (`invalid_grant`, …) and `cause.status` for other HTTP failures; `invalid_response`
 *   for a 200 answer that is not a usable token response; with `dpop`, `dpop_unavailable` and
 *   `dpop_not_bound`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.5
 */
export async function exchangeCode(
  discovery: DiscoveryDocument,
  grant: CodeGrant,
  fetchFn: FetchLike,
  dpop?: Dpop,
): Promise<TokenEndpointResponse> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: grant.code,
    redirect_uri: grant.redirectUri,
    client_id: grant.clientId,
    code_verifier: grant.codeVerifier,
  });
  return requestTokens(discovery, body, fetchFn, dpop);
}

/**
 * Posts a grant to the token endpoint and checks the answer.
 * @throws {AuthError} as {@link exchangeCode}.
 */
export async function requestTokens(
  discovery: DiscoveryDocument,
  body: URLSearchParams,
  fetchFn: FetchLike,
  dpop?: Dpop,
): Promise<TokenEndpointResponse> {
  const endpoint = discovery.token_endpoint;
  if (!endpoint) throw new AuthError('discovery_failed', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'The provider has no token_endpoint.' : '', { claim: 'token_endpoint' });
  // RFC 9449 §5: with DPoP every token request carries a proof (and is retried once for a nonce, §8).
  const answer = await postForm(dpop ? await dpop.fetch(fetchFn) : fetchFn, endpoint, body, 'token_request_failed', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'token endpoint' : '');
  const { status, body: json } = answer;
  if (status !== 200) {
    // RFC 6749 §5.2: error responses carry "error" and optionally "error_description".
    const error = typeof json['error'] === 'string' ? json['error'] : undefined;
    const description = typeof json['error_description'] === 'string' ? json['error_description'] : undefined;
    throw new AuthError(
      'token_request_failed',
      (typeof ngDevMode === 'undefined' || ngDevMode) ? `The token endpoint refused the request (${error ? `${error}${description ? `: ${description}` : ''}` : `HTTP ${status}`}).` : '',
      {
        status,
        error,
        error_description: description,
      },
    );
  }
  return validateTokenResponse(json, dpop);
}

/**
 * Checks the shape of a successful token response.
 * @param dpop Set when the request carried a DPoP proof: the token must be DPoP-bound.
 * @throws {AuthError} `invalid_response` naming the field; `dpop_not_bound`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-5
 */
export function validateTokenResponse(json: Record<string, unknown>, dpop?: Dpop): TokenEndpointResponse {
  if (typeof json['access_token'] !== 'string' || json['access_token'] === '') {
    throw invalidField('access_token', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'is missing' : '');
  }
  // RFC 9449 §5: with a proof, the token must be DPoP-bound (dpop_not_bound otherwise).
  dpop?.checkTokenType(json['token_type']);
  // RFC 6749 §7.1 and RFC 6750: only Bearer tokens are supported; the type is case-insensitive.
  if (!dpop && (typeof json['token_type'] !== 'string' || json['token_type'].toLowerCase() !== 'bearer')) {
    throw invalidField('token_type', (typeof ngDevMode === 'undefined' || ngDevMode) ? `is "${String(json['token_type'])}", expected "Bearer"` : '');
  }
  if (json['expires_in'] !== undefined && !(typeof json['expires_in'] === 'number' && json['expires_in'] >= 0)) {
    throw invalidField('expires_in', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'is not a non-negative number' : '');
  }
  for (const field of ['id_token', 'refresh_token', 'scope'] as const) {
    if (json[field] !== undefined && typeof json[field] !== 'string') throw invalidField(field, (typeof ngDevMode === 'undefined' || ngDevMode) ? 'is not a string' : '');
  }
  return json as unknown as TokenEndpointResponse;
}

/** @param problem What is wrong with the field, empty in production builds. */
function invalidField(field: string, problem: string): AuthError {
  return new AuthError('invalid_response', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The token response's "${field}" ${problem}.` : '', { claim: field });
}
