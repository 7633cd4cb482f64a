import type { ResponseType } from './config';
import { AuthError, INTERACTION_ERRORS } from './errors';

/** A successful authorization response, after every structural check. */
export interface AuthorizationResponse {
  readonly state: string;
  readonly iss?: string;
  readonly code?: string;
  readonly id_token?: string;
  readonly access_token?: string;
  readonly token_type?: string;
  /** Seconds, parsed from the response's string. */
  readonly expires_in?: number;
  readonly scope?: string;
}

/** The raw parameters of a callback, before its state is matched to a login. */
export interface CallbackParams {
  readonly state?: string;
  readonly code?: string;
  readonly iss?: string;
  readonly error?: string;
  readonly error_description?: string;
  readonly id_token?: string;
  readonly access_token?: string;
  readonly token_type?: string;
  readonly expires_in?: string;
  readonly scope?: string;
}

/** Where a response type's parameters arrive (OAuth 2.0 Multiple Response Type Encoding §5). */
export type ResponseMode = 'query' | 'fragment';

/** Longest code/state/error value accepted; real ones are far shorter. */
const MAX_PARAM_LENGTH = 4096;
/** Longest token accepted: ID tokens with many claims exceed 4 KiB. */
const MAX_TOKEN_LENGTH = 65536;
const CALLBACK_PARAMS = [
  'code', 'state', 'error', 'error_description', 'error_uri', 'iss', 'session_state',
  'id_token', 'access_token', 'token_type', 'expires_in', 'scope',
];
const TOKEN_PARAMS = ['id_token', 'access_token'];
// RFC 6749 Appendix A: code, state, error and tokens are VSCHAR (printable ASCII) strings.
const VSCHAR = /^[\x20-\x7e]*$/;

/**
 * Where the parameters of a response type arrive: the query for `code`, the fragment for any
 * type that returns a token from the authorization endpoint.
 * @see https://openid.net/specs/oauth-v2-multiple-response-types-1_0.html#Combinations
 */
export function responseModeOf(responseType: ResponseType): ResponseMode {
  return responseType === 'code' ? 'query' : 'fragment';
}

/**
 * Reads the parameters of an authorization response from the query string (code flow) or the
 * fragment (implicit and hybrid), rejecting duplicated, oversized or non-ASCII values.
 *
 * @param mode Where the response type puts its parameters.
 * @throws {AuthError} `invalid_response` for a malformed response.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ImplicitAuthResponse
 */
export function parseCallbackUrl(url: string, mode: ResponseMode = 'query'): CallbackParams {
  let query: URLSearchParams;
  try {
    const parsed = new URL(url);
    query = mode === 'query' ? parsed.searchParams : new URLSearchParams(parsed.hash.slice(1));
  } catch {
    throw malformed((typeof ngDevMode === 'undefined' || ngDevMode) ? 'the callback URL cannot be parsed' : '');
  }
  const result: Record<string, string> = {};
  for (const name of CALLBACK_PARAMS) {
    const values = query.getAll(name);
    // RFC 6749 §3.1: request and response parameters MUST NOT be included more than once.
    if (values.length > 1) throw malformed((typeof ngDevMode === 'undefined' || ngDevMode) ? `parameter "${name}" appears ${values.length} times` : '', name);
    if (values.length === 0) continue;
    const value = values[0];
    const max = TOKEN_PARAMS.includes(name) ? MAX_TOKEN_LENGTH : MAX_PARAM_LENGTH;
    if (value.length > max) throw malformed((typeof ngDevMode === 'undefined' || ngDevMode) ? `parameter "${name}" is longer than ${max} characters` : '', name);
    if (name !== 'error_description' && name !== 'iss' && !VSCHAR.test(value)) {
      throw malformed((typeof ngDevMode === 'undefined' || ngDevMode) ? `parameter "${name}" contains characters outside printable ASCII` : '', name);
    }
    result[name] = value;
  }
  const granted = ['code', 'id_token', 'access_token'].find((name) => result[name] !== undefined);
  if (granted && result['error'] !== undefined) {
    throw malformed((typeof ngDevMode === 'undefined' || ngDevMode) ? `it carries both "${granted}" and "error"` : '');
  }
  return result;
}

/**
 * Turns checked callback parameters into the response of the expected type, or the provider's
 * error into an {@link AuthError}: `iss` first, then `state`, and only then an error response.
 *
 * @param expectedState The state of the login transaction this response belongs to.
 * @param issuer The provider's issuer.
 * @param issRequired Whether discovery advertised `authorization_response_iss_parameter_supported`.
 * @param responseType The response type the login asked for: decides which parameters must be
 *   there, which may not (`invalid_response`), and whether `iss` may be missing.
 * @throws {AuthError} `state_mismatch`, `iss_parameter_mismatch`, `authorization_error`,
 *   `login_required`, `consent_required`, `interaction_required`, `invalid_response`.
 */
export function validateAuthResponse(
  params: CallbackParams,
  expectedState: string,
  issuer: string,
  issRequired: boolean,
  responseType: ResponseType = 'code',
): AuthorizationResponse {
  const types = responseType.split(' ');
  // Checked in the order of oauth4webapi's validateAuthResponse: iss, then state, and only then
  // an error response, so that nothing a response for another issuer or login says is shown.
  // RFC 9207 §2.4: when iss is present, or the provider says it always sends it, it must be the
  // issuer. Only a response type with an ID token is exempt from the presence rule: the ID
  // token's own iss is checked before anything of the response is used (OIDC Core 1.0 §3.1.3.7
  // (2)), and providers (oidc-provider among them) omit the parameter there. Whether an ID
  // token came is no reason: anyone can add one to a code response (RFC 9700 §4.4, mix-up).
  if (params.iss !== undefined || (issRequired && !types.includes('id_token'))) {
    if (params.iss !== issuer) {
      throw new AuthError(
        'iss_parameter_mismatch',
        (typeof ngDevMode === 'undefined' || ngDevMode) ? `The authorization response's iss "${params.iss ?? '(missing)'}" is not the provider's issuer "${issuer}" (mix-up attack?).` : '',
        { claim: 'iss', expected: issuer, actual: params.iss },
      );
    }
  }
  // RFC 6749 §10.12: compare state exactly; it is the CSRF defence of the redirect.
  if (params.state !== expectedState) {
    throw new AuthError('state_mismatch', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'The callback\'s state is not the one this login sent.' : '', {
      claim: 'state',
      expected: expectedState,
      actual: params.state,
    });
  }
  // RFC 6749 §4.1.2.1, OIDC Core 1.0 §3.1.2.6: an error response of this login.
  if (params.error !== undefined) throw providerError(params);
  // OAuth 2.0 Multiple Response Type Encoding §5, OIDC Core 1.0 §3.1.2.5 and §3.3.2.5: a
  // token comes from the authorization endpoint only when the response type asks for it. One
  // that was not asked for (an id_token or access_token added to a code response) is refused,
  // never used.
  const expected = types.map((part) => (part === 'token' ? 'access_token' : part));
  const extra = TOKEN_PARAMS.find((name) => params[name as keyof CallbackParams] !== undefined && !expected.includes(name));
  if (extra) throw malformed((typeof ngDevMode === 'undefined' || ngDevMode) ? `response_type "${responseType}" returns no "${extra}", yet the response carries one` : '', extra);
  // OIDC Core 1.0 §3.1.2.5, §3.2.2.5, §3.3.2.5: what each response type must return.
  for (const name of expected) {
    if (!params[name as keyof CallbackParams]) {
      throw malformed((typeof ngDevMode === 'undefined' || ngDevMode) ? `response_type "${responseType}" requires "${name}", which is missing` : '', name);
    }
  }
  if (params.access_token !== undefined) {
    // RFC 6750: only Bearer tokens are supported; the type is case-insensitive.
    if (params.token_type?.toLowerCase() !== 'bearer') {
      throw malformed((typeof ngDevMode === 'undefined' || ngDevMode) ? `token_type is "${params.token_type ?? '(missing)'}", expected "Bearer"` : '', 'token_type', params.token_type);
    }
  }
  let expiresIn: number | undefined;
  if (params.expires_in !== undefined) {
    expiresIn = Number(params.expires_in);
    if (!/^\d+$/.test(params.expires_in) || !Number.isSafeInteger(expiresIn)) {
      throw malformed((typeof ngDevMode === 'undefined' || ngDevMode) ? `expires_in "${params.expires_in}" is not a number of seconds` : '', 'expires_in', params.expires_in);
    }
  }
  return {
    state: params.state,
    iss: params.iss,
    code: params.code,
    id_token: params.id_token,
    access_token: params.access_token,
    token_type: params.token_type,
    expires_in: expiresIn,
    scope: params.scope,
  };
}

/**
 * Converts an OAuth error response into an {@link AuthError}: `login_required`,
 * `consent_required` or `interaction_required` for those three OpenID Connect errors (also
 * `account_selection_required` → `interaction_required`), `authorization_error` for any other
 * (`access_denied`, …). `details.error` and `details.error_description` keep the provider's words.
 */
export function providerError(params: { error?: string; error_description?: string }): AuthError {
  const error = params.error === 'account_selection_required' ? 'interaction_required' : params.error;
  const code = INTERACTION_ERRORS.find((e) => e === error) ?? 'authorization_error';
  return new AuthError(code, (typeof ngDevMode === 'undefined' || ngDevMode) ? `The provider refused the login (${params.error})${params.error_description ? `: ${params.error_description}` : ''}.` : '', {
    error: params.error,
    error_description: params.error_description,
  });
}

/**
 * @param problem What is wrong, empty in production builds.
 * @param actual The refused value, for the production message (never a token or code).
 */
function malformed(problem: string, parameter?: string, actual?: string): AuthError {
  return new AuthError('invalid_response', (typeof ngDevMode === 'undefined' || ngDevMode) ? `Malformed callback URL: ${problem}.` : '', actual === undefined ? { parameter } : { parameter, actual });
}
