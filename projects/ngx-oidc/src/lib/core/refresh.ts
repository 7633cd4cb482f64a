import type { AudienceParameter } from './config';
import { AuthError } from './errors';
import { validateIdToken, type IdTokenExpectations } from './id-token';
import type { KeyResolver } from './jwks';
import { requestTokens } from './token-request';
import type { DiscoveryDocument, FetchLike, IdTokenClaims, TokenEndpointResponse } from './types';

/** What a refresh needs. */
export interface RefreshGrant {
  readonly refreshToken: string;
  readonly clientId: string;
  /** Narrower or other scope for this access token (RFC 6749 §6); omitted keeps the grant's. */
  readonly scope?: string;
  /** API the access token is for (RFC 8707 §2.2 `resource`, or Auth0's `audience`). */
  readonly audience?: string;
  readonly audienceParameter: AudienceParameter;
}

/**
 * Redeems a refresh token. Never retried (a rotating refresh token is single-use).
 *
 * @returns The token response; a new `refresh_token` in it replaces the old one (rotation).
 * @throws {AuthError} `login_required` when the provider answers `invalid_grant` (the refresh
 *   token expired, was revoked or already used: the session is over); `token_request_failed`
 *   for any other refusal (`details.error`, e.g. `invalid_target` for an audience the grant
 *   does not cover); `network_error`; `invalid_response`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.2
 */
export async function refreshTokens(
  discovery: DiscoveryDocument,
  grant: RefreshGrant,
  fetchFn: FetchLike,
): Promise<TokenEndpointResponse> {
  const body = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: grant.refreshToken,
    client_id: grant.clientId,
  });
  if (grant.scope) body.set('scope', grant.scope);
  if (grant.audience) body.set(grant.audienceParameter, grant.audience);
  try {
    return await requestTokens(discovery, body, fetchFn);
  } catch (err) {
    if (err instanceof AuthError && err.details.error === 'invalid_grant') {
      throw new AuthError(
        'login_required',
        (typeof ngDevMode === 'undefined' || ngDevMode)
          ? `The provider no longer accepts the refresh token (invalid_grant${err.details.error_description ? `: ${err.details.error_description}` : ''}); the session is over, log in again.`
          : '',
        { error: 'invalid_grant', error_description: err.details.error_description, status: err.details.status },
      );
    }
    throw err;
  }
}

/**
 * Validates an ID token returned by a refresh: a valid ID token in its own right, for the same
 * user at the same provider, whose nonce (optional) is the original one.
 *
 * @throws {AuthError} any ID token code; `invalid_response` when `iss` or `sub` changed.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse
 */
export async function validateRefreshedIdToken(
  idToken: string,
  keys: KeyResolver,
  original: IdTokenClaims,
  expected: Omit<IdTokenExpectations, 'nonce' | 'nonceRequired'>,
): Promise<IdTokenClaims> {
  const claims = await validateIdToken(idToken, keys, { ...expected, nonce: original.nonce, nonceRequired: false });
  // OIDC Core 1.0 §12.2: iss and sub MUST be the same as in the original ID token.
  if (claims.iss !== original.iss || claims.sub !== original.sub) {
    throw new AuthError('invalid_response', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The refreshed ID token is for sub "${claims.sub}", not "${original.sub}".` : '', {
      claim: 'sub',
      expected: original.sub,
      actual: claims.sub,
    });
  }
  return claims;
}
