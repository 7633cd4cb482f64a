import { discoveryUrl } from './discovery';
import type { DiscoveryDocument } from './types';

/**
 * Lists the provider's own endpoints (`origin + path`), which never get an API access token
 * attached by the interceptor, whatever the allowlist says.
 */
export function providerEndpoints(authority: string, discovery?: DiscoveryDocument): Set<string> {
  const urls = [
    discoveryUrl(authority),
    discovery?.authorization_endpoint,
    discovery?.token_endpoint,
    discovery?.jwks_uri,
    discovery?.userinfo_endpoint,
    discovery?.end_session_endpoint,
    discovery?.revocation_endpoint,
    discovery?.['introspection_endpoint'],
    discovery?.['registration_endpoint'],
  ];
  const endpoints = new Set<string>();
  for (const url of urls) {
    if (typeof url !== 'string') continue;
    try {
      const parsed = new URL(url);
      endpoints.add(parsed.origin + parsed.pathname);
    } catch {
      // A malformed optional endpoint cannot be requested either.
    }
  }
  return endpoints;
}

/** Tells whether a request URL targets one of the provider's endpoints. */
export function isProviderEndpoint(endpoints: ReadonlySet<string>, url: string, appOrigin: string): boolean {
  try {
    const parsed = new URL(url, appOrigin);
    return endpoints.has(parsed.origin + parsed.pathname);
  } catch {
    return false;
  }
}
