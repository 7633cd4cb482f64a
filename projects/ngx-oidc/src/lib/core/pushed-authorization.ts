import { isSecureUrl } from './discovery';
import { AuthError } from './errors';
import { postForm } from './form-post';
import type { DiscoveryDocument, FetchLike } from './types';

/**
 * When `withPushedAuthorizationRequests()` pushes a login's authorization request:
 * - `'auto'`: whenever the provider advertises a `pushed_authorization_request_endpoint`;
 *   otherwise the parameters go in the authorization URL, as without the feature. A provider
 *   that sets `require_pushed_authorization_requests` must advertise the endpoint.
 * - `'required'`: always; a provider without the endpoint fails the login with
 *   `par_unavailable`, never with a fallback to the query string.
 */
export type PushedAuthorizationMode = 'auto' | 'required';

/**
 * Turns the authorization URL of a login into the URL the browser goes to: the same URL, or,
 * once the parameters are pushed, the authorization endpoint with `client_id` and `request_uri`.
 */
export type PushAuthorization = (discovery: DiscoveryDocument, authorizeUrl: string, fetchFn: FetchLike) => Promise<string>;

/**
 * Pushes the parameters of an authorization request to the provider (RFC 9126 §2.1) and
 * returns the URL that refers to them: the authorization endpoint with only `client_id` and
 * `request_uri` (§4). The parameters (PKCE challenge, `state`, `nonce`, `redirect_uri`,
 * `scope`, `acr_values`, `max_age`, `id_token_hint`, the audience, …) then never travel in the
 * URL (front channel), where history, server and proxy logs and `Referer` headers could read
 * them and a redirect or the user could alter them; the provider checks them before the user
 * sees a page, and the URL stays short. They are not hidden from the app's own page, which
 * sends them.
 *
 * The request is made as a public client: `client_id` in the form body, no secret. It is not
 * retried, and a failure fails the login: falling back to the query string would let anyone
 * who can block one request downgrade the login.
 *
 * @param discovery The provider's metadata (RFC 9126 §5).
 * @param authorizeUrl The URL `buildAuthorizeUrl()` built for the login.
 * @param mode See {@link PushedAuthorizationMode}.
 * @returns The URL to send the browser to; `authorizeUrl` itself in `'auto'` mode when the
 *   provider has no PAR endpoint.
 * @throws {AuthError} `par_unavailable` when PAR is required (by `mode`, or by the provider's
 *   `require_pushed_authorization_requests`) and the provider advertises no endpoint;
 *   `discovery_failed` when the endpoint is not an `https:` URL (`cause.claim`);
 *   `network_error`; `par_request_failed` when the provider refuses the request (`cause.error`,
 *   `cause.error_description`, `cause.status`) or answers anything but JSON; `invalid_response`
 *   for a 201 answer without a usable `request_uri` or `expires_in` (`cause.claim`).
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-4
 */
export async function pushAuthorizationRequest(
  discovery: DiscoveryDocument,
  authorizeUrl: string,
  fetchFn: FetchLike,
  mode: PushedAuthorizationMode,
): Promise<string> {
  const endpoint = discovery.pushed_authorization_request_endpoint;
  if (endpoint == null) {
    // RFC 9126 §5: require_pushed_authorization_requests means the provider accepts no other
    // authorization request; a login that would be refused there fails here, before the redirect.
    const required = discovery.require_pushed_authorization_requests === true;
    if (mode === 'auto' && !required) return authorizeUrl;
    throw new AuthError(
      'par_unavailable',
      (typeof ngDevMode === 'undefined' || ngDevMode)
        ? required
          ? "The provider sets require_pushed_authorization_requests but advertises no pushed_authorization_request_endpoint."
          : "withPushedAuthorizationRequests({ mode: 'required' }): the provider advertises no pushed_authorization_request_endpoint. Enable PAR at the provider, or use mode 'auto'."
        : '',
      { claim: 'pushed_authorization_request_endpoint' },
    );
  }
  // Held to the rules of the other endpoints (validateDiscovery): https, or http on loopback
  // for a loopback issuer. The form carries the whole request, PKCE challenge included.
  if (!isSecureUrl(endpoint, discovery.issuer)) {
    throw new AuthError(
      'discovery_failed',
      (typeof ngDevMode === 'undefined' || ngDevMode) ? 'The discovery document has no valid "pushed_authorization_request_endpoint" (an https URL, or http on loopback for a loopback issuer).' : '',
      { claim: 'pushed_authorization_request_endpoint', actual: endpoint },
    );
  }
  // RFC 6749 §3.1: a query the authorization endpoint's URL has of its own (a B2C policy,
  // a tenant) belongs to the endpoint; it stays on the URL and is not pushed.
  const target = new URL(discovery.authorization_endpoint);
  const params = new URL(authorizeUrl).searchParams;
  const form = new URLSearchParams();
  params.forEach((value, name) => {
    if (target.searchParams.get(name) !== value) form.append(name, value);
  });
  // RFC 9126 §2.1: the authorization request's parameters, form-encoded, client_id included
  // (a public client authenticates with nothing else).
  const { status, body } = await postForm(
    fetchFn,
    endpoint,
    form,
    'par_request_failed',
    (typeof ngDevMode === 'undefined' || ngDevMode) ? 'pushed authorization request endpoint' : '',
  );
  // RFC 9126 §2.2: success is 201 Created; §2.3: errors use the token endpoint's format
  // (RFC 6749 §5.2), e.g. 400 invalid_request.
  if (status !== 201) {
    const error = typeof body['error'] === 'string' ? body['error'] : undefined;
    const description = typeof body['error_description'] === 'string' ? body['error_description'] : undefined;
    throw new AuthError(
      'par_request_failed',
      (typeof ngDevMode === 'undefined' || ngDevMode)
        ? `The pushed authorization request endpoint refused the request (${error ? `${error}${description ? `: ${description}` : ''}` : `HTTP ${status}`}).`
        : '',
      { status, error, error_description: description },
    );
  }
  // RFC 9126 §2.2: request_uri is the single-use reference; expires_in its positive lifetime.
  const requestUri = body['request_uri'];
  if (typeof requestUri !== 'string' || requestUri === '') {
    throw new AuthError('invalid_response', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'The pushed authorization response has no request_uri.' : '', { claim: 'request_uri' });
  }
  const expiresIn = body['expires_in'];
  if (!(typeof expiresIn === 'number' && expiresIn > 0)) {
    throw new AuthError('invalid_response', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The pushed authorization response's expires_in is ${String(expiresIn)}, not a positive number of seconds.` : '', {
      claim: 'expires_in',
      actual: expiresIn,
    });
  }
  // RFC 9126 §4: the authorization request then carries client_id and request_uri only.
  target.searchParams.set('client_id', params.get('client_id')!);
  target.searchParams.set('request_uri', requestUri);
  return target.toString();
}
