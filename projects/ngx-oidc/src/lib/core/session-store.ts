import { readJsonOrNull, safeRemove, writeJson, type AuthStorage } from './storage';
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
  /** A random id per login, kept through its renewals: a logout names it to the other tabs. */
  readonly login?: string;
}

/** Which provider and client a session belongs to (the configuration's `authority` and `clientId`). */
export interface SessionScope {
  /** The issuer, exactly as configured (discovery must spell it the same). */
  readonly authority: string;
  readonly clientId: string;
}

/**
 * The name of a client at one provider, in the storage key, tab channel and renewal lock: the
 * same client id at two issuers (staging and production) never shares a session.
 */
export function scopeName(scope: SessionScope): string {
  return `${scope.authority} ${scope.clientId}`;
}

/** Storage key of the session of one client at one issuer. */
export function sessionKey(scope: SessionScope): string {
  return `ngx-oidc.session.${scopeName(scope)}`;
}

/**
 * Reads a persisted session, dropping it when corrupted, when its ID token is from another
 * issuer than the configured one, or (given `now`) when it {@link hasExpired}.
 * @param now Current time in epoch milliseconds. Without it an expired session is returned:
 *   start-up decides (silent authentication may renew it, else it ends with `session_expired`).
 * @returns The session, or `null`.
 */
export function loadSession(storage: AuthStorage, scope: SessionScope, now?: number): StoredSession | null {
  const session = readJsonOrNull<StoredSession>(storage, sessionKey(scope));
  if (session === null) return null;
  const valid =
    typeof session.tokens?.idToken === 'string' &&
    typeof session.tokens?.claims?.exp === 'number' &&
    // OIDC Core 1.0 §3.1.3.7 (2): a token of another issuer is never this client's session.
    session.tokens.claims.iss === scope.authority &&
    (now === undefined || !hasExpired(session, now));
  if (!valid) {
    safeRemove(storage, sessionKey(scope));
    return null;
  }
  return session;
}

/**
 * Whether a session's access token (its ID token without one) has expired and no refresh token
 * can renew it: only silent authentication can bring it back.
 */
export function hasExpired(session: StoredSession, now: number): boolean {
  return typeof session.tokens.refreshToken !== 'string' && (session.tokens.expiresAt ?? session.tokens.claims.exp * 1000) <= now;
}

/**
 * Persists a session.
 * @throws {AuthError} `storage_error` when the storage refuses it.
 */
export function saveSession(storage: AuthStorage, scope: SessionScope, session: StoredSession): void {
  writeJson(storage, sessionKey(scope), session);
}

/** Forgets the persisted session. */
export function clearSession(storage: AuthStorage, scope: SessionScope): void {
  safeRemove(storage, sessionKey(scope));
}
