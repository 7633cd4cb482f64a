import { keysWithPrefix, readJsonOrNull, safeRemove, type AuthStorage } from './storage';
import type { LoginTransaction } from './transaction';

// What a page load needs to know of the logins pending in this browser session, without the
// code that creates and completes them (on demand: transaction.ts, login-flow.ts).

/** Prefix of transaction keys in storage. */
export const TRANSACTION_PREFIX = 'ngx-oidc.tx.';

/** Returns the most recent pending, unexpired transaction, if any (for `nonce$`/`state$`). */
export function latestTransaction(storage: AuthStorage, now: number): LoginTransaction | null {
  let latest: LoginTransaction | null = null;
  for (const key of keysWithPrefix(storage, TRANSACTION_PREFIX)) {
    const tx = readJsonOrNull<LoginTransaction>(storage, key);
    if (tx && tx.expiresAt > now && (!latest || tx.createdAt > latest.createdAt)) latest = tx;
  }
  return latest;
}

/** Deletes expired and corrupted transactions; run at start-up. */
export function purgeExpiredTransactions(storage: AuthStorage, now: number): void {
  for (const key of keysWithPrefix(storage, TRANSACTION_PREFIX)) {
    const tx = readJsonOrNull<LoginTransaction>(storage, key);
    if (!tx || tx.expiresAt <= now) safeRemove(storage, key);
  }
}
