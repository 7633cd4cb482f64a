import { rejectionOf, SCOPE } from '../../../test-support/fake-provider';
import { createDpopKeyStore, openDpopKeyRecords, type DpopKeyRecords } from './dpop-key';

/** IndexedDB's semantics in memory: `add` is atomic, as a readwrite transaction is. */
class MemoryKeyRecords implements DpopKeyRecords {
  readonly pairs = new Map<string, CryptoKeyPair>();
  failAdd?: Error;
  async get(name: string): Promise<CryptoKeyPair | undefined> {
    return this.pairs.get(name);
  }
  async add(name: string, pair: CryptoKeyPair): Promise<CryptoKeyPair> {
    if (this.failAdd) throw this.failAdd;
    const stored = this.pairs.get(name);
    if (stored) return stored;
    this.pairs.set(name, pair);
    return pair;
  }
  async delete(name: string): Promise<void> {
    this.pairs.delete(name);
  }
}

describe('DPoP key store', () => {
  it('creates a non-extractable ES256 key pair and describes its public key', async () => {
    const records = new MemoryKeyRecords();
    const key = await createDpopKeyStore(SCOPE, records).get();
    expect(key.privateKey.extractable).toBe(false);
    expect(key.privateKey.algorithm).toEqual(jasmine.objectContaining({ name: 'ECDSA', namedCurve: 'P-256' }));
    // Only the public members (RFC 9449 §4.2): never d, nor key_ops or ext.
    expect(Object.keys(key.jwk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(key.thumbprint).toMatch(/^[\w-]{43}$/);
    expect(records.pairs.size).toBe(1);
  });

  it('keeps one key per issuer and client id', async () => {
    const records = new MemoryKeyRecords();
    const a = await createDpopKeyStore(SCOPE, records).get();
    const again = await createDpopKeyStore(SCOPE, records).get();
    const otherClient = await createDpopKeyStore({ ...SCOPE, clientId: 'other' }, records).get();
    const otherIssuer = await createDpopKeyStore({ ...SCOPE, authority: 'https://staging.example.com' }, records).get();
    expect(again.thumbprint).toBe(a.thumbprint);
    expect(new Set([a.thumbprint, otherClient.thumbprint, otherIssuer.thumbprint]).size).toBe(3);
  });

  it('ends with one key when two tabs create it at the same time', async () => {
    const records = new MemoryKeyRecords();
    const [a, b] = await Promise.all([createDpopKeyStore(SCOPE, records).get(), createDpopKeyStore(SCOPE, records).get()]);
    expect(a.thumbprint).toBe(b.thumbprint);
    expect(a.privateKey).toBe(b.privateKey);
    expect(records.pairs.size).toBe(1);
  });

  it('makes a new key after forget()', async () => {
    const records = new MemoryKeyRecords();
    const store = createDpopKeyStore(SCOPE, records);
    const before = await store.get();
    await store.forget();
    expect(records.pairs.size).toBe(0);
    const after = await store.get();
    expect(after.thumbprint).not.toBe(before.thumbprint);
  });

  it('reads the stored key again on reload, after another tab replaced it', async () => {
    const records = new MemoryKeyRecords();
    const tab1 = createDpopKeyStore(SCOPE, records);
    const tab2 = createDpopKeyStore(SCOPE, records);
    await tab1.get();
    await tab2.forget();
    const replaced = await tab2.get();
    expect((await tab1.get(true)).thumbprint).toBe(replaced.thumbprint);
  });

  it('fails with dpop_unavailable without Web Crypto', async () => {
    const err = await rejectionOf(createDpopKeyStore(SCOPE, new MemoryKeyRecords(), null).get());
    expect(err.code).toBe('dpop_unavailable');
  });

  it('fails with dpop_unavailable when the key cannot be stored, and tries again on the next call', async () => {
    const records = new MemoryKeyRecords();
    records.failAdd = new DOMException('The object could not be cloned.', 'DataCloneError');
    const store = createDpopKeyStore(SCOPE, records);
    const err = await rejectionOf(store.get());
    expect(err.code).toBe('dpop_unavailable');
    expect(err.details.cause).toBe(records.failAdd);
    records.failAdd = undefined;
    await expectAsync(store.get()).toBeResolved();
  });

  it('fails with dpop_unavailable without IndexedDB', async () => {
    const err = await rejectionOf(createDpopKeyStore(SCOPE, openDpopKeyRecords(null)).get());
    expect(err.code).toBe('dpop_unavailable');
  });

  it('fails with dpop_unavailable when IndexedDB cannot be opened', async () => {
    const failing = {
      open() {
        const request = {} as IDBOpenDBRequest & { error: DOMException };
        Object.defineProperty(request, 'error', { value: new DOMException('denied', 'InvalidStateError') });
        queueMicrotask(() => request.onerror?.(new Event('error')));
        return request;
      },
    } as unknown as IDBFactory;
    const err = await rejectionOf(createDpopKeyStore(SCOPE, openDpopKeyRecords(failing)).get());
    expect(err.code).toBe('dpop_unavailable');
  });

  describe('in IndexedDB (the browser running the tests)', () => {
    const database = `ngx-oidc-dpop-test-${crypto.randomUUID()}`;

    afterAll(async () => {
      await new Promise((resolve) => {
        const request = indexedDB.deleteDatabase(database);
        request.onsuccess = request.onerror = request.onblocked = resolve;
      });
    });

    it('stores the non-extractable key, shares it between tabs and reloads, and forgets it', async () => {
      // Two tabs: two connections to the same database, racing to create the key.
      const [a, b] = await Promise.all([
        createDpopKeyStore(SCOPE, openDpopKeyRecords(indexedDB, database)).get(),
        createDpopKeyStore(SCOPE, openDpopKeyRecords(indexedDB, database)).get(),
      ]);
      expect(a.thumbprint).toBe(b.thumbprint);
      // A reload: a new connection reads the stored CryptoKey, still non-extractable.
      const reloaded = createDpopKeyStore(SCOPE, openDpopKeyRecords(indexedDB, database));
      const c = await reloaded.get();
      expect(c.thumbprint).toBe(a.thumbprint);
      expect(c.privateKey.extractable).toBe(false);
      await reloaded.forget();
      const d = await createDpopKeyStore(SCOPE, openDpopKeyRecords(indexedDB, database)).get();
      expect(d.thumbprint).not.toBe(a.thumbprint);
    });
  });
});
