import { AuthError } from './errors';
import { fetchJson } from './http';
import type { DiscoveryDocument, FetchLike } from './types';

/**
 * Fetches the UserInfo claims and checks they describe the ID token's subject.
 *
 * @param sub The `sub` of the validated ID token.
 * @returns The claims.
 * @throws {AuthError} `network_error`; `userinfo_failed` (an error status, or not a JSON object);
 *   `userinfo_sub_mismatch`; `invalid_configuration` (`loadUserInfo`) when the provider has no
 *   UserInfo endpoint.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse
 */
export async function fetchUserInfo(
  discovery: DiscoveryDocument,
  accessToken: string,
  sub: string,
  fetchFn: FetchLike,
): Promise<Record<string, unknown>> {
  const endpoint = discovery.userinfo_endpoint;
  if (!endpoint) {
    throw new AuthError('invalid_configuration', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'loadUserInfo is set but the provider has no userinfo_endpoint.' : '', {
      option: 'loadUserInfo',
      claim: 'userinfo_endpoint',
    });
  }
  const { status, body } = await fetchJson(
    fetchFn,
    endpoint,
    { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } },
    'userinfo_failed',
    (typeof ngDevMode === 'undefined' || ngDevMode) ? 'UserInfo endpoint' : '',
  );
  if (status !== 200) {
    const error = typeof body['error'] === 'string' ? body['error'] : undefined;
    throw new AuthError('userinfo_failed', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The UserInfo endpoint answered HTTP ${status}${error !== undefined ? ` (${error})` : ''}.` : '', {
      status,
      error,
    });
  }
  // OIDC Core 1.0 §5.3.2: the sub in the UserInfo response MUST match the ID token's sub.
  if (body['sub'] !== sub) {
    throw new AuthError('userinfo_sub_mismatch', (typeof ngDevMode === 'undefined' || ngDevMode) ? `UserInfo describes sub "${String(body['sub'])}", not the ID token's "${sub}".` : '', {
      claim: 'sub',
      expected: sub,
      actual: body['sub'],
    });
  }
  return body;
}
