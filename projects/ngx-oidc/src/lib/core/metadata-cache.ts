import type { JSONWebKeySet } from 'jose';
import { fetchDiscovery, validateDiscovery } from './discovery';
import type { KeyStore } from './jwks';
import { loadProtocol } from './protocol-loader';
import { readJson, writeJson, type AuthStorage } from './storage';
import type { DiscoveryDocument, FetchLike } from './types';

/** How long a discovery document is used before it is read again. */
export const METADATA_TTL_MS = 60 * 60 * 1000;

/** Where the copy for the next page of this browser session is kept (+ the authority). */
const METADATA_PREFIX = 'ngx-oidc.metadata.';

/** The provider's discovery document and signing keys. */
export interface ProviderMetadata {
  readonly discovery: DiscoveryDocument;
  readonly keys: KeyStore;
}

interface HeldMetadata extends ProviderMetadata {
  /** When the discovery document was fetched. */
  readonly fetchedAt: number;
}

/** The stored copy: what a page hands the next one (the page the provider redirects back to). */
interface StoredMetadata {
  readonly authority: string;
  readonly discovery: DiscoveryDocument;
  readonly jwks?: JSONWebKeySet;
  readonly fetchedAt: number;
}

/** One client's view of its provider; see {@link createMetadataCache}. */
export interface MetadataCache {
  /**
   * The metadata, fetched only when none is held or its discovery document is stale. Concurrent
   * calls share one request; a failure is not kept (the next call tries again).
   *
   * @throws {AuthError} `network_error`, `discovery_failed`, `invalid_issuer`.
   * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig
   */
  load(): Promise<ProviderMetadata>;
  /**
   * The metadata known now without a request (held, or stored by an earlier page),
   * synchronously: what a tab knows of the provider's endpoints at start-up. `undefined` when
   * there is none, or it is stale.
   */
  known(): ProviderMetadata | undefined;
}

/**
 * Creates one client's view of its provider: one discovery document and one key store for the
 * client's life (oauth4webapi keeps one cache per issuer). Discovery is read again once it is
 * {@link METADATA_TTL_MS} old, with a new key store (its keys fetched when a token is next
 * checked); within that hour the keys are refetched only for a `kid` they lack (see
 * {@link createKeyStore}). Everything fetched is
 * copied to `storage`, so the page after a redirect starts with it: discovery and the JWKS are
 * fetched before the redirect to the provider, and the callback needs only the token request.
 *
 * @param storage Keeps the copy across redirects (sessionStorage, or memory when unusable).
 * @param now Current time in epoch milliseconds.
 */
export function createMetadataCache(authority: string, fetchFn: FetchLike, storage: AuthStorage, now: () => number): MetadataCache {
  const key = METADATA_PREFIX + authority;
  let held: HeldMetadata | undefined;
  let loading: Promise<ProviderMetadata> | undefined;

  function known(): ProviderMetadata | undefined {
    held ??= restore();
    const age = held ? now() - held.fetchedAt : -1;
    return age >= 0 && age < METADATA_TTL_MS ? held : undefined;
  }

  async function fetch(): Promise<ProviderMetadata> {
    const discovery = await fetchDiscovery(authority, fetchFn);
    // A new key store too: the keys are read again when a token is next checked, so a key the
    // provider withdrew is trusted for an hour at most.
    held = { discovery, keys: keyStore(discovery.jwks_uri), fetchedAt: now() };
    save();
    return held;
  }

  // The key store's code (jwks.ts, with jose) loads on demand, with the checks that use it; until
  // then the stored key set is all there is to keep.
  function keyStore(jwksUri: string, initial?: JSONWebKeySet): KeyStore {
    let jwks = initial;
    let store: Promise<KeyStore> | undefined;
    const real = () =>
      (store ??= loadProtocol().then(
        ({ createKeyStore }) =>
          createKeyStore(jwksUri, fetchFn, now, jwks, (fetched) => {
            jwks = fetched;
            save();
          }),
        (err) => {
          store = undefined;
          throw err;
        },
      ));
    return {
      resolve: async (header, token) => (await real()).resolve(header, token),
      prefetch: async () => (await real()).prefetch(),
      current: () => jwks,
    };
  }

  // The stored copy's JWKS is used even when its discovery document is stale.
  function restore(): HeldMetadata | undefined {
    try {
      const stored = readJson<StoredMetadata>(storage, key);
      // Checked as a fetched document is (issuer, https endpoints): anything running on the
      // origin can write the storage.
      if (stored?.authority === authority && stored.fetchedAt <= now()) {
        const discovery = validateDiscovery(stored.discovery as never, authority);
        return { discovery, keys: keyStore(discovery.jwks_uri, stored.jwks), fetchedAt: stored.fetchedAt };
      }
    } catch {
      // Corrupted or refused: fetch afresh.
    }
    return undefined;
  }

  // Best effort: a storage that refuses only costs the next page two requests.
  function save(): void {
    try {
      writeJson(storage, key, { authority, discovery: held!.discovery, jwks: held!.keys.current(), fetchedAt: held!.fetchedAt } satisfies StoredMetadata);
    } catch {
      // Nothing lost but requests on the next page.
    }
  }

  return {
    // Concurrent loads share one request; a failure is not kept.
    load: async () => known() ?? (loading ??= fetch().finally(() => (loading = undefined))),
    known,
  };
}
