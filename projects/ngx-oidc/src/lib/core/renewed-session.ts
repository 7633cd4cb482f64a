import { AuthError } from './errors';
import type { LoginResult } from './login-flow';
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

/**
 * The session after a silent authentication: for the login's token the whole login result
 * replaces the session (keeping a refresh token it had); for another audience only its access
 * token is cached.
 *
 * @throws {AuthError} `login_required` when the provider's session is another user's;
 *   `invalid_response` when no access token came back.
 */
export function applySilentResult(session: StoredSession, result: LoginResult, request: TokenRequest, primary: boolean): RenewedSession {
  if (result.tokens.claims.sub !== session.tokens.claims.sub) {
    // Another user logged in at the provider meanwhile: this session is not theirs.
    throw new AuthError('login_required', `Silent authentication returned another user ("${result.tokens.claims.sub}").`, {
      claim: 'sub',
      expected: session.tokens.claims.sub,
      actual: result.tokens.claims.sub,
    });
  }
  const accessToken = result.tokens.accessToken;
  if (!accessToken) throw new AuthError('invalid_response', 'Silent authentication returned no access token.');
  if (primary) {
    return { session: { ...session, tokens: { ...result.tokens, refreshToken: session.tokens.refreshToken }, user: result.user }, accessToken };
  }
  const entry: AccessTokenEntry = { ...primaryEntry(result.tokens), requestedScope: request.scope ?? result.tokens.requestedScope };
  return { session: { ...session, extra: upsertEntry(session.extra ?? [], entry) }, accessToken };
}

/** The login's own access token as a cache entry. */
export function primaryEntry(tokens: TokenSet): AccessTokenEntry {
  return {
    accessToken: tokens.accessToken ?? '',
    tokenType: tokens.tokenType,
    expiresAt: tokens.expiresAt,
    obtainedAt: tokens.obtainedAt,
    audience: tokens.audience,
    requestedScope: tokens.requestedScope,
    scope: tokens.scope,
  };
}
