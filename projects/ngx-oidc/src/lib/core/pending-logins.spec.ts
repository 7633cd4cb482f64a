import { NOW, testConfig } from '../../test-support/fake-provider';
import { latestTransaction, purgeExpiredTransactions, TRANSACTION_PREFIX } from './pending-logins';
import { MemoryStorage } from './storage';
import { createTransaction, saveTransaction, type LoginTransaction } from './transaction';

const TIMEOUT_MS = 600 * 1000;

describe('pending logins', () => {
  let storage: MemoryStorage;
  const config = testConfig();

  beforeEach(() => {
    storage = new MemoryStorage();
  });

  describe('purgeExpiredTransactions', () => {
    it('removes expired and corrupted transactions and keeps live ones and other keys', () => {
      const live = createTransaction(config, {}, NOW);
      const expired = createTransaction(config, {}, NOW - TIMEOUT_MS - 1);
      saveTransaction(storage, live);
      saveTransaction(storage, expired);
      storage.setItem(TRANSACTION_PREFIX + 'corrupted', '{oops');
      storage.setItem('ngx-oidc.session.spa-client', '{oops');
      storage.setItem('unrelated', 'keep');

      purgeExpiredTransactions(storage, NOW);

      expect(storage.getItem(TRANSACTION_PREFIX + live.state)).not.toBeNull();
      expect(storage.getItem(TRANSACTION_PREFIX + expired.state)).toBeNull();
      expect(storage.getItem(TRANSACTION_PREFIX + 'corrupted')).toBeNull();
      expect(storage.getItem('ngx-oidc.session.spa-client')).toBe('{oops');
      expect(storage.getItem('unrelated')).toBe('keep');
    });
  });

  describe('latestTransaction', () => {
    it('returns null when no login is pending', () => {
      expect(latestTransaction(storage, NOW)).toBeNull();
    });

    it('returns the most recently created unexpired transaction', () => {
      const older = createTransaction(config, {}, NOW - 2000);
      const newer = createTransaction(config, {}, NOW - 1000);
      saveTransaction(storage, newer);
      saveTransaction(storage, older);

      expect(latestTransaction(storage, NOW)?.state).toBe(newer.state);
    });

    it('ignores expired and corrupted transactions', () => {
      const expiredButNewest: LoginTransaction = { ...createTransaction(config, {}, NOW), expiresAt: NOW };
      const live = createTransaction(config, {}, NOW - 5000);
      saveTransaction(storage, expiredButNewest);
      saveTransaction(storage, live);
      storage.setItem(TRANSACTION_PREFIX + 'zzz', 'garbage');

      expect(latestTransaction(storage, NOW)?.state).toBe(live.state);
    });
  });
});
