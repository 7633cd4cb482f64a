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
import { createMetadataCache, METADATA_TTL_MS, type MetadataCache, type ProviderMetadata } from './metadata-cache';
import { MemoryStorage, type AuthStorage } from './storage';

const DISCOVERY_URL = `${ISSUER}/.well-known/openid-configuration`;
const JWKS_URI = DISCOVERY.jwks_uri;
const CACHE_KEY = `ngx-oidc.metadata.${ISSUER}`;

describe('createMetadataCache', () => {
  let provider: FakeProvider;
  let storage: MemoryStorage;
  let now: number;
  let k1: TestKey;
  let k2: TestKey;

  beforeAll(async () => {
    [k1, k2] = await Promise.all([createKey('k1'), createKey('k2')]);
  });

  beforeEach(() => {
    provider = new FakeProvider();
    provider.keys = [k1.jwk];
    storage = new MemoryStorage();
    now = NOW;
  });

  /** The cache of one page load (a client); a new one over the same storage is the next page. */
  function page(over: AuthStorage = storage, authority = ISSUER): MetadataCache {
    return createMetadataCache(authority, provider.fetch, over, () => now);
  }

  /** What a login page does before the redirect: load, prefetch the keys. */
  async function loginPage(): Promise<ProviderMetadata> {
    const metadata = await page().load();
    await metadata.keys.prefetch();
    provider.requests.length = 0;
    return metadata;
  }

  async function verifyWith(metadata: ProviderMetadata, key: TestKey): Promise<void> {
    const token = await signToken(key, idTokenClaims('n'));
    await validateIdToken(token, metadata.keys.resolve, { issuer: ISSUER, clientId: CLIENT_ID, nonce: 'n', clockSkewSeconds: 60, now: NOW });
  }

  const urls = () => provider.requests.map((r) => r.url);

  it('fetches discovery once for many loads, and the JWKS once when needed: one discovery, one key store', async () => {
    const cache = page();
    const first = await cache.load();
    expect(first.discovery).toEqual(DISCOVERY);
    expect(urls()).toEqual([DISCOVERY_URL]);

    for (let i = 0; i < 5; i++) {
      const again = await cache.load();
      expect(again.discovery).toBe(first.discovery);
      expect(again.keys).toBe(first.keys);
      await verifyWith(again, k1);
    }

    expect(urls()).toEqual([DISCOVERY_URL, JWKS_URI]);
  });

  it('shares one discovery request among concurrent loads', async () => {
    const cache = page();

    const all = await Promise.all(Array.from({ length: 10 }, () => cache.load()));

    expect(urls()).toEqual([DISCOVERY_URL]);
    expect(new Set(all.map((m) => m.keys)).size).toBe(1);
  });

  it('keeps no failure: the next load fetches again', async () => {
    provider.on(DISCOVERY_URL, () => ({ status: 404, json: {} }));
    const cache = page();

    const errors = await Promise.all([cache.load(), cache.load()].map((p) => rejectionOf(p)));
    expect(errors.map((e) => e.code)).toEqual(['discovery_failed', 'discovery_failed']);
    expect(urls()).toEqual([DISCOVERY_URL]);
    expect(cache.known()).toBeUndefined();

    provider.on(DISCOVERY_URL, () => ({ status: 200, json: DISCOVERY }));
    expect((await cache.load()).discovery).toEqual(DISCOVERY);
    expect(urls()).toEqual([DISCOVERY_URL, DISCOVERY_URL]);
  });

  it('propagates discovery failures (invalid_issuer)', async () => {
    provider.discovery = { ...DISCOVERY, issuer: 'https://evil.test' };

    expect((await rejectionOf(page().load())).code).toBe('invalid_issuer');
  });

  it('reads discovery again once it is an hour old, and the keys when a token is next checked', async () => {
    const cache = page();
    const first = await cache.load();
    await first.keys.prefetch();
    provider.requests.length = 0;

    now = NOW + METADATA_TTL_MS - 1;
    expect((await cache.load()).keys).toBe(first.keys);
    expect(urls()).toEqual([]);

    now = NOW + METADATA_TTL_MS;
    provider.discovery = { ...DISCOVERY, userinfo_endpoint: `${ISSUER}/me` };
    const renewed = await Promise.all([cache.load(), cache.load()]);
    await verifyWith(renewed[0], k1);

    // A key the provider withdrew is not trusted beyond the hour.
    expect(urls()).toEqual([DISCOVERY_URL, JWKS_URI]);
    expect(renewed[0].discovery.userinfo_endpoint).toBe(`${ISSUER}/me`);
    expect(renewed[0].keys).not.toBe(first.keys);
    expect(renewed[1]).toBe(renewed[0]);
    expect(cache.known()).toBe(renewed[0]);
  });

  it('starts a new key store when the refreshed discovery names another jwks_uri', async () => {
    const cache = page();
    const first = await cache.load();
    await first.keys.prefetch();
    const rotatedUri = `${ISSUER}/keys/v2`;
    provider.on(rotatedUri, () => ({ status: 200, json: { keys: [k2.jwk] } }));
    provider.discovery = { ...DISCOVERY, jwks_uri: rotatedUri };
    provider.requests.length = 0;

    now = NOW + METADATA_TTL_MS;
    const renewed = await cache.load();
    await verifyWith(renewed, k2);

    expect(renewed.keys).not.toBe(first.keys);
    expect(urls()).toEqual([DISCOVERY_URL, rotatedUri]);
  });

  it('hands over what it knows synchronously (start-up): nothing, then the discovery, none once stale', async () => {
    expect(page().known()).toBeUndefined();
    await loginPage();

    const next = page();
    expect(next.known()?.discovery).toEqual(DISCOVERY);
    now = NOW + METADATA_TTL_MS;
    expect(next.known()).toBeUndefined();
    expect(page().known()).toBeUndefined();
    expect(urls()).toEqual([]);
  });

  it('starts the page after a redirect with the stored discovery and JWKS: zero requests', async () => {
    await loginPage();
    now = NOW + METADATA_TTL_MS - 1;

    const metadata = await page().load();
    await metadata.keys.prefetch();
    await verifyWith(metadata, k1);

    expect(metadata.discovery).toEqual(DISCOVERY);
    expect(urls()).toEqual([]);
  });

  it('reads a stale stored copy again, discovery and keys (a withdrawn key is not trusted longer)', async () => {
    await loginPage();
    now = NOW + METADATA_TTL_MS;

    const metadata = await page().load();
    await verifyWith(metadata, k1);

    expect(urls()).toEqual([DISCOVERY_URL, JWKS_URI]);
    expect(JSON.parse(storage.getItem(CACHE_KEY)!).fetchedAt).toBe(now);
  });

  it('keeps a JWKS refetched for a new kid for the next page', async () => {
    await loginPage();
    provider.keys = [k1.jwk, k2.jwk];

    const metadata = await page().load();
    await verifyWith(metadata, k2);
    expect(urls()).toEqual([JWKS_URI]);
    provider.requests.length = 0;

    const next = await page().load();
    await verifyWith(next, k2);
    expect(urls()).toEqual([]);
    expect(JSON.parse(storage.getItem(CACHE_KEY)!).jwks).toEqual({ keys: [k1.jwk, k2.jwk] });
  });

  it('fetches the JWKS on the next page when none was fetched before', async () => {
    await page().load();
    provider.requests.length = 0;

    const metadata = await page().load();
    await verifyWith(metadata, k1);

    expect(urls()).toEqual([JWKS_URI]);
  });

  it('does not trust a stored copy written in the future (clock changed)', async () => {
    now = NOW + 60_000;
    await loginPage();
    now = NOW;

    await page().load();

    expect(urls()).toEqual([DISCOVERY_URL]);
  });

  it('does not use the stored copy of another authority', async () => {
    await loginPage();
    provider.on('https://other.example.com/.well-known/openid-configuration', () => ({
      status: 200,
      json: { ...DISCOVERY, issuer: 'https://other.example.com' },
    }));

    const metadata = await page(storage, 'https://other.example.com').load();

    expect(metadata.discovery.issuer).toBe('https://other.example.com');
    expect(provider.requests.length).toBe(1);
  });

  it('ignores a stored copy that names another authority', async () => {
    storage.setItem(CACHE_KEY, JSON.stringify({ authority: 'https://evil.test', discovery: { ...DISCOVERY, issuer: 'https://evil.test' }, fetchedAt: NOW }));

    const metadata = await page().load();

    expect(metadata.discovery.issuer).toBe(ISSUER);
    expect(provider.requests.length).toBe(1);
  });

  it('refetches instead of using a stored document whose end_session_endpoint is javascript:', async () => {
    storage.setItem(CACHE_KEY, JSON.stringify({ authority: ISSUER, discovery: { ...DISCOVERY, end_session_endpoint: 'javascript:alert(1)' }, fetchedAt: NOW }));
    const cache = page();

    expect(cache.known()).toBeUndefined();
    expect((await cache.load()).discovery.end_session_endpoint).toBe(DISCOVERY.end_session_endpoint);
    expect(urls()).toEqual([DISCOVERY_URL]);
  });

  it('refetches when the stored copy is corrupted', async () => {
    storage.setItem(CACHE_KEY, '{corrupted');

    const metadata = await page().load();

    expect(metadata.discovery).toEqual(DISCOVERY);
    expect(provider.requests.length).toBe(1);
  });

  it('works from memory when storage is full or refused, storing nothing', async () => {
    const failing = new FailingStorage();
    failing.failSet = quotaExceeded();
    const cache = page(failing);

    const metadata = await cache.load();
    await metadata.keys.prefetch();
    expect((await cache.load()).keys).toBe(metadata.keys);
    expect(failing.length).toBe(0);

    failing.failGet = new Error('SecurityError');
    expect(cache.known()).toBe(metadata);
    expect((await page(failing).load()).discovery).toEqual(DISCOVERY);
    expect(urls()).toEqual([DISCOVERY_URL, JWKS_URI, DISCOVERY_URL]);
  });
});
