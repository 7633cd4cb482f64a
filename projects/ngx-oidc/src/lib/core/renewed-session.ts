import type { StoredSession } from './session-store';
import { upsertEntry, type AccessTokenEntry, type TokenRequest } from './token-cache';
import type { IdTokenClaims, TokenEndpointResponse, TokenSet } from './types';

/** A session after a renewal, and the access token the renewal was for. */
export interface RenewedSession {
  readonly session: StoredSession;
  readonly accessToken: string;
}

/**
 * The session after a refresh-token response: a rotated refresh token replaces the old one, a
 * validated new ID token replaces the old one, and the access token lands on the login's tokens
 * (`primary`) or in the cache of other audiences.
 *
 * @param claims The new ID token's validated claims, when the response had one.
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 */
export function applyRefreshResponse(
  session: StoredSession,
  response: TokenEndpointResponse,
  claims: IdTokenClaims | undefined,
  request: TokenRequest,
  primary: boolean,
  obtainedAt: number,
): RenewedSession {
  const expiresAt = response.expires_in !== undefined ? obtainedAt + response.expires_in * 1000 : undefined;
  // RFC 6749 §6: a rotated refresh token replaces the old one at once.
  let tokens: TokenSet = { ...session.tokens, refreshToken: response.refresh_token ?? session.tokens.refreshToken };
  if (claims && response.id_token) tokens = { ...tokens, idToken: response.id_token, claims };
  if (primary) {
    tokens = { ...tokens, accessToken: response.access_token, tokenType: response.token_type, expiresAt, obtainedAt, scope: response.scope ?? tokens.scope };
    return { session: { ...session, tokens }, accessToken: response.access_token };
  }
  const entry: AccessTokenEntry = {
    accessToken: response.access_token,
    tokenType: response.token_type,
    expiresAt,
    obtainedAt,
    audience: request.audience,
    requestedScope: request.scope ?? '',
    scope: response.scope ?? request.scope ?? '',
  };
  return { session: { ...session, tokens, extra: upsertEntry(session.extra ?? [], entry) }, accessToken: response.access_token };
}
