import type { JSONWebKeySet } from 'jose';
import { fetchDiscovery } from './discovery';
import { createKeyStore, type KeyStore } from './jwks';
import { readJson, safeRemove, writeJson, type AuthStorage } from './storage';
import type { DiscoveryDocument, FetchLike } from './types';

/** How long discovery and JWKS fetched before a redirect are reused after it. */
export const METADATA_TTL_MS = 60 * 60 * 1000;

const METADATA_PREFIX = 'ngx-oidc.metadata.';

interface CachedMetadata {
  readonly authority: string;
  readonly discovery: DiscoveryDocument;
  readonly jwks?: JSONWebKeySet;
  readonly fetchedAt: number;
}

/** The provider's discovery document and signing keys, as one login needs them. */
export interface ProviderMetadata {
  readonly discovery: DiscoveryDocument;
  readonly keys: KeyStore;
}

/**
 * Loads discovery and a key store, reusing what an earlier page of this session fetched within
 * {@link METADATA_TTL_MS}: discovery and JWKS are fetched before the redirect to the provider,
 * so the callback only needs the token request. A `kid` the cached JWKS lacks still triggers
 * one refetch (key rotation).
 *
 * @throws {AuthError} `network_error`, `discovery_failed`, `invalid_issuer`.
 */
export async function loadProviderMetadata(
  authority: string,
  fetchFn: FetchLike,
  storage: AuthStorage,
  now: number,
): Promise<ProviderMetadata> {
  const key = METADATA_PREFIX + authority;
  let cached: CachedMetadata | null = null;
  try {
    cached = readJson<CachedMetadata>(storage, key);
  } catch {
    // Corrupted cache: readJson removed it; fetch afresh.
  }
  if (cached && cached.authority === authority && now - cached.fetchedAt < METADATA_TTL_MS && now >= cached.fetchedAt) {
    return { discovery: cached.discovery, keys: createKeyStore(cached.discovery.jwks_uri, fetchFn, cached.jwks) };
  }
  safeRemove(storage, key);
  const discovery = await fetchDiscovery(authority, fetchFn);
  return { discovery, keys: createKeyStore(discovery.jwks_uri, fetchFn) };
}

/**
 * Stores discovery and the JWKS for the page the provider redirects back to. Best effort: a
 * storage that refuses only costs the callback two requests.
 */
export function saveProviderMetadata(
  authority: string,
  metadata: ProviderMetadata,
  storage: AuthStorage,
  now: number,
): void {
  try {
    writeJson(storage, METADATA_PREFIX + authority, {
      authority,
      discovery: metadata.discovery,
      jwks: metadata.keys.current(),
      fetchedAt: now,
    } satisfies CachedMetadata);
  } catch {
    // Nothing lost but two requests after the redirect.
  }
}
