import { CLIENT_ID, ISSUER, NOW, thrownBy } from '../../test-support/fake-provider';
import type { LoginResult } from './login-flow';
import { applyRefreshResponse } from './renewed-session';
import { applySilentResult } from './silent-auth';
import type { StoredSession } from './session-store';
import type { TokenSet } from './types';

const NOW_S = Math.floor(NOW / 1000);
const claims = { iss: ISSUER, sub: 'alice', aud: CLIENT_ID, iat: NOW_S, exp: NOW_S + 300 };

function session(): StoredSession {
  return {
    tokens: {
      idToken: 'id-0',
      accessToken: 'at-0',
      tokenType: 'Bearer',
      expiresAt: NOW + 1000,
      obtainedAt: NOW - 299_000,
      refreshToken: 'rt-0',
      scope: 'read:messages',
      requestedScope: 'openid read:messages',
      audience: 'https://api',
      claims,
    },
    user: { sub: 'alice' },
  };
}

function loginResult(tokens: Partial<TokenSet>): LoginResult {
  return {
    tokens: { ...session().tokens, refreshToken: undefined, ...tokens },
    user: { sub: tokens.claims?.sub ?? 'alice', fresh: true },
  } as unknown as LoginResult;
}

describe('renewed session', () => {
  it("puts a rotated refresh token and the new access token on the login's tokens", () => {
    const { session: next, accessToken } = applyRefreshResponse(
      session(),
      { access_token: 'at-1', token_type: 'Bearer', expires_in: 60, refresh_token: 'rt-1' },
      undefined,
      { audience: 'https://api' },
      true,
      NOW,
    );
    expect(accessToken).toBe('at-1');
    expect(next.tokens).toEqual(
      jasmine.objectContaining({
        accessToken: 'at-1',
        refreshToken: 'rt-1',
        expiresAt: NOW + 60_000,
        obtainedAt: NOW,
        idToken: 'id-0',
      }),
    );
  });

  it('keeps the refresh token when the provider does not rotate, and takes a validated new ID token', () => {
    const { session: next } = applyRefreshResponse(
      session(),
      { access_token: 'at-1', token_type: 'Bearer', id_token: 'id-1' },
      { ...claims, iat: NOW_S + 1 },
      {},
      true,
      NOW,
    );
    expect(next.tokens.refreshToken).toBe('rt-0');
    expect(next.tokens.idToken).toBe('id-1');
    expect(next.tokens.claims.iat).toBe(NOW_S + 1);
  });

  it("caches a token for another audience beside the login's, which stays untouched", () => {
    const request = { audience: 'https://mgmt', scope: 'read:current_user' };
    const { session: next, accessToken } = applyRefreshResponse(
      session(),
      { access_token: 'mgmt-1', token_type: 'Bearer', expires_in: 60 },
      undefined,
      request,
      false,
      NOW,
    );
    expect(accessToken).toBe('mgmt-1');
    expect(next.tokens.accessToken).toBe('at-0');
    expect(next.extra).toEqual([
      jasmine.objectContaining({
        accessToken: 'mgmt-1',
        audience: 'https://mgmt',
        requestedScope: 'read:current_user',
      }),
    ]);
  });

  it('replaces the session with a silent login for the same user, keeping its refresh token', () => {
    const { session: next } = applySilentResult(
      session(),
      loginResult({ accessToken: 'at-silent', idToken: 'id-silent' }),
      {},
      true,
    );
    expect(next.tokens).toEqual(
      jasmine.objectContaining({
        accessToken: 'at-silent',
        idToken: 'id-silent',
        refreshToken: 'rt-0',
      }),
    );
    expect(next.user['fresh']).toBeTrue();
  });

  it('refuses a silent login for another user with user_changed, and one without access token', () => {
    expect(
      thrownBy(() =>
        applySilentResult(
          session(),
          loginResult({ claims: { ...claims, sub: 'mallory' } }),
          {},
          true,
        ),
      ).code,
    ).toBe('user_changed');
    expect(
      thrownBy(() =>
        applySilentResult(session(), loginResult({ accessToken: undefined }), {}, true),
      ).code,
    ).toBe('invalid_response');
  });
});
