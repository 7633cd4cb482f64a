import { AuthError, type StepUpOptions } from './errors';
import type { AuthClient } from './auth-client';
import type { TokenRequest } from './token-cache';

/**
 * The words of a `WWW-Authenticate` header: a scheme (no `param`) or an auth-param (`name`, and
 * its `quoted` or `token` value). RFC 9110 §11.6.1: challenge = auth-scheme [ 1*SP ( token68 /
 * #auth-param ) ], and the challenges are separated by commas as their params are: a word
 * without "=" is the next challenge's scheme. A quoted value is one word, commas included.
 */
const CHALLENGE_WORDS = /([^\s,="]+)(\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*)))?/g;

/**
 * The schemes of the challenges in a `WWW-Authenticate` header, lower-cased, in order
 * (RFC 9110 §11.6.1).
 */
export function challengeSchemes(header: string | null | undefined): string[] {
  return [...(header ?? '').matchAll(CHALLENGE_WORDS)].filter(([, , param]) => !param).map(([, scheme]) => scheme.toLowerCase());
}

/**
 * The auth-params of the `Bearer` challenge in a `WWW-Authenticate` header (`error`,
 * `error_description`, `scope`, `acr_values`, …), names lower-cased, quoted values unescaped;
 * empty when no challenge is `Bearer`. The header may hold several challenges (`DPoP algs="…",
 * Bearer error="…"`, or several headers joined by commas): only the first `Bearer` one counts.
 * With `scheme` `DPoP` (a DPoP-bound token was sent), only the first `DPoP` one: its error
 * codes are RFC 6750's (RFC 9449 §7.1).
 *
 * @param header The `WWW-Authenticate` header of an API's answer.
 * @param scheme The scheme of the challenge to read, in any case (default `Bearer`).
 * @returns The parameters by name.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export function parseBearerChallenge(header: string | null | undefined, scheme = 'Bearer'): Record<string, string> {
  const params: Record<string, string> = {};
  let bearer = false;
  for (const [, name, param, quoted, token] of (header ?? '').matchAll(CHALLENGE_WORDS)) {
    if (!param) {
      if (bearer) break;
      bearer = name.toLowerCase() === scheme.toLowerCase();
    } else if (bearer) params[name.toLowerCase()] = (quoted ?? token).replace(/\\(.)/g, '$1');
  }
  return params;
}

/**
 * Reads an API's refusal of a token. 401 with `error="invalid_token"` (expired, revoked or
 * malformed) asks for another token: `true`. 401 with `error="insufficient_user_authentication"`
 * (RFC 9470 step-up) means the token is valid but the user's authentication too weak or too
 * old; a renewed token of the same session would be refused alike, so it throws for the app to
 * log the user in again. Any other answer, 403 `insufficient_scope` included, is `false`: it
 * goes to the app as it is.
 *
 * @param status The answer's HTTP status.
 * @param header Its `WWW-Authenticate` header.
 * @param answer The answer itself, kept as `details.cause` of the step-up error.
 * @param scheme The scheme the token was sent with (`DPoP` with `withDpop()`; default `Bearer`):
 *   the challenge of that scheme is read.
 * @returns Whether to renew the token and retry.
 * @throws {AuthError} `insufficient_user_authentication`, whose `details.stepUp` holds the
 *   `login()` options the challenge asks for: `acrValues` (with `acrRequired: true`) and
 *   `maxAge`, each when the challenge names it.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3
 */
export function checkBearerChallenge(status: number, header: string | null | undefined, answer?: unknown, scheme?: string): boolean {
  const challenge = status === 401 ? parseBearerChallenge(header, scheme) : {};
  const { error, max_age } = challenge;
  if (error === 'insufficient_user_authentication') {
    // RFC 9470 §4: the client asks the authorization server for what the challenge names;
    // acrRequired makes the new ID token prove it (acr_not_satisfied otherwise).
    const acrValues = challenge['acr_values']?.trim() || undefined;
    const stepUp: StepUpOptions = { acrValues, acrRequired: !!acrValues, maxAge: /^\d+$/.test(max_age) ? +max_age : undefined };
    throw new AuthError(
      error,
      (typeof ngDevMode === 'undefined' || ngDevMode)
        ? `The API asks for a stronger or more recent authentication (acr_values ${acrValues ? `"${acrValues}"` : 'not given'}, max_age ${stepUp.maxAge ?? 'not given'}${challenge['error_description'] ? `: "${challenge['error_description']}"` : ''}). Log in again with auth.login({ ...err.details.stepUp, returnUrl }).`
        : '',
      { stepUp, cause: answer },
    );
  }
  return error === 'invalid_token';
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
