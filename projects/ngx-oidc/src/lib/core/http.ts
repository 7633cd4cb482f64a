import { AuthError, type AuthErrorCode } from './errors';
import type { FetchLike } from './types';

/** Default time a request to the provider may take before it fails with `network_error`. */
export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Sends a request to the provider and parses a JSON object from the answer.
 *
 * @param code The error code for an unusable answer (`discovery_failed`, `jwks_failed`, …).
 * @param what Human name of the resource, for messages ("discovery document"); empty in
 *   production builds.
 * @returns The parsed JSON object and the response status.
 * A GET is retried once after a network failure (not a timeout) or a 5xx answer; other
 * methods never are.
 *
 * @throws {AuthError} `network_error` when the request fails or times out; `code` when the body
 *   is not a JSON object (the status is kept in `cause.status`).
 */
export async function fetchJson(
  fetchFn: FetchLike,
  url: string,
  init: RequestInit,
  code: AuthErrorCode,
  what: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  // RFC 9110 §9.2.2: a GET is idempotent, so one retry after a network failure or a 5xx is
  // safe. A POST (the token request) is never retried: an authorization code or a rotating
  // refresh token is single-use, and a retry could only fail or burn it.
  const idempotent = (init.method ?? 'GET').toUpperCase() === 'GET';
  let response: Response;
  try {
    response = await send(fetchFn, url, init, what);
    if (idempotent && response.status >= 500) response = await send(fetchFn, url, init, what);
  } catch (err) {
    // A timeout already cost REQUEST_TIMEOUT_MS; retrying it would double the wait.
    if (!idempotent || isTimeout(err)) throw err;
    response = await send(fetchFn, url, init, what);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (cause) {
    throw new AuthError(code, (typeof ngDevMode === 'undefined' || ngDevMode) ? `The ${what} at ${url} answered HTTP ${response.status} with a body that is not JSON.` : '', {
      status: response.status,
      cause,
    });
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new AuthError(code, (typeof ngDevMode === 'undefined' || ngDevMode) ? `The ${what} at ${url} answered HTTP ${response.status} with JSON that is not an object.` : '', {
      status: response.status,
    });
  }
  return { status: response.status, body: body as Record<string, unknown> };
}

function isTimeout(err: unknown): boolean {
  const cause = err instanceof AuthError ? err.details.cause : undefined;
  return cause instanceof Error && cause.name === 'AbortError';
}

/**
 * Sends one request to the provider, without retry, within {@link REQUEST_TIMEOUT_MS}.
 * @throws {AuthError} `network_error` when the request fails or times out.
 */
export async function send(fetchFn: FetchLike, url: string, init: RequestInit, what: string): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  try {
    return await fetchFn(url, { ...init, signal: controller.signal });
  } catch (cause) {
    throw new AuthError(
      'network_error',
      (typeof ngDevMode === 'undefined' || ngDevMode)
        ? `Could not reach the ${what} at ${url}: ${cause instanceof Error ? (cause.name === 'AbortError' ? 'timed out' : cause.message) : String(cause)}.`
        : '',
      { cause },
    );
  } finally {
    clearTimeout(timer);
  }
}
