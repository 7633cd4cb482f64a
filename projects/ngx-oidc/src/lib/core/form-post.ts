import type { AuthErrorCode } from './errors';
import { fetchJson } from './http';
import type { FetchLike } from './types';

/**
 * POSTs a form (`application/x-www-form-urlencoded`) to one of the provider's endpoints and
 * parses its JSON answer: how the token (RFC 6749 §3.2) and pushed authorization request
 * (RFC 9126 §2.1) endpoints are spoken to. Never retried (see `fetchJson`).
 *
 * @param code The error code for an unusable answer; `what` names the endpoint in messages.
 * @throws {AuthError} `network_error`, or `code` when the body is not a JSON object.
 */
export function postForm(
  fetchFn: FetchLike,
  endpoint: string,
  form: URLSearchParams,
  code: AuthErrorCode,
  what: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return fetchJson(
    fetchFn,
    endpoint,
    { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString() },
    code,
    what,
  );
}
