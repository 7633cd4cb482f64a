import type { AudienceParameter } from './config';
import type { Dpop } from './dpop/dpop';
import { AuthError } from './errors';
import { requestTokens } from './token-request';
import type { DiscoveryDocument, FetchLike, TokenEndpointResponse } from './types';

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
 * @param dpop With `withDpop()`: the request carries a DPoP proof; a public client's refresh
 *   token is then bound to the key (RFC 9449 §5).
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
  dpop?: Dpop,
): Promise<TokenEndpointResponse> {
  const body = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: grant.refreshToken,
    client_id: grant.clientId,
  });
  if (grant.scope) body.set('scope', grant.scope);
  if (grant.audience) body.set(grant.audienceParameter, grant.audience);
  try {
    return await requestTokens(discovery, body, fetchFn, dpop);
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
