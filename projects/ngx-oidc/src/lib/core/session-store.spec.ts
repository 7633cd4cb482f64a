import { FailingStorage, NOW, quotaExceeded, thrownBy } from '../../test-support/fake-provider';
import { clearSession, loadSession, saveSession, sessionKey, type StoredSession } from './session-store';
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
      claims: { iss: 'https://idp.example.com', sub: 'alice', aud: 'spa-client', iat: NOW_S - 10, exp: NOW_S + 300 },
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

  it('keys the session by client id', () => {
    expect(sessionKey('spa-client')).toBe('ngx-oidc.session.spa-client');
  });

  it('saves and loads a session', () => {
    saveSession(storage, 'spa-client', session());

    expect(loadSession(storage, 'spa-client', NOW)).toEqual(session());
  });

  it('keeps sessions of different clients apart', () => {
    saveSession(storage, 'spa-client', session());

    expect(loadSession(storage, 'other-client', NOW)).toBeNull();
  });

  it('returns null when nothing is stored', () => {
    expect(loadSession(storage, 'spa-client', NOW)).toBeNull();
  });

  it('drops a session whose access token expired', () => {
    saveSession(storage, 'spa-client', session({ expiresAt: NOW }));

    expect(loadSession(storage, 'spa-client', NOW)).toBeNull();
    expect(storage.getItem(sessionKey('spa-client'))).toBeNull();
  });

  it('falls back to the ID token exp when the access token expiry is unknown', () => {
    saveSession(storage, 'spa-client', session({ expiresAt: undefined }));
    expect(loadSession(storage, 'spa-client', NOW)).not.toBeNull();
    expect(loadSession(storage, 'spa-client', (NOW_S + 300) * 1000)).toBeNull();
    expect(storage.getItem(sessionKey('spa-client'))).toBeNull();
  });

  it('drops a corrupted session', () => {
    storage.setItem(sessionKey('spa-client'), '{"tokens":');

    expect(loadSession(storage, 'spa-client', NOW)).toBeNull();
    expect(storage.getItem(sessionKey('spa-client'))).toBeNull();
  });

  it('keeps a session whose access token expired while a refresh token can renew it', () => {
    saveSession(storage, 'spa-client', session({ expiresAt: NOW - 1000, refreshToken: 'rt' }));
    expect(loadSession(storage, 'spa-client', NOW)?.tokens.refreshToken).toBe('rt');
    saveSession(storage, 'spa-client', session({ expiresAt: NOW - 1000 }));
    expect(loadSession(storage, 'spa-client', NOW)).toBeNull();
  });

  it('drops a session without ID token or exp claim', () => {
    storage.setItem(sessionKey('spa-client'), JSON.stringify({ tokens: { ...session().tokens, idToken: undefined }, user: {} }));
    expect(loadSession(storage, 'spa-client', NOW)).toBeNull();
    expect(storage.getItem(sessionKey('spa-client'))).toBeNull();

    storage.setItem(sessionKey('spa-client'), JSON.stringify({ tokens: { ...session().tokens, claims: { sub: 'alice' } }, user: {} }));
    expect(loadSession(storage, 'spa-client', NOW)).toBeNull();
    expect(storage.getItem(sessionKey('spa-client'))).toBeNull();
  });

  it('returns null when the storage cannot be read', () => {
    const failing = new FailingStorage();
    failing.failGet = new Error('denied');

    expect(loadSession(failing, 'spa-client', NOW)).toBeNull();
  });

  it('reports a full storage on save as storage_error', () => {
    const failing = new FailingStorage();
    failing.failSet = quotaExceeded();

    expect(thrownBy(() => saveSession(failing, 'spa-client', session())).code).toBe('storage_error');
  });

  it('clears the session', () => {
    saveSession(storage, 'spa-client', session());
    clearSession(storage, 'spa-client');

    expect(storage.length).toBe(0);
  });
});
