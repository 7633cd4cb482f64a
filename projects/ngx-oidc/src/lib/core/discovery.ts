import { AuthError } from './errors';
import { fetchJson } from './http';
import type { DiscoveryDocument, FetchLike } from './types';

/**
 * Returns the discovery URL of an issuer.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationRequest
 */
export function discoveryUrl(authority: string): string {
  return `${authority.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/**
 * Fetches and checks the provider's metadata.
 *
 * @param authority The configured issuer URL.
 * @returns The discovery document; its `issuer` is the canonical issuer from then on.
 * @throws {AuthError} `network_error`; `discovery_failed` for a non-200 or malformed document;
 *   `invalid_issuer` when the document's issuer is not the authority.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationValidation
 */
export async function fetchDiscovery(authority: string, fetchFn: FetchLike): Promise<DiscoveryDocument> {
  const url = discoveryUrl(authority);
  const { status, body } = await fetchJson(fetchFn, url, { headers: { accept: 'application/json' } }, 'discovery_failed', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'discovery document' : '');
  if (status !== 200) {
    throw new AuthError('discovery_failed', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The discovery document at ${url} answered HTTP ${status}.` : '', { status });
  }
  return validateDiscovery(body, authority);
}

/** The endpoints checked in a discovery document: the first three are required. */
const ENDPOINTS = [
  'authorization_endpoint', 'jwks_uri', 'token_endpoint', 'userinfo_endpoint', 'end_session_endpoint',
  'revocation_endpoint', 'introspection_endpoint', 'registration_endpoint',
];

/**
 * Checks a discovery document against the configured authority. Every endpoint the client may
 * fetch or navigate to must be an `https:` URL; plain `http:` only on loopback, and only when
 * the issuer itself is a loopback `http:` URL (RFC 8414 §2, OIDC Discovery 1.0 §3, RFC 9700
 * §2.6). A hostile or broken document cannot send the browser to a `javascript:` URL or the
 * token over cleartext.
 * @throws {AuthError} `discovery_failed` (`cause.claim` names the field), `invalid_issuer`.
 */
export function validateDiscovery(body: Record<string, unknown>, authority: string): DiscoveryDocument {
  // OIDC Discovery 1.0 §4.3: the issuer MUST be identical to the URL discovery was read from.
  // A difference of only a trailing slash is accepted (https://tenant/ vs https://tenant), and
  // the provider's spelling is what ID tokens are then checked against.
  // Checked first: a document naming another issuer is that (a mix-up), whatever its endpoints.
  const issuer = body['issuer'];
  if (typeof issuer === 'string' && issuer.replace(/\/+$/, '') !== authority.replace(/\/+$/, '')) {
    throw new AuthError(
      'invalid_issuer',
      (typeof ngDevMode === 'undefined' || ngDevMode)
        ? `The discovery document's issuer "${issuer}" is not the configured authority "${authority}". Set authority to exactly "${issuer}".`
        : '',
      { claim: 'issuer', expected: authority, actual: issuer },
    );
  }
  ['issuer', ...ENDPOINTS].forEach((field, index) => {
    const value = body[field];
    if ((value != null || index < 4) && !isSecureUrl(value, body['issuer'])) {
      throw new AuthError('discovery_failed', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The discovery document has no valid "${field}" (an https URL, or http on loopback for a loopback issuer).` : '', {
        claim: field,
        actual: value,
      });
    }
  });
  return body as unknown as DiscoveryDocument;
}

/**
 * Tells whether a provider URL may be fetched or navigated to: `https:`, or `http:` on loopback
 * when the issuer is a loopback `http:` URL too (see {@link validateDiscovery}).
 */
export function isSecureUrl(value: unknown, issuer: unknown): boolean {
  try {
    const url = new URL(value as string);
    return typeof value === 'string' && (url.protocol === 'https:' || (isLoopback(url) && isLoopback(new URL(issuer as string))));
  } catch {
    return false;
  }
}

function isLoopback(url: URL): boolean {
  return url.protocol === 'http:' && /^(localhost|127\.0\.0\.1|\[::1\])$/.test(url.hostname);
}
