import { AuthError } from './errors';
import { send } from './http';
import type { DiscoveryDocument, FetchLike } from './types';

/**
 * Revokes a refresh token at the provider's `revocation_endpoint`, which ends its grant (and,
 * at most providers, the access tokens issued with it). Does nothing when the provider
 * advertises no revocation endpoint. Never retried.
 *
 * @param clientId Sent as `client_id`: a public client identifies itself this way (RFC 6749 §2.3).
 * @throws {AuthError} `network_error`; `token_request_failed` with `details.status` and, for an
 *   OAuth error response, `details.error` (`unsupported_token_type`, `invalid_client`, …).
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
export async function revokeToken(discovery: DiscoveryDocument, refreshToken: string, clientId: string, fetchFn: FetchLike): Promise<void> {
  const endpoint = discovery.revocation_endpoint;
  if (!endpoint) return;
  const response = await send(
    fetchFn,
    endpoint,
    // RFC 7009 §2.1: token, and token_type_hint to spare the provider a lookup. fetch sends a
    // URLSearchParams body as application/x-www-form-urlencoded.
    { method: 'POST', body: new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token', client_id: clientId }) },
    (typeof ngDevMode === 'undefined' || ngDevMode) ? 'revocation endpoint' : '',
  );
  // RFC 7009 §2.2: HTTP 200 whether or not the token was still valid; the body is ignored.
  if (response.status === 200) return;
  // RFC 7009 §2.2.1: otherwise an RFC 6749 §5.2 error response.
  let error: unknown;
  try {
    error = ((await response.json()) as Record<string, unknown> | null)?.['error'];
  } catch {
    // Not JSON: the status says enough.
  }
  if (typeof error !== 'string') error = undefined;
  throw new AuthError(
    'token_request_failed',
    (typeof ngDevMode === 'undefined' || ngDevMode) ? `The revocation endpoint refused to revoke the refresh token (${String(error ?? `HTTP ${response.status}`)}).` : '',
    { status: response.status, error: error as string | undefined },
  );
}
