import type { JSONWebKeySet } from 'jose';
import { fetchDiscovery, validateDiscovery } from './discovery';
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
  const cached = readCache(authority, storage, now);
  if (cached) return { discovery: cached.discovery, keys: createKeyStore(cached.discovery.jwks_uri, fetchFn, cached.jwks) };
  const discovery = await fetchDiscovery(authority, fetchFn);
  return { discovery, keys: createKeyStore(discovery.jwks_uri, fetchFn) };
}

/**
 * The discovery document an earlier page of this session cached (see
 * {@link loadProviderMetadata}), synchronously: what a tab knows of the provider's endpoints
 * at start-up. `undefined` when there is none, or it is stale or refused.
 */
export function cachedDiscovery(authority: string, storage: AuthStorage, now: number): DiscoveryDocument | undefined {
  return readCache(authority, storage, now)?.discovery;
}

function readCache(authority: string, storage: AuthStorage, now: number): CachedMetadata | undefined {
  const key = METADATA_PREFIX + authority;
  try {
    const cached = readJson<CachedMetadata>(storage, key);
    if (cached && cached.authority === authority && now - cached.fetchedAt < METADATA_TTL_MS && now >= cached.fetchedAt) {
      // Checked as a fetched document is (https endpoints): the cache may predate those
      // checks, or have been written by anything else running on the origin.
      validateDiscovery(cached.discovery as never, authority);
      return cached;
    }
  } catch {
    // Corrupted or refused: fetch afresh.
  }
  safeRemove(storage, key);
  return undefined;
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
