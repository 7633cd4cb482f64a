import type { JWK } from 'jose';
import { calculateJwkThumbprint } from 'jose/jwk/thumbprint';
import { AuthError } from '../errors';
import { scopeName, type SessionScope } from '../session-store';

/**
 * Where the DPoP key pairs are kept: IndexedDB in a browser ({@link openDpopKeyRecords}), a
 * map in tests. A `CryptoKey` is structured-cloneable, so the non-extractable private key is
 * stored as the key object itself, never as key material.
 */
export interface DpopKeyRecords {
  /** The pair stored under `name`, if any. */
  get(name: string): Promise<CryptoKeyPair | undefined>;
  /**
   * In one atomic step (one IndexedDB `readwrite` transaction, which the browser runs one at a
   * time for all tabs): the pair already stored under `name` if there is one, else `pair`,
   * stored. Two tabs racing to create a key thus end with the same one.
   */
  add(name: string, pair: CryptoKeyPair): Promise<CryptoKeyPair>;
  /** Removes the pair stored under `name`. */
  delete(name: string): Promise<void>;
}

/** A DPoP key: the private key that signs proofs, its public JWK and the JWK's thumbprint. */
export interface DpopKey {
  /** Non-extractable ECDSA P-256 private key: scripts can sign with it, never read it. */
  readonly privateKey: CryptoKey;
  /** The public key as the `jwk` header of a proof: `kty`, `crv`, `x`, `y` only (RFC 9449 §4.2). */
  readonly jwk: JWK;
  /** The JWK SHA-256 thumbprint of `jwk` (RFC 7638): `dpop_jkt` and the token's `cnf.jkt`. */
  readonly thumbprint: string;
}

/** The DPoP key of one client at one issuer, shared by the app's tabs: see {@link createDpopKeyStore}. */
export interface DpopKeyStore {
  /**
   * The key, created (and stored) when there is none yet.
   * @param reload Read the stored key again instead of this tab's copy (another tab may have
   *   replaced it since: a login does this).
   * @throws {AuthError} `dpop_unavailable`.
   */
  get(reload?: boolean): Promise<DpopKey>;
  /** This tab's copy of the key, the one its proofs are signed with, if it has one: never reads nor creates one. */
  held(): Promise<DpopKey> | undefined;
  /**
   * Deletes the key (logout): the next {@link get} creates another, so tokens bound to this
   * one cannot be used by this browser any more.
   * @throws {AuthError} `dpop_unavailable` when the stored key cannot be deleted.
   */
  forget(): Promise<void>;
}

/**
 * News of a stored key between the app's tabs: a tab that deleted the key or stored a new one
 * posts; the others drop their copy and read the stored key at their next proof.
 */
export interface DpopKeyNews {
  /** Tells the other tabs that the stored key changed. */
  post(): void;
  /** Calls `listener` when another tab posts. */
  onPost(listener: () => void): void;
}

/**
 * {@link DpopKeyNews} over a `BroadcastChannel` named by the key (every browser with IndexedDB
 * has one); `undefined` where there is none.
 */
export function broadcastKeyNews(name: string): DpopKeyNews | undefined {
  if (typeof BroadcastChannel !== 'function') return undefined;
  const channel = new BroadcastChannel(`ngx-oidc-dpop:${name}`);
  return { post: () => channel.postMessage(0), onPost: (listener) => channel.addEventListener('message', listener) };
}

/**
 * The DPoP key store of a client: one non-extractable ES256 key pair per issuer and client id
 * (`scopeName`), kept in `records` (IndexedDB) so every tab and every reload signs with the same
 * key, until {@link DpopKeyStore.forget}. This tab keeps a copy of the key it read, until
 * another tab says (`news`) that it deleted the key or stored a new one: a tab that adopts the
 * session of a login made in another tab after a logout must sign with that login's key.
 *
 * There is no fallback: without IndexedDB or Web Crypto, or where a key cannot be stored (some
 * private modes), {@link DpopKeyStore.get} fails with `dpop_unavailable`, and so does the login
 * or request that needed it. A key that lived in memory only would be lost at the next reload,
 * and with it every token bound to it; sending the token as a Bearer token would defeat DPoP.
 *
 * @param subtle Web Crypto (`crypto.subtle` by default; `null`: none).
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-2
 */
export function createDpopKeyStore(
  scope: SessionScope,
  records: DpopKeyRecords = openDpopKeyRecords(),
  subtle: SubtleCrypto | null | undefined = globalThis.crypto?.subtle,
  news: (name: string) => DpopKeyNews | undefined = broadcastKeyNews,
): DpopKeyStore {
  const name = scopeName(scope);
  let current: Promise<DpopKey> | undefined;
  let heard: DpopKeyNews | undefined;
  let listening = false;
  // Opened once IndexedDB answered: never on a server, where a channel would keep Node running.
  const listen = () => {
    if (!listening) {
      listening = true;
      heard = news(name);
      heard?.onPost(() => (current = undefined));
    }
    return heard;
  };

  return {
    get(reload) {
      if (reload || !current) {
        const key = (current = load());
        // A failure is not kept: the next call tries again.
        key.catch(() => {
          if (current === key) current = undefined;
        });
      }
      return current;
    },
    held: () => current,
    async forget() {
      current = undefined;
      try {
        await records.delete(name);
      } catch (cause) {
        throw unavailable(cause, (typeof ngDevMode === 'undefined' || ngDevMode) ? 'The DPoP key could not be deleted from IndexedDB.' : '');
      }
      listen()?.post();
    },
  };

  async function load(): Promise<DpopKey> {
    if (!subtle) {
      throw unavailable(undefined, (typeof ngDevMode === 'undefined' || ngDevMode) ? 'withDpop() needs Web Crypto (crypto.subtle), which only a secure context (https or localhost) has.' : '');
    }
    let pair: CryptoKeyPair;
    try {
      const stored = await records.get(name);
      listen();
      // RFC 9449 §2: the key is the client's to hold; the private key is created
      // non-extractable (the public key of a pair always is extractable), so a script can sign
      // with it while the page is open but never copy it out.
      if (stored) pair = stored;
      else {
        const created = (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair;
        pair = await records.add(name, created);
        // Stored by this tab (not the one another tab stored first): the others' copies are stale.
        if (pair === created) listen()?.post();
      }
    } catch (cause) {
      if (cause instanceof AuthError) throw cause;
      throw unavailable(
        cause,
        (typeof ngDevMode === 'undefined' || ngDevMode)
          ? `withDpop() could not create or store its non-extractable key pair in IndexedDB (${cause instanceof Error ? cause.message : String(cause)}); DPoP-bound tokens need a browser that keeps IndexedDB (not some private modes).`
          : '',
      );
    }
    const { kty, crv, x, y } = (await subtle.exportKey('jwk', pair.publicKey)) as JWK;
    const jwk = { kty, crv, x, y };
    return { privateKey: pair.privateKey, jwk, thumbprint: await calculateJwkThumbprint(jwk, 'sha256') };
  }
}

/**
 * The IndexedDB database `ngx-oidc-dpop` (object store `keys`) as {@link DpopKeyRecords}; it is
 * opened on first use.
 * @param factory `indexedDB` by default (`null`: none); a failure to open it is `dpop_unavailable`.
 */
export function openDpopKeyRecords(factory: IDBFactory | null | undefined = globalThis.indexedDB, database = 'ngx-oidc-dpop'): DpopKeyRecords {
  let db: Promise<IDBDatabase> | undefined;

  function open(): Promise<IDBDatabase> {
    const opening = (db ??= new Promise<IDBDatabase>((resolve, reject) => {
      if (!factory) {
        throw unavailable(undefined, (typeof ngDevMode === 'undefined' || ngDevMode) ? 'withDpop() needs IndexedDB to keep its key, and this browser (or context) has none.' : '');
      }
      const request = factory.open(database, 1);
      request.onupgradeneeded = () => request.result.createObjectStore('keys');
      request.onsuccess = () => {
        // Another version (a newer library in another tab) must not wait for this tab.
        request.result.onversionchange = () => request.result.close();
        resolve(request.result);
      };
      request.onerror = () => reject(request.error);
    }));
    opening.catch(() => {
      if (db === opening) db = undefined;
    });
    return opening;
  }

  async function run<T>(
    mode: IDBTransactionMode,
    step: (store: IDBObjectStore, done: (value: T) => void, guard: (fn: () => void) => void) => void,
  ): Promise<T> {
    const transaction = (await open()).transaction('keys', mode);
    return new Promise<T>((resolve, reject) => {
      let result: T;
      let failure: unknown;
      transaction.oncomplete = () => resolve(result);
      transaction.onerror = transaction.onabort = () => reject(failure ?? transaction.error ?? new Error('IndexedDB transaction aborted'));
      const guard = (fn: () => void) => {
        try {
          fn();
        } catch (err) {
          // E.g. a DataCloneError (keys that cannot be stored here): the transaction is undone.
          failure = err;
          transaction.abort();
        }
      };
      guard(() => step(transaction.objectStore('keys'), (value) => (result = value), guard));
    });
  }

  return {
    get: (name) =>
      run('readonly', (store, done) => {
        const request = store.get(name);
        request.onsuccess = () => done(request.result);
      }),
    add: (name, pair) =>
      run('readwrite', (store, done, guard) => {
        const request = store.get(name);
        request.onsuccess = () =>
          guard(() => {
            if (request.result) return done(request.result);
            store.put({ privateKey: pair.privateKey, publicKey: pair.publicKey }, name);
            done(pair);
          });
      }),
    delete: (name) => run('readwrite', (store) => void store.delete(name)),
  };
}

function unavailable(cause: unknown, message: string): AuthError {
  return new AuthError('dpop_unavailable', message, { cause });
}
