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

/**
 * Checks a discovery document against the configured authority.
 * @throws {AuthError} `discovery_failed`, `invalid_issuer`.
 */
export function validateDiscovery(body: Record<string, unknown>, authority: string): DiscoveryDocument {
  for (const field of ['issuer', 'authorization_endpoint', 'jwks_uri', 'token_endpoint'] as const) {
    if (typeof body[field] !== 'string' || !isHttpUrl(body[field] as string)) {
      throw new AuthError('discovery_failed', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The discovery document has no valid "${field}".` : '', {
        claim: field,
        actual: body[field],
      });
    }
  }
  // OIDC Discovery 1.0 §4.3: the issuer MUST be identical to the URL discovery was read from.
  // A difference of only a trailing slash is accepted (https://tenant/ vs https://tenant), and
  // the provider's spelling is what ID tokens are then checked against.
  const issuer = body['issuer'] as string;
  if (issuer.replace(/\/+$/, '') !== authority.replace(/\/+$/, '')) {
    throw new AuthError(
      'invalid_issuer',
      (typeof ngDevMode === 'undefined' || ngDevMode)
        ? `The discovery document's issuer "${issuer}" is not the configured authority "${authority}". Set authority to exactly "${issuer}".`
        : '',
      { claim: 'issuer', expected: authority, actual: issuer },
    );
  }
  return body as unknown as DiscoveryDocument;
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}
