import { isFresh, renewAt, requestKey, satisfies, upsertEntry, type AccessTokenEntry } from './token-cache';

const API = 'https://api.example.com';
const MGMT = 'https://mgmt.example.com';
const T0 = Date.UTC(2026, 0, 1);

function entry(overrides: Partial<AccessTokenEntry> = {}): AccessTokenEntry {
  return {
    accessToken: 'at-1',
    tokenType: 'Bearer',
    obtainedAt: T0,
    expiresAt: T0 + 3600_000,
    audience: API,
    requestedScope: 'openid profile',
    scope: 'openid profile',
    ...overrides,
  };
}

describe('token cache', () => {
  describe('satisfies', () => {
    it('requires the same audience', () => {
      expect(satisfies(entry(), { audience: API })).toBeTrue();
      expect(satisfies(entry(), { audience: MGMT })).toBeFalse();
      expect(satisfies(entry(), {})).toBeFalse();
      expect(satisfies(entry({ audience: undefined }), { audience: API })).toBeFalse();
      expect(satisfies(entry({ audience: undefined }), {})).toBeTrue();
    });

    it('accepts any scope when the request names none', () => {
      expect(satisfies(entry({ requestedScope: '', scope: '' }), { audience: API })).toBeTrue();
      expect(satisfies(entry(), { audience: API, scope: '' })).toBeTrue();
    });

    it('accepts requested scopes found among the requested or the granted ones', () => {
      const e = entry({ requestedScope: 'openid profile', scope: 'read:messages write:messages' });

      expect(satisfies(e, { audience: API, scope: 'profile' })).toBeTrue();
      expect(satisfies(e, { audience: API, scope: 'write:messages' })).toBeTrue();
      expect(satisfies(e, { audience: API, scope: 'openid read:messages' })).toBeTrue();
      expect(satisfies(e, { audience: API, scope: '  read:messages   profile ' })).toBeTrue();
    });

    it('refuses a request with one scope neither requested nor granted', () => {
      const e = entry({ requestedScope: 'openid profile', scope: 'read:messages' });

      expect(satisfies(e, { audience: API, scope: 'openid delete:messages' })).toBeFalse();
      expect(satisfies(e, { audience: API, scope: 'read' })).toBeFalse();
    });
  });

  describe('isFresh and renewAt', () => {
    it('renews renewLeadSeconds before expiry for a long-lived token', () => {
      const e = entry();

      expect(renewAt(e, 60)).toBe(T0 + 3600_000 - 60_000);
      expect(isFresh(e, T0 + 3600_000 - 60_001, 60)).toBeTrue();
      expect(isFresh(e, T0 + 3600_000 - 60_000, 60)).toBeFalse();
      expect(isFresh(e, T0 + 3600_000 + 1, 60)).toBeFalse();
    });

    it('caps the lead at half the lifetime: a 10 s token with lead 60 renews at +5 s', () => {
      const e = entry({ expiresAt: T0 + 10_000 });

      expect(renewAt(e, 60)).toBe(T0 + 5_000);
      expect(isFresh(e, T0, 60)).toBeTrue();
      expect(isFresh(e, T0 + 4_999, 60)).toBeTrue();
      expect(isFresh(e, T0 + 5_000, 60)).toBeFalse();
    });

    it('uses the full lead when it is shorter than half the lifetime', () => {
      const e = entry({ expiresAt: T0 + 10_000 });

      expect(renewAt(e, 2)).toBe(T0 + 8_000);
      expect(isFresh(e, T0 + 7_999, 2)).toBeTrue();
      expect(isFresh(e, T0 + 8_000, 2)).toBeFalse();
    });

    it('treats a token without expiresAt as always fresh, never to be renewed', () => {
      const e = entry({ expiresAt: undefined });

      expect(isFresh(e, T0 + 365 * 86_400_000, 60)).toBeTrue();
      expect(renewAt(e, 60)).toBeUndefined();
    });

    it('treats a token that expired before it was received as stale', () => {
      const e = entry({ expiresAt: T0 - 1 });

      expect(isFresh(e, T0, 60)).toBeFalse();
      expect(renewAt(e, 60)).toBe(T0 - 1);
    });
  });

  describe('requestKey', () => {
    it('ignores the order and spacing of scopes', () => {
      expect(requestKey({ audience: API, scope: 'b a c' })).toBe(requestKey({ audience: API, scope: ' c  a b ' }));
    });

    it('tells audiences and scopes apart', () => {
      expect(requestKey({ audience: API, scope: 'a' })).not.toBe(requestKey({ audience: MGMT, scope: 'a' }));
      expect(requestKey({ audience: API, scope: 'a' })).not.toBe(requestKey({ audience: API, scope: 'a b' }));
      expect(requestKey({ audience: API })).not.toBe(requestKey({ audience: API, scope: 'a' }));
    });

    it('treats a missing and an empty scope alike', () => {
      expect(requestKey({ audience: API })).toBe(requestKey({ audience: API, scope: '' }));
    });
  });

  describe('upsertEntry', () => {
    it('replaces the entry of the same audience and requested scope, whatever the scope order', () => {
      const old = entry({ accessToken: 'old', audience: MGMT, requestedScope: 'read:a read:b' });
      const other = entry({ accessToken: 'other', audience: MGMT, requestedScope: 'read:c' });
      const renewed = entry({ accessToken: 'new', audience: MGMT, requestedScope: 'read:b read:a' });

      const result = upsertEntry([old, other], renewed);

      expect(result.map((e) => e.accessToken)).toEqual(['other', 'new']);
    });

    it('adds an entry for another audience or scope and leaves the input untouched', () => {
      const entries = [entry({ accessToken: 'api', audience: API })];

      const result = upsertEntry(entries, entry({ accessToken: 'mgmt', audience: MGMT }));

      expect(result.map((e) => e.accessToken)).toEqual(['api', 'mgmt']);
      expect(entries.map((e) => e.accessToken)).toEqual(['api']);
    });
  });
});
