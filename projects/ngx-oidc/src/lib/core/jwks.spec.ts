import type { FlattenedJWSInput, JWSHeaderParameters } from 'jose';
import { createKey, DISCOVERY, FakeProvider, NOW, rejectionOf, type TestKey } from '../../test-support/fake-provider';
import { createKeyStore, JWKS_REFETCH_MS } from './jwks';

const JWKS_URI = DISCOVERY.jwks_uri;
const TOKEN: FlattenedJWSInput = { payload: '', signature: '' };

describe('createKeyStore', () => {
  let provider: FakeProvider;
  let k1: TestKey;
  let k2: TestKey;
  let now: number;

  beforeAll(async () => {
    k1 = await createKey('k1');
    k2 = await createKey('k2');
  });

  beforeEach(() => {
    provider = new FakeProvider();
    provider.keys = [k1.jwk];
    now = NOW;
  });

  const clock = () => now;

  const resolve = (store: ReturnType<typeof createKeyStore>, header: JWSHeaderParameters) => store.resolve(header, TOKEN);
  const jwksRequests = () => provider.requestsTo(JWKS_URI).length;

  it('fetches the JWKS lazily, on the first key lookup', async () => {
    const store = createKeyStore(JWKS_URI, provider.fetch, clock);
    expect(jwksRequests()).toBe(0);

    const key = await resolve(store, { alg: 'RS256', kid: 'k1' });

    expect(key.type).toBe('public');
    expect(jwksRequests()).toBe(1);
    expect(store.current()).toEqual({ keys: [k1.jwk] });
  });

  it('fetches once and reuses the key set for later lookups', async () => {
    const store = createKeyStore(JWKS_URI, provider.fetch, clock);
    await resolve(store, { alg: 'RS256', kid: 'k1' });
    await resolve(store, { alg: 'RS256', kid: 'k1' });

    expect(jwksRequests()).toBe(1);
  });

  it('prefetches once, so a later lookup needs no request', async () => {
    const store = createKeyStore(JWKS_URI, provider.fetch, clock);
    await store.prefetch();
    await store.prefetch();
    await resolve(store, { alg: 'RS256', kid: 'k1' });

    expect(jwksRequests()).toBe(1);
  });

  it('uses an initial key set without any request', async () => {
    const store = createKeyStore(JWKS_URI, provider.fetch, clock, { keys: [k1.jwk] });
    await store.prefetch();
    await resolve(store, { alg: 'RS256', kid: 'k1' });

    expect(provider.requests.length).toBe(0);
  });

  it('refetches once when the cached set lacks the kid (key rotation) and then finds it', async () => {
    provider.keys = [k1.jwk, k2.jwk];
    const store = createKeyStore(JWKS_URI, provider.fetch, clock, { keys: [k1.jwk] });

    const key = await resolve(store, { alg: 'RS256', kid: 'k2' });

    expect(key.type).toBe('public');
    expect(jwksRequests()).toBe(1);
    expect(store.current()).toEqual({ keys: [k1.jwk, k2.jwk] });
  });

  it('refetches an unknown kid exactly once, then fails with unknown_kid naming it', async () => {
    const store = createKeyStore(JWKS_URI, provider.fetch, clock, { keys: [k1.jwk] });

    const err = await rejectionOf(resolve(store, { alg: 'RS256', kid: 'nope' }));

    expect(err.code).toBe('unknown_kid');
    expect(err.details).toEqual(jasmine.objectContaining({ claim: 'kid', actual: 'nope' }));
    expect(err.message).toContain('"nope"');
    expect(jwksRequests()).toBe(1);
  });

  it('does not refetch a freshly fetched key set for an unknown kid', async () => {
    const store = createKeyStore(JWKS_URI, provider.fetch, clock);

    expect((await rejectionOf(resolve(store, { alg: 'RS256', kid: 'nope' }))).code).toBe('unknown_kid');
    expect(jwksRequests()).toBe(1);
  });

  it('refetches at most once a minute, whatever unknown kids tokens name', async () => {
    const store = createKeyStore(JWKS_URI, provider.fetch, clock, { keys: [k1.jwk] });
    await rejectionOf(resolve(store, { alg: 'RS256', kid: 'a' }));
    expect(jwksRequests()).toBe(1);

    now += JWKS_REFETCH_MS - 1;
    const err = await rejectionOf(resolve(store, { alg: 'RS256', kid: 'b' }));
    expect(err.code).toBe('unknown_kid');
    expect(err.details).toEqual(jasmine.objectContaining({ claim: 'kid', actual: 'b' }));
    await rejectionOf(resolve(store, { alg: 'RS256', kid: 'c' }));
    expect(jwksRequests()).toBe(1);

    now += 1;
    await rejectionOf(resolve(store, { alg: 'RS256', kid: 'd' }));
    expect(jwksRequests()).toBe(2);
  });

  it('finds a key rotated in a minute after the last fetch, and keeps the new set', async () => {
    const store = createKeyStore(JWKS_URI, provider.fetch, clock);
    await resolve(store, { alg: 'RS256', kid: 'k1' });
    provider.keys = [k2.jwk];

    expect((await rejectionOf(resolve(store, { alg: 'RS256', kid: 'k2' }))).code).toBe('unknown_kid');
    now += JWKS_REFETCH_MS;
    expect((await resolve(store, { alg: 'RS256', kid: 'k2' })).type).toBe('public');

    expect(jwksRequests()).toBe(2);
    expect(store.current()).toEqual({ keys: [k2.jwk] });
    // The replaced set is gone: its key no longer resolves, and within the minute nothing is fetched.
    expect((await rejectionOf(resolve(store, { alg: 'RS256', kid: 'k1' }))).code).toBe('unknown_kid');
    expect(jwksRequests()).toBe(2);
  });

  it('shares one refetch among concurrent lookups that all miss', async () => {
    provider.keys = [k1.jwk, k2.jwk];
    const store = createKeyStore(JWKS_URI, provider.fetch, clock, { keys: [k1.jwk] });

    const keys = await Promise.all(Array.from({ length: 5 }, () => resolve(store, { alg: 'RS256', kid: 'k2' })));

    expect(keys.every((k) => k.type === 'public')).toBeTrue();
    expect(jwksRequests()).toBe(1);
  });

  it('shares one first fetch among concurrent lookups, and tries again after a failed one', async () => {
    provider.on(JWKS_URI, () => ({ status: 404, json: {} }));
    const store = createKeyStore(JWKS_URI, provider.fetch, clock);

    const errors = await Promise.all([1, 2, 3].map(() => rejectionOf(resolve(store, { alg: 'RS256', kid: 'k1' }))));
    expect(errors.map((e) => e.code)).toEqual(['jwks_failed', 'jwks_failed', 'jwks_failed']);
    expect(jwksRequests()).toBe(1);

    provider.on(JWKS_URI, () => ({ status: 200, json: { keys: [k1.jwk] } }));
    expect((await resolve(store, { alg: 'RS256', kid: 'k1' })).type).toBe('public');
    expect(jwksRequests()).toBe(2);
  });

  it('does not count a failed refetch against the minute: a rotated key is found on the next try', async () => {
    const store = createKeyStore(JWKS_URI, provider.fetch, clock, { keys: [k1.jwk] });
    provider.on(JWKS_URI, () => ({ status: 503, json: {} })); // the JWKS is down during a rotation

    expect((await rejectionOf(resolve(store, { alg: 'RS256', kid: 'k2' }))).code).toBe('jwks_failed');
    const failed = jwksRequests();
    now += 5_000; // a renewal retried with backoff
    provider.on(JWKS_URI, () => ({ status: 200, json: { keys: [k1.jwk, k2.jwk] } }));

    expect((await resolve(store, { alg: 'RS256', kid: 'k2' })).type).toBe('public');
    expect(jwksRequests()).toBe(failed + 1);
  });

  it('tells about each key set it fetched', async () => {
    provider.keys = [k1.jwk, k2.jwk];
    const seen: unknown[] = [];
    const store = createKeyStore(JWKS_URI, provider.fetch, clock, { keys: [k1.jwk] }, (jwks) => seen.push(jwks));

    await resolve(store, { alg: 'RS256', kid: 'k1' });
    expect(seen).toEqual([]);
    await resolve(store, { alg: 'RS256', kid: 'k2' });
    expect(seen).toEqual([{ keys: [k1.jwk, k2.jwk] }]);
  });

  it('resolves a token without kid when exactly one key fits', async () => {
    const store = createKeyStore(JWKS_URI, provider.fetch, clock);

    expect((await resolve(store, { alg: 'RS256' })).type).toBe('public');
  });

  it('refuses a token without kid when several keys fit, with unknown_kid', async () => {
    provider.keys = [k1.jwk, k2.jwk];
    const store = createKeyStore(JWKS_URI, provider.fetch, clock);

    const err = await rejectionOf(resolve(store, { alg: 'RS256' }));

    expect(err.code).toBe('unknown_kid');
    expect(err.message).toContain('ambiguous');
  });

  it('fails with jwks_failed when the JWKS answers an error status', async () => {
    provider.on(JWKS_URI, () => ({ status: 500, json: { error: 'boom' } }));

    const err = await rejectionOf(resolve(createKeyStore(JWKS_URI, provider.fetch, clock), { alg: 'RS256', kid: 'k1' }));

    expect(err.code).toBe('jwks_failed');
    expect(err.details.status).toBe(500);
  });

  it('fails with jwks_failed on an error status even when the body looks like a key set', async () => {
    provider.on(JWKS_URI, () => ({ status: 503, json: { keys: [k1.jwk] } }));

    const err = await rejectionOf(createKeyStore(JWKS_URI, provider.fetch, clock).prefetch());

    expect(err.code).toBe('jwks_failed');
    expect(err.details.status).toBe(503);
  });

  it('fails with jwks_failed when the JWKS has no keys array', async () => {
    provider.on(JWKS_URI, () => ({ status: 200, json: { keys: 'none' } }));

    expect((await rejectionOf(createKeyStore(JWKS_URI, provider.fetch, clock).prefetch())).code).toBe('jwks_failed');
  });

  it('fails with jwks_failed when the JWKS is malformed', async () => {
    provider.on(JWKS_URI, () => ({ status: 200, json: { keys: [42] } }));

    expect((await rejectionOf(createKeyStore(JWKS_URI, provider.fetch, clock).prefetch())).code).toBe('jwks_failed');
  });

  it('fails with jwks_failed when the JWKS is not JSON', async () => {
    provider.on(JWKS_URI, () => ({ status: 200, text: '<html></html>' }));

    expect((await rejectionOf(createKeyStore(JWKS_URI, provider.fetch, clock).prefetch())).code).toBe('jwks_failed');
  });

  it('fails with network_error when the JWKS cannot be reached', async () => {
    provider.on(JWKS_URI, () => 'network-error');

    expect((await rejectionOf(createKeyStore(JWKS_URI, provider.fetch, clock).prefetch())).code).toBe('network_error');
  });
});
