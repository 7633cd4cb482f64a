import { rejectionOf, SCOPE } from '../../../test-support/fake-provider';
import { scopeName } from '../session-store';
import { createDpopKeyStore, openDpopKeyRecords, type DpopKeyNews, type DpopKeyRecords } from './dpop-key';

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

/** The tabs' news of a key, delivered at once: `posts` counts what each tab posted. */
class NewsHub {
  readonly listeners: (() => void)[] = [];
  posts = 0;
  open = (): DpopKeyNews => {
    let mine: (() => void) | undefined;
    return {
      post: () => {
        this.posts++;
        this.listeners.filter((listener) => listener !== mine).forEach((listener) => listener());
      },
      onPost: (listener) => void this.listeners.push((mine = listener)),
    };
  };
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

  it('signs with the new key in a tab that kept a copy, after another tab logged out and in again', async () => {
    const records = new MemoryKeyRecords();
    const hub = new NewsHub();
    const tab1 = createDpopKeyStore(SCOPE, records, crypto.subtle, hub.open);
    const tab2 = createDpopKeyStore(SCOPE, records, crypto.subtle, hub.open);
    const old = await tab1.get();
    expect((await tab2.get()).thumbprint).toBe(old.thumbprint);
    // Tab 1 logs out (the key is deleted), then logs in again with a new key; tab 2 adopts
    // that login's session and must sign with its key, not its copy of the old one.
    await tab1.forget();
    const renewed = await tab1.get(true);
    expect(renewed.thumbprint).not.toBe(old.thumbprint);
    expect((await tab2.get()).thumbprint).toBe(renewed.thumbprint);
  });

  it('posts news only when this tab deleted the key or stored its own', async () => {
    const records = new MemoryKeyRecords();
    const hub = new NewsHub();
    const [a, b] = [createDpopKeyStore(SCOPE, records, crypto.subtle, hub.open), createDpopKeyStore(SCOPE, records, crypto.subtle, hub.open)];
    await Promise.all([a.get(), b.get()]);
    expect(hub.posts).toBe(1); // one stored the key; the other read it
    await a.get(true);
    expect(hub.posts).toBe(1);
    await a.forget();
    expect(hub.posts).toBe(2);
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

    it("tells the other tabs over a BroadcastChannel that the key changed", async () => {
      const scope = { ...SCOPE, clientId: `news-${crypto.randomUUID()}` };
      const tab1 = createDpopKeyStore(scope, openDpopKeyRecords(indexedDB, database));
      const tab2 = createDpopKeyStore(scope, openDpopKeyRecords(indexedDB, database));
      const old = await tab2.get();
      // A channel opened after tab 2's hears each post after tab 2 did (messages reach a
      // name's channels in the order they were made).
      const probe = new BroadcastChannel(`ngx-oidc-dpop:${scopeName(scope)}`);
      const heard = () => new Promise((resolve) => probe.addEventListener('message', resolve, { once: true }));
      try {
        let news = heard();
        await tab1.forget();
        await news;
        news = heard();
        const renewed = await tab1.get();
        await news;
        expect(renewed.thumbprint).not.toBe(old.thumbprint);
        expect((await tab2.get()).thumbprint).toBe(renewed.thumbprint);
      } finally {
        probe.close();
      }
    });
  });
});
