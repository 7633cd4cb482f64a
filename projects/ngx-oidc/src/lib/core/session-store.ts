import { readJson, safeRemove, writeJson, type AuthStorage } from './storage';
import type { AccessTokenEntry } from './token-cache';
import type { TokenSet } from './types';

/** An authenticated session as persisted between page loads (when storage is not memory). */
export interface StoredSession {
  /** The login's tokens (renewed in place). */
  readonly tokens: TokenSet;
  readonly user: Record<string, unknown>;
  /** Access tokens obtained later for other audiences or scopes. */
  readonly extra?: readonly AccessTokenEntry[];
  /** A random id per renewal generation, so tabs can tell which session is newer. */
  readonly id?: string;
}

/** Storage key of the session of one client. */
export function sessionKey(clientId: string): string {
  return `ngx-oidc.session.${clientId}`;
}

/**
 * Reads a persisted session, dropping it when corrupted, or when its access token (ID token
 * without one) has expired and no refresh token can renew it.
 * @returns The session, or `null`.
 */
export function loadSession(storage: AuthStorage, clientId: string, now: number): StoredSession | null {
  let session: StoredSession | null;
  try {
    session = readJson<StoredSession>(storage, sessionKey(clientId));
  } catch {
    return null;
  }
  const valid =
    session !== null &&
    typeof session.tokens?.idToken === 'string' &&
    typeof session.tokens?.claims?.exp === 'number' &&
    (typeof session.tokens.refreshToken === 'string' || (session.tokens.expiresAt ?? session.tokens.claims.exp * 1000) > now);
  if (!valid) {
    safeRemove(storage, sessionKey(clientId));
    return null;
  }
  return session;
}

/**
 * Persists a session.
 * @throws {AuthError} `storage_error` when the storage refuses it.
 */
export function saveSession(storage: AuthStorage, clientId: string, session: StoredSession): void {
  writeJson(storage, sessionKey(clientId), session);
}

/** Forgets the persisted session. */
export function clearSession(storage: AuthStorage, clientId: string): void {
  safeRemove(storage, sessionKey(clientId));
}
