import { FailingStorage, quotaExceeded, thrownBy } from '../../test-support/fake-provider';
import { checkSurvivesRedirect, keysWithPrefix, MemoryStorage, openWebStorage, readJson, safeRemove, writeJson } from './storage';

describe('storage', () => {
  describe('MemoryStorage', () => {
    it('implements get, set, remove, key and length', () => {
      const storage = new MemoryStorage();
      storage.setItem('a', '1');
      storage.setItem('b', '2');

      expect(storage.length).toBe(2);
      expect(storage.getItem('a')).toBe('1');
      expect(storage.getItem('missing')).toBeNull();
      expect(storage.key(0)).toBe('a');
      expect(storage.key(1)).toBe('b');
      expect(storage.key(2)).toBeNull();

      storage.removeItem('a');
      expect(storage.getItem('a')).toBeNull();
      expect(storage.length).toBe(1);
    });

    it('stores values as strings, like Web Storage', () => {
      const storage = new MemoryStorage();
      storage.setItem('n', 42 as unknown as string);

      expect(storage.getItem('n')).toBe('42');
    });
  });

  describe('openWebStorage', () => {
    it('returns sessionStorage when it works, without warning or leaving the probe behind', () => {
      const warn = jasmine.createSpy('warn');

      expect(openWebStorage('session', warn)).toBe(sessionStorage);
      expect(openWebStorage('local', warn)).toBe(localStorage);
      expect(warn).not.toHaveBeenCalled();
      expect(sessionStorage.getItem('ngx-oidc.probe')).toBeNull();
      expect(localStorage.getItem('ngx-oidc.probe')).toBeNull();
    });

    it('falls back to memory with a warning when storage refuses writes', () => {
      spyOn(Storage.prototype, 'setItem').and.throwError(quotaExceeded());
      const warn = jasmine.createSpy('warn');

      const storage = openWebStorage('session', warn);

      expect(storage).toBeInstanceOf(MemoryStorage);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.calls.mostRecent().args[0]).toContain('sessionStorage');
      expect(warn.calls.mostRecent().args[0]).toContain('memory');
    });

    it('marks the memory fallback as one a login cannot survive the redirect with (storage_error)', () => {
      spyOn(Storage.prototype, 'setItem').and.throwError(quotaExceeded());

      const err = thrownBy(() => checkSurvivesRedirect(openWebStorage('session', () => undefined)));

      expect(err.code).toBe('storage_error');
    });

    it('lets a working browser storage, and memory the app chose, through checkSurvivesRedirect', () => {
      expect(() => checkSurvivesRedirect(openWebStorage('session', () => undefined))).not.toThrow();
      expect(() => checkSurvivesRedirect(new MemoryStorage())).not.toThrow();
    });

    it('falls back to memory with a warning when accessing storage throws (sandboxed frame)', () => {
      spyOnProperty(globalThis, 'localStorage', 'get').and.throwError(new DOMException('denied', 'SecurityError'));
      const warn = jasmine.createSpy('warn');

      expect(openWebStorage('local', warn)).toBeInstanceOf(MemoryStorage);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.calls.mostRecent().args[0]).toContain('localStorage');
    });
  });

  describe('readJson', () => {
    it('returns null for an absent item and the parsed value otherwise', () => {
      const storage = new MemoryStorage();
      storage.setItem('k', '{"a":[1,2]}');

      expect(readJson(storage, 'absent')).toBeNull();
      expect(readJson(storage, 'k')).toEqual({ a: [1, 2] });
    });

    it('throws storage_error for corrupted JSON and removes the item', () => {
      const storage = new MemoryStorage();
      storage.setItem('k', '{"a":');

      const err = thrownBy(() => readJson(storage, 'k'));

      expect(err.code).toBe('storage_error');
      expect(err.message).toContain('"k"');
      expect(storage.getItem('k')).toBeNull();
    });

    it('throws storage_error when reading fails', () => {
      const storage = new FailingStorage();
      storage.failGet = new DOMException('denied', 'SecurityError');

      expect(thrownBy(() => readJson(storage, 'k')).code).toBe('storage_error');
    });
  });

  describe('writeJson', () => {
    it('writes the value as JSON', () => {
      const storage = new MemoryStorage();
      writeJson(storage, 'k', { a: 1 });

      expect(storage.getItem('k')).toBe('{"a":1}');
    });

    it('throws storage_error when the quota is exceeded, keeping the cause', () => {
      const storage = new FailingStorage();
      const quota = quotaExceeded();
      storage.failSet = quota;

      const err = thrownBy(() => writeJson(storage, 'k', { a: 1 }));

      expect(err.code).toBe('storage_error');
      expect(err.details.cause).toBe(quota);
      expect(err.message).toContain('quota');
    });
  });

  describe('safeRemove', () => {
    it('removes an item', () => {
      const storage = new MemoryStorage();
      storage.setItem('k', 'v');
      safeRemove(storage, 'k');

      expect(storage.getItem('k')).toBeNull();
    });

    it('ignores storage failures', () => {
      const storage = new FailingStorage();
      storage.failRemove = new Error('broken');

      expect(() => safeRemove(storage, 'k')).not.toThrow();
    });
  });

  describe('keysWithPrefix', () => {
    it('lists only the keys with the prefix', () => {
      const storage = new MemoryStorage();
      storage.setItem('ngx-oidc.tx.a', '1');
      storage.setItem('other', '2');
      storage.setItem('ngx-oidc.tx.b', '3');

      expect(keysWithPrefix(storage, 'ngx-oidc.tx.')).toEqual(['ngx-oidc.tx.a', 'ngx-oidc.tx.b']);
    });

    it('lists nothing when the storage fails', () => {
      const storage = new FailingStorage();
      storage.setItem('ngx-oidc.tx.a', '1');
      storage.failKey = new Error('broken');

      expect(keysWithPrefix(storage, 'ngx-oidc.tx.')).toEqual([]);
    });
  });
});
