import { AuthError } from './errors';
import { validateIdToken, type IdTokenExpectations } from './id-token';
import type { KeyResolver } from './jwks';
import type { IdTokenClaims } from './types';

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
