import { FailingStorage, ISSUER, NOW, quotaExceeded, SCOPE, thrownBy } from '../../test-support/fake-provider';
import { clearSession, hasExpired, loadSession, saveSession, sessionKey, type StoredSession } from './session-store';
import { MemoryStorage } from './storage';
import type { TokenSet } from './types';

const NOW_S = Math.floor(NOW / 1000);

function session(tokens: Partial<TokenSet> = {}): StoredSession {
  return {
    tokens: {
      idToken: 'id.token.jwt',
      accessToken: 'access-token',
      tokenType: 'Bearer',
      expiresAt: NOW + 60_000,
      obtainedAt: NOW - 10_000,
      scope: 'openid profile',
      requestedScope: 'openid profile',
      claims: { iss: ISSUER, sub: 'alice', aud: 'spa-client', iat: NOW_S - 10, exp: NOW_S + 300 },
      ...tokens,
    },
    user: { sub: 'alice', name: 'Alice' },
  };
}

describe('session store', () => {
  let storage: MemoryStorage;

  beforeEach(() => {
    storage = new MemoryStorage();
  });

  it('keys the session by issuer and client id', () => {
    expect(sessionKey(SCOPE)).toBe('ngx-oidc.session.https://idp.example.com spa-client');
    expect(sessionKey({ authority: 'https://staging.idp.example.com', clientId: 'spa-client' })).not.toBe(sessionKey(SCOPE));
  });

  it('keeps sessions of the same client id at different issuers apart', () => {
    saveSession(storage, SCOPE, session());

    expect(loadSession(storage, { authority: 'https://staging.idp.example.com', clientId: 'spa-client' }, NOW)).toBeNull();
    expect(loadSession(storage, SCOPE, NOW)).not.toBeNull();
  });

  it("drops a stored session whose ID token is from another issuer than the configured one", () => {
    // Written under this issuer's key (an older version, or anything else on the origin).
    saveSession(storage, SCOPE, session({ claims: { ...session().tokens.claims, iss: 'https://staging.idp.example.com' } }));

    expect(loadSession(storage, SCOPE, NOW)).toBeNull();
    expect(storage.getItem(sessionKey(SCOPE))).toBeNull();
  });

  it('saves and loads a session', () => {
    saveSession(storage, SCOPE, session());

    expect(loadSession(storage, SCOPE, NOW)).toEqual(session());
  });

  it('keeps sessions of different clients apart', () => {
    saveSession(storage, SCOPE, session());

    expect(loadSession(storage, { ...SCOPE, clientId: 'other-client' }, NOW)).toBeNull();
  });

  it('returns null when nothing is stored', () => {
    expect(loadSession(storage, SCOPE, NOW)).toBeNull();
  });

  it('drops a session whose access token expired', () => {
    saveSession(storage, SCOPE, session({ expiresAt: NOW }));

    expect(loadSession(storage, SCOPE, NOW)).toBeNull();
    expect(storage.getItem(sessionKey(SCOPE))).toBeNull();
  });

  it('falls back to the ID token exp when the access token expiry is unknown', () => {
    saveSession(storage, SCOPE, session({ expiresAt: undefined }));
    expect(loadSession(storage, SCOPE, NOW)).not.toBeNull();
    expect(loadSession(storage, SCOPE, (NOW_S + 300) * 1000)).toBeNull();
    expect(storage.getItem(sessionKey(SCOPE))).toBeNull();
  });

  it('drops a corrupted session', () => {
    storage.setItem(sessionKey(SCOPE), '{"tokens":');

    expect(loadSession(storage, SCOPE, NOW)).toBeNull();
    expect(storage.getItem(sessionKey(SCOPE))).toBeNull();
  });

  it('returns a session whose access token expired, without refresh token, when not given the time: start-up decides', () => {
    saveSession(storage, SCOPE, session({ expiresAt: NOW - 1000 }));

    expect(loadSession(storage, SCOPE)?.tokens.accessToken).toBe('access-token');
    expect(storage.getItem(sessionKey(SCOPE))).not.toBeNull();
  });

  it('drops corrupted and other-issuer sessions also when not given the time', () => {
    storage.setItem(sessionKey(SCOPE), '{"tokens":');
    expect(loadSession(storage, SCOPE)).toBeNull();
    expect(storage.getItem(sessionKey(SCOPE))).toBeNull();

    saveSession(storage, SCOPE, session({ expiresAt: NOW - 1000, claims: { ...session().tokens.claims, iss: 'https://staging.idp.example.com' } }));
    expect(loadSession(storage, SCOPE)).toBeNull();
    expect(storage.getItem(sessionKey(SCOPE))).toBeNull();
  });

  it('tells an expired session only silent authentication can bring back (hasExpired)', () => {
    expect(hasExpired(session({ expiresAt: NOW }), NOW)).toBeTrue();
    expect(hasExpired(session({ expiresAt: NOW + 1 }), NOW)).toBeFalse();
    expect(hasExpired(session({ expiresAt: NOW - 1000, refreshToken: 'rt' }), NOW)).toBeFalse();
    // Without the access token's expiry, the ID token's exp counts.
    expect(hasExpired(session({ expiresAt: undefined }), (NOW_S + 300) * 1000)).toBeTrue();
    expect(hasExpired(session({ expiresAt: undefined }), NOW)).toBeFalse();
  });

  it('keeps a session whose access token expired while a refresh token can renew it', () => {
    saveSession(storage, SCOPE, session({ expiresAt: NOW - 1000, refreshToken: 'rt' }));
    expect(loadSession(storage, SCOPE, NOW)?.tokens.refreshToken).toBe('rt');
    saveSession(storage, SCOPE, session({ expiresAt: NOW - 1000 }));
    expect(loadSession(storage, SCOPE, NOW)).toBeNull();
  });

  it('drops a session without ID token or exp claim', () => {
    storage.setItem(sessionKey(SCOPE), JSON.stringify({ tokens: { ...session().tokens, idToken: undefined }, user: {} }));
    expect(loadSession(storage, SCOPE, NOW)).toBeNull();
    expect(storage.getItem(sessionKey(SCOPE))).toBeNull();

    storage.setItem(sessionKey(SCOPE), JSON.stringify({ tokens: { ...session().tokens, claims: { sub: 'alice' } }, user: {} }));
    expect(loadSession(storage, SCOPE, NOW)).toBeNull();
    expect(storage.getItem(sessionKey(SCOPE))).toBeNull();
  });

  it('returns null when the storage cannot be read', () => {
    const failing = new FailingStorage();
    failing.failGet = new Error('denied');

    expect(loadSession(failing, SCOPE, NOW)).toBeNull();
  });

  it('reports a full storage on save as storage_error', () => {
    const failing = new FailingStorage();
    failing.failSet = quotaExceeded();

    expect(thrownBy(() => saveSession(failing, SCOPE, session())).code).toBe('storage_error');
  });

  it('clears the session', () => {
    saveSession(storage, SCOPE, session());
    clearSession(storage, SCOPE);

    expect(storage.length).toBe(0);
  });
});
