import { matchAllowedUrl, type AllowedUrlMatcher } from './allowed-url';
import type { ResolvedAuthConfig } from './config';
import { isProviderEndpoint, providerEndpoints } from './provider-endpoints';
import type { DiscoveryDocument } from './types';

/** How many URL answers the allowlist remembers per HTTP method, and for how many methods. */
const MATCH_CACHE_SIZE = 256;
const MATCH_CACHE_METHODS = 8;

/** Which requests get the access token: the app's allowlist minus the provider's own endpoints. */
export interface RequestAllowlist {
  /**
   * The allowlist entry a request may send the token to; never a provider endpoint, under any
   * spelling (see `isProviderEndpoint`). A relative `url` resolves against the app's origin.
   */
  match(url: string, method: string): AllowedUrlMatcher | undefined;
  /** The provider's endpoints from this discovery document are never matched from now on. */
  learn(discovery: DiscoveryDocument): void;
  /** The discovery document learnt last; `undefined` before any (then no token may leave, see `known`). */
  learned(): DiscoveryDocument | undefined;
  /** Whether a token may leave: the provider's endpoints are known, or there is no allowlist. */
  known(): boolean;
}

/** Creates the request allowlist of one client (RFC 6750 §5.3, RFC 9700 §4.9). */
export function createRequestAllowlist(config: ResolvedAuthConfig): RequestAllowlist {
  let endpoints = providerEndpoints(config.authority);
  let learned: DiscoveryDocument | undefined;
  /** The answers, per method, then per URL (no key to build per request). */
  const matches = new Map<string, Map<string, AllowedUrlMatcher | null>>();
  return {
    match(url, method) {
      if (config.allowedUrls.length === 0) return undefined;
      // Every HttpClient request asks; parsing the URL is the cost, so answers are remembered
      // per method + URL (bounded, and forgotten when the provider's endpoints become known).
      let byUrl = matches.get(method);
      const known = byUrl?.get(url);
      if (known !== undefined) return known ?? undefined;
      const match = isProviderEndpoint(endpoints, url, config.appOrigin) ? undefined : matchAllowedUrl(config.allowedUrls, url, method, config.appOrigin);
      if (!byUrl || byUrl.size >= MATCH_CACHE_SIZE) {
        // Bounded: a full list, or one method too many, starts over.
        if (!byUrl && matches.size >= MATCH_CACHE_METHODS) matches.clear();
        matches.set(method, (byUrl = new Map()));
      }
      byUrl.set(url, match ?? null);
      return match;
    },
    learn(discovery) {
      learned = discovery;
      endpoints = providerEndpoints(config.authority, discovery);
      matches.clear();
    },
    learned: () => learned,
    // Without an allowlist no request gets the token: nothing to protect.
    known: () => learned !== undefined || !config.allowedUrls.length,
  };
}
