import { AuthError } from './errors';

/**
 * The subset of the Web Storage API ngx-oidc uses; `sessionStorage`, `localStorage` and
 * {@link MemoryStorage} all satisfy it, and so can an app's own store.
 */
export interface AuthStorage {
  /** The value stored under `key`, or `null`. */
  getItem(key: string): string | null;
  /** Stores `value` under `key`; may throw (quota exceeded, storage disabled). */
  setItem(key: string, value: string): void;
  /** Removes `key`, if present. */
  removeItem(key: string): void;
  /** The name of the key at `index`, or `null` past the end; used to list ngx-oidc's keys. */
  key(index: number): string | null;
  /** How many keys are stored. */
  readonly length: number;
}

/** An in-memory {@link AuthStorage}: what survives is only this page's lifetime. */
export class MemoryStorage implements AuthStorage {
  private readonly items = new Map<string, string>();

  get length(): number {
    return this.items.size;
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, String(value));
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null;
  }
}

/** The memory {@link openWebStorage} falls back to: it does not survive a page load. */
class FallbackStorage extends MemoryStorage {}

/**
 * Returns the browser's `sessionStorage` or `localStorage` if it works, else a
 * {@link MemoryStorage} after calling `warn` — storage can be disabled (privacy modes, sandboxed
 * iframes) or full, and that must never crash the app (but see {@link checkSurvivesRedirect}).
 */
export function openWebStorage(kind: 'session' | 'local', warn: (message: string) => void): AuthStorage {
  try {
    const storage = kind === 'session' ? globalThis.sessionStorage : globalThis.localStorage;
    const probe = 'ngx-oidc.probe';
    storage.setItem(probe, probe);
    storage.removeItem(probe);
    return storage;
  } catch (cause) {
    warn(
      (typeof ngDevMode === 'undefined' || ngDevMode)
        ? `ngx-oidc: ${kind}Storage is not usable (${String(cause)}); falling back to memory, so a login cannot survive a page load.`
        : 'ngx-oidc: storage_error',
    );
    return new FallbackStorage();
  }
}

/**
 * Refuses a storage that {@link openWebStorage} replaced by memory: what it holds is gone after
 * the redirect to the provider, so a login transaction kept there comes back as a misleading
 * `state_mismatch` (RFC 6749 §10.12: the state must be bound to this browser).
 *
 * @throws {AuthError} `storage_error`.
 */
export function checkSurvivesRedirect(storage: AuthStorage): void {
  if (storage instanceof FallbackStorage) {
    throw new AuthError(
      'storage_error',
      (typeof ngDevMode === 'undefined' || ngDevMode)
        ? 'sessionStorage is not usable (disabled or full), so the login could not be completed after the redirect; nothing was sent to the provider.'
        : '',
    );
  }
}

/**
 * Reads and parses a JSON item.
 * @returns The parsed value, or `null` when absent.
 * @throws {AuthError} `storage_error` when reading fails or the item is corrupted (it is removed).
 */
export function readJson<T>(storage: AuthStorage, key: string): T | null {
  let raw: string | null;
  try {
    raw = storage.getItem(key);
  } catch (cause) {
    throw new AuthError('storage_error', (typeof ngDevMode === 'undefined' || ngDevMode) ? `Could not read "${key}" from storage.` : '', { cause });
  }
  if (raw === null) return null;
  try {
    return JSON.parse(raw) as T;
  } catch (cause) {
    safeRemove(storage, key);
    throw new AuthError('storage_error', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The stored "${key}" is corrupted and was removed.` : '', { cause });
  }
}

/**
 * {@link readJson} for reads where an unreadable or corrupted item only means "nothing stored"
 * (a corrupted item is still removed).
 * @returns The parsed value, or `null` when absent, unreadable or corrupted.
 */
export function readJsonOrNull<T>(storage: AuthStorage, key: string): T | null {
  try {
    return readJson<T>(storage, key);
  } catch {
    return null;
  }
}

/**
 * Writes a JSON item.
 * @throws {AuthError} `storage_error` when the storage refuses it (quota exceeded, disabled).
 */
export function writeJson(storage: AuthStorage, key: string, value: unknown): void {
  try {
    storage.setItem(key, JSON.stringify(value));
  } catch (cause) {
    throw new AuthError('storage_error', (typeof ngDevMode === 'undefined' || ngDevMode) ? `Could not write "${key}" to storage (quota exceeded or storage disabled).` : '', {
      cause,
    });
  }
}

/** Removes an item, ignoring storage failures (removing is always best effort). */
export function safeRemove(storage: AuthStorage, key: string): void {
  try {
    storage.removeItem(key);
  } catch {
    // Nothing to do: a storage that cannot remove cannot hold anything we rely on either.
  }
}

/** Lists the keys that start with `prefix`, ignoring storage failures. */
export function keysWithPrefix(storage: AuthStorage, prefix: string): string[] {
  const keys: string[] = [];
  try {
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      if (key?.startsWith(prefix)) keys.push(key);
    }
  } catch {
    // A failing storage lists nothing.
  }
  return keys;
}
