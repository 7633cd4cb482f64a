import {
  CLIENT_ID,
  createKey,
  DISCOVERY,
  FailingStorage,
  FakeProvider,
  idTokenClaims,
  ISSUER,
  NOW,
  quotaExceeded,
  rejectionOf,
  signToken,
  type TestKey,
} from '../../test-support/fake-provider';
import { validateIdToken } from './id-token';
import { cachedDiscovery, loadProviderMetadata, METADATA_TTL_MS, saveProviderMetadata, type ProviderMetadata } from './provider-metadata';
import { MemoryStorage } from './storage';

const DISCOVERY_URL = `${ISSUER}/.well-known/openid-configuration`;
const CACHE_KEY = `ngx-oidc.metadata.${ISSUER}`;

describe('provider metadata', () => {
  let provider: FakeProvider;
  let storage: MemoryStorage;
  let k1: TestKey;
  let k2: TestKey;

  beforeAll(async () => {
    [k1, k2] = await Promise.all([createKey('k1'), createKey('k2')]);
  });

  beforeEach(() => {
    provider = new FakeProvider();
    provider.keys = [k1.jwk];
    storage = new MemoryStorage();
  });

  /** What a login page does: load, prefetch the keys, save for the callback page. */
  async function firstPage(now = NOW): Promise<ProviderMetadata> {
    const metadata = await loadProviderMetadata(ISSUER, provider.fetch, storage, now);
    await metadata.keys.prefetch();
    saveProviderMetadata(ISSUER, metadata, storage, now);
    return metadata;
  }

  async function verifyWith(metadata: ProviderMetadata, key: TestKey): Promise<void> {
    const token = await signToken(key, idTokenClaims('n'));
    await validateIdToken(token, metadata.keys.resolve, { issuer: ISSUER, clientId: CLIENT_ID, nonce: 'n', clockSkewSeconds: 60, now: NOW });
  }

  it('fetches discovery on a cold start and the JWKS only when needed', async () => {
    const metadata = await loadProviderMetadata(ISSUER, provider.fetch, storage, NOW);

    expect(metadata.discovery).toEqual(DISCOVERY);
    expect(provider.requests.map((r) => r.url)).toEqual([DISCOVERY_URL]);

    await metadata.keys.prefetch();
    expect(provider.requests.map((r) => r.url)).toEqual([DISCOVERY_URL, DISCOVERY.jwks_uri]);
  });

  it('reuses discovery and JWKS saved by an earlier page within the TTL: zero requests', async () => {
    await firstPage();
    provider.requests.length = 0;

    const metadata = await loadProviderMetadata(ISSUER, provider.fetch, storage, NOW + METADATA_TTL_MS - 1);
    await metadata.keys.prefetch();
    await verifyWith(metadata, k1);

    expect(metadata.discovery).toEqual(DISCOVERY);
    expect(provider.requests.length).toBe(0);
  });

  it('refetches discovery once the cache has expired and drops the stale entry', async () => {
    await firstPage();
    provider.requests.length = 0;

    await loadProviderMetadata(ISSUER, provider.fetch, storage, NOW + METADATA_TTL_MS);

    expect(provider.requests.map((r) => r.url)).toEqual([DISCOVERY_URL]);
    expect(storage.getItem(CACHE_KEY)).toBeNull();
  });

  it('does not trust a cache written in the future (clock changed)', async () => {
    await firstPage(NOW + 60_000);
    provider.requests.length = 0;

    await loadProviderMetadata(ISSUER, provider.fetch, storage, NOW);

    expect(provider.requests.map((r) => r.url)).toEqual([DISCOVERY_URL]);
  });

  it('does not use the cache of another authority', async () => {
    await firstPage();
    provider.requests.length = 0;
    provider.on('https://other.example.com/.well-known/openid-configuration', () => ({
      status: 200,
      json: { ...DISCOVERY, issuer: 'https://other.example.com' },
    }));

    const metadata = await loadProviderMetadata('https://other.example.com', provider.fetch, storage, NOW);

    expect(metadata.discovery.issuer).toBe('https://other.example.com');
    expect(provider.requests.length).toBe(1);
  });

  it('ignores a cache entry that names another authority', async () => {
    storage.setItem(CACHE_KEY, JSON.stringify({ authority: 'https://evil.test', discovery: { ...DISCOVERY, issuer: 'https://evil.test' }, fetchedAt: NOW }));

    const metadata = await loadProviderMetadata(ISSUER, provider.fetch, storage, NOW);

    expect(metadata.discovery.issuer).toBe(ISSUER);
    expect(provider.requests.length).toBe(1);
  });

  it('refetches instead of using a cached document whose end_session_endpoint is javascript:', async () => {
    storage.setItem(CACHE_KEY, JSON.stringify({ authority: ISSUER, discovery: { ...DISCOVERY, end_session_endpoint: 'javascript:alert(1)' }, fetchedAt: NOW }));

    const metadata = await loadProviderMetadata(ISSUER, provider.fetch, storage, NOW);

    expect(metadata.discovery.end_session_endpoint).toBe(DISCOVERY.end_session_endpoint);
    expect(provider.requests.map((r) => r.url)).toEqual([DISCOVERY_URL]);
  });

  it('hands the cached discovery document over synchronously (start-up), none when stale or refused', async () => {
    expect(cachedDiscovery(ISSUER, storage, NOW)).toBeUndefined();
    await firstPage();
    expect(cachedDiscovery(ISSUER, storage, NOW)).toEqual(DISCOVERY);
    expect(cachedDiscovery(ISSUER, storage, NOW + METADATA_TTL_MS)).toBeUndefined();
    storage.setItem(CACHE_KEY, JSON.stringify({ authority: ISSUER, discovery: { ...DISCOVERY, token_endpoint: 'http://idp.example.com/token' }, fetchedAt: NOW }));
    expect(cachedDiscovery(ISSUER, storage, NOW)).toBeUndefined();
  });

  it('refetches when the cache is corrupted', async () => {
    storage.setItem(CACHE_KEY, '{corrupted');

    const metadata = await loadProviderMetadata(ISSUER, provider.fetch, storage, NOW);

    expect(metadata.discovery).toEqual(DISCOVERY);
    expect(provider.requests.length).toBe(1);
  });

  it('still refetches the JWKS once for a rotated key missing from the cached set', async () => {
    await firstPage();
    provider.requests.length = 0;
    provider.keys = [k1.jwk, k2.jwk];

    const metadata = await loadProviderMetadata(ISSUER, provider.fetch, storage, NOW + 1000);
    await verifyWith(metadata, k2);

    expect(provider.requests.map((r) => r.url)).toEqual([DISCOVERY.jwks_uri]);
  });

  it('fetches the JWKS on the next page when it was not fetched before saving', async () => {
    saveProviderMetadata(ISSUER, await loadProviderMetadata(ISSUER, provider.fetch, storage, NOW), storage, NOW);
    provider.requests.length = 0;

    const metadata = await loadProviderMetadata(ISSUER, provider.fetch, storage, NOW);
    await verifyWith(metadata, k1);

    expect(provider.requests.map((r) => r.url)).toEqual([DISCOVERY.jwks_uri]);
  });

  it('saves nothing but does not fail when storage is full', async () => {
    const failing = new FailingStorage();
    const metadata = await loadProviderMetadata(ISSUER, provider.fetch, failing, NOW);
    failing.failSet = quotaExceeded();

    expect(() => saveProviderMetadata(ISSUER, metadata, failing, NOW)).not.toThrow();
    expect(failing.length).toBe(0);
  });

  it('propagates discovery failures', async () => {
    provider.discovery = { ...DISCOVERY, issuer: 'https://evil.test' };

    expect((await rejectionOf(loadProviderMetadata(ISSUER, provider.fetch, storage, NOW))).code).toBe('invalid_issuer');
  });
});
