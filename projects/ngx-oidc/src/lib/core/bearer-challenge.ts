import { AuthError } from './errors';
import type { AuthClient } from './auth-client';
import type { TokenRequest } from './token-cache';

/**
 * The auth-params of a `Bearer` challenge in a `WWW-Authenticate` header (`error`,
 * `error_description`, `scope`, `realm`, …), names lower-cased, quoted values unescaped; empty
 * for another scheme or no header.
 *
 * @param header The `WWW-Authenticate` header of an API's answer.
 * @returns The parameters by name.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export function parseBearerChallenge(header: string | null | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  if (!header || !/^\s*Bearer\b/i.test(header)) return params;
  for (const [, name, quoted, token] of header.matchAll(/([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g)) {
    params[name.toLowerCase()] = (quoted ?? token ?? '').replace(/\\(.)/g, '$1');
  }
  return params;
}

/**
 * Whether an API's answer asks for another token: 401 with `error="invalid_token"` (expired,
 * revoked or malformed). Any other answer, 403 `insufficient_scope` included, goes to the app.
 *
 * @param status The answer's HTTP status.
 * @param header Its `WWW-Authenticate` header.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function isInvalidTokenAnswer(status: number, header: string | null | undefined): boolean {
  return status === 401 && parseBearerChallenge(header)['error'] === 'invalid_token';
}

/**
 * The renew-and-retry decision after an API refused `rejectedToken` with 401 `invalid_token`:
 * renews once (requests that fail together share the client's renewal) and returns the token
 * to retry the request with, once; `undefined` when there is none, or only the refused one, so
 * the API's answer goes to the app as it is.
 *
 * @param client The client, which renews after a rejection.
 * @param rejectedToken The token the API refused.
 * @param request Audience and scope of that token.
 * @returns A different token to retry with, or `undefined`.
 * @throws {AuthError} The renewal's own error, which says why (`login_required`: the session is
 *   over). A failure that is not an `AuthError` resolves `undefined` instead.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function tokenForRetry(
  client: Pick<AuthClient, 'renewAfterRejection'>,
  rejectedToken: string,
  request: TokenRequest,
): Promise<string | undefined> {
  return client.renewAfterRejection(rejectedToken, request).then(
    (renewed) => (renewed && renewed !== rejectedToken ? renewed : undefined),
    (error: unknown) => {
      if (error instanceof AuthError) throw error;
      return undefined;
    },
  );
}
