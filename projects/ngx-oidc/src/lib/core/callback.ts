import { AuthError } from './errors';

/** A successful authorization response of the code flow, after every structural check. */
export interface AuthorizationResponse {
  readonly code: string;
  readonly state: string;
  readonly iss?: string;
}

/** The raw parameters of a callback, before its state is matched to a login. */
export interface CallbackParams {
  readonly state?: string;
  readonly code?: string;
  readonly iss?: string;
  readonly error?: string;
  readonly error_description?: string;
}

/** Longest parameter value accepted; real codes and states are far shorter. */
const MAX_PARAM_LENGTH = 4096;
const CALLBACK_PARAMS = ['code', 'state', 'error', 'error_description', 'error_uri', 'iss', 'session_state'];
// RFC 6749 Appendix A: code, state and error are VSCHAR (printable ASCII) strings.
const VSCHAR = /^[\x20-\x7e]*$/;

/**
 * Tells whether a URL is an authorization response for this client: same origin and path as
 * the redirect URI, with a `code`, `error` or `state` parameter.
 */
export function isCallbackUrl(url: string, redirectUri: string): boolean {
  try {
    const current = new URL(url);
    const expected = new URL(redirectUri);
    if (current.origin !== expected.origin || current.pathname !== expected.pathname) return false;
    const query = current.searchParams;
    return query.has('code') || query.has('error') || query.has('state');
  } catch {
    return false;
  }
}

/**
 * Reads the parameters of an authorization response from the query string, rejecting
 * duplicated, oversized or non-ASCII values.
 *
 * @throws {AuthError} `invalid_response` for a malformed response.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
export function parseCallbackUrl(url: string): CallbackParams {
  let query: URLSearchParams;
  try {
    query = new URL(url).searchParams;
  } catch {
    throw malformed('the callback URL cannot be parsed');
  }
  const result: Record<string, string> = {};
  for (const name of CALLBACK_PARAMS) {
    const values = query.getAll(name);
    // RFC 6749 §3.1: request and response parameters MUST NOT be included more than once.
    if (values.length > 1) throw malformed(`parameter "${name}" appears ${values.length} times`, name);
    if (values.length === 0) continue;
    const value = values[0];
    if (value.length > MAX_PARAM_LENGTH) throw malformed(`parameter "${name}" is longer than ${MAX_PARAM_LENGTH} characters`, name);
    if (name !== 'error_description' && name !== 'iss' && !VSCHAR.test(value)) {
      throw malformed(`parameter "${name}" contains characters outside printable ASCII`, name);
    }
    result[name] = value;
  }
  if (result['code'] !== undefined && result['error'] !== undefined) {
    throw malformed('it carries both "code" and "error"');
  }
  return result;
}

/**
 * Turns checked callback parameters into a code response, or the provider's error into an
 * {@link AuthError}.
 *
 * @param expectedState The state of the login transaction this response belongs to.
 * @param issuer The provider's issuer.
 * @param issRequired Whether discovery advertised `authorization_response_iss_parameter_supported`.
 * @throws {AuthError} `state_mismatch`, `iss_parameter_mismatch`, `authorization_error`,
 *   `invalid_response`.
 */
export function validateAuthResponse(
  params: CallbackParams,
  expectedState: string,
  issuer: string,
  issRequired: boolean,
): AuthorizationResponse {
  // RFC 6749 §10.12: compare state exactly; it is the CSRF defence of the redirect.
  if (params.state !== expectedState) {
    throw new AuthError('state_mismatch', 'The callback\'s state is not the one this login sent.', {
      claim: 'state',
      expected: expectedState,
      actual: params.state,
    });
  }
  // RFC 9207 §2.4: when iss is present, or the provider says it always sends it, it must be the issuer.
  if (params.iss !== undefined || issRequired) {
    if (params.iss !== issuer) {
      throw new AuthError(
        'iss_parameter_mismatch',
        `The authorization response's iss "${params.iss ?? '(missing)'}" is not the provider's issuer "${issuer}" (mix-up attack?).`,
        { claim: 'iss', expected: issuer, actual: params.iss },
      );
    }
  }
  if (params.error !== undefined) throw providerError(params);
  if (!params.code) throw malformed('it has neither "code" nor "error"', 'code');
  return { code: params.code, state: params.state, iss: params.iss };
}

/** Converts an OAuth error response into an {@link AuthError} of code `authorization_error`. */
export function providerError(params: { error?: string; error_description?: string }): AuthError {
  const description = params.error_description ? `: ${params.error_description}` : '';
  return new AuthError('authorization_error', `The provider refused the login (${params.error})${description}.`, {
    error: params.error,
    error_description: params.error_description,
  });
}

function malformed(problem: string, parameter?: string): AuthError {
  return new AuthError('invalid_response', `Malformed callback URL: ${problem}.`, { parameter });
}
