import { FailingStorage, NOW, quotaExceeded, testConfig, thrownBy } from '../../test-support/fake-provider';
import { MemoryStorage } from './storage';
import {
  createTransaction,
  saveTransaction,
  takeTransaction,
} from './transaction';
import { TRANSACTION_PREFIX } from './pending-logins';

const BASE64URL_43 = /^[A-Za-z0-9_-]{43}$/;
const TIMEOUT_MS = 600 * 1000;
const APP_STATE = 'app-state-0123456789abcdef';

describe('login transactions', () => {
  let storage: MemoryStorage;
  const config = testConfig();

  beforeEach(() => {
    storage = new MemoryStorage();
  });

  describe('createTransaction', () => {
    for (const [option, value] of [['state', ''], ['state', 'caf\u00e9'.repeat(6)], ['nonce', 'x'.repeat(4097)], ['nonce', 'tab\there'.repeat(3)]] as const) {
      it(`refuses an app-supplied ${option} that could not come back in a callback with a TypeError (${JSON.stringify(value).slice(0, 12)})`, () => {
        expect(() => createTransaction(config, { [option]: value }, NOW)).toThrowError(TypeError, new RegExp(`^The ${option} must be`));
      });
    }

    // RFC 6749 §10.12, OIDC Core 1.0 §15.5.2: a value the app chose must be unguessable too.
    for (const option of ['state', 'nonce'] as const) {
      it(`refuses an app-supplied ${option} shorter than 22 characters (128 bits)`, () => {
        for (const value of ['x', 'my-state-1234567890', 'a'.repeat(21)]) {
          expect(() => createTransaction(config, { [option]: value }, NOW)).withContext(value).toThrowError(TypeError, new RegExp(`^The ${option} must be .*128 bits`));
        }
        expect(createTransaction(config, { [option]: 'a'.repeat(22) }, NOW)[option]).toBe('a'.repeat(22));
      });
    }

    it('generates a fresh 256-bit state, nonce and PKCE verifier', () => {
      const tx = createTransaction(config, {}, NOW);

      expect(tx.state).toMatch(BASE64URL_43);
      expect(tx.nonce).toMatch(BASE64URL_43);
      expect(tx.codeVerifier).toMatch(BASE64URL_43);
      expect(new Set([tx.state, tx.nonce, tx.codeVerifier]).size).toBe(3);
    });

    it('generates different values for every login', () => {
      const a = createTransaction(config, {}, NOW);
      const b = createTransaction(config, {}, NOW);

      expect(a.state).not.toBe(b.state);
      expect(a.nonce).not.toBe(b.nonce);
      expect(a.codeVerifier).not.toBe(b.codeVerifier);
    });

    it('takes redirect URI, response type, scope and audience from the configuration', () => {
      const tx = createTransaction(config, {}, NOW);

      expect(tx.redirectUri).toBe(config.redirectUri);
      expect(tx.responseType).toBe('code');
      expect(tx.scope).toBe('openid profile email');
      expect(tx.audience).toBe('https://api.example.com');
      expect(tx.createdAt).toBe(NOW);
      expect(tx.expiresAt).toBe(NOW + TIMEOUT_MS);
    });

    it('uses app-supplied state and nonce exactly as given', () => {
      const tx = createTransaction(config, { state: 'my-state-0123456789abcdef', nonce: 'my nonce / with spaces 0123' }, NOW);

      expect(tx.state).toBe('my-state-0123456789abcdef');
      expect(tx.nonce).toBe('my nonce / with spaces 0123');
    });

    it('calls the configured nonce generator once per login that gives no nonce', () => {
      let n = 0;
      const cfg = testConfig({ nonce: () => `generated-nonce-0123456789-${++n}` });

      expect(createTransaction(cfg, {}, NOW).nonce).toBe('generated-nonce-0123456789-1');
      expect(createTransaction(cfg, {}, NOW).nonce).toBe('generated-nonce-0123456789-2');
      expect(createTransaction(cfg, { nonce: 'this-login-nonce-0123456789' }, NOW).nonce).toBe('this-login-nonce-0123456789');
      expect(n).toBe(2);
    });

    it('refuses what the nonce generator returns when it is too short or not a string', () => {
      for (const value of ['short', undefined, 42]) {
        const error = thrownBy(() => createTransaction(testConfig({ nonce: () => value as string }), {}, NOW));
        expect(error.code).withContext(String(value)).toBe('invalid_configuration');
        expect(error.details.option).toBe('nonce');
      }
    });

    it('lets login options override scope and audience for this login only, normalising the scope', () => {
      const tx = createTransaction(config, { scope: ' openid  orders:read ', audience: 'https://orders.example.com', maxAge: 300 }, NOW);

      expect(tx.scope).toBe('openid orders:read');
      expect(tx.audience).toBe('https://orders.example.com');
      expect(tx.maxAge).toBe(300);
      expect(config.scope).toBe('openid profile email');
      expect(config.audience).toBe('https://api.example.com');
    });

    it('keeps returnUrl and appState', () => {
      const tx = createTransaction(config, { returnUrl: '/orders?id=1', appState: { tab: 2 } }, NOW);

      expect(tx.returnUrl).toBe('/orders?id=1');
      expect(tx.appState).toEqual({ tab: 2 });
    });

    it('remembers the acr values a login requires, through storage, for the ID token check', () => {
      const tx = createTransaction(config, { acrValues: ' urn:example:mfa  urn:example:hwk ', acrRequired: true }, NOW);
      saveTransaction(storage, tx);

      expect(tx.requiredAcr).toEqual(['urn:example:mfa', 'urn:example:hwk']);
      expect(takeTransaction(storage, tx.state, NOW).requiredAcr).toEqual(['urn:example:mfa', 'urn:example:hwk']);
    });

    it('requires nothing for acrValues alone (a voluntary request) or acrRequired: false', () => {
      expect(createTransaction(config, { acrValues: 'urn:example:mfa' }, NOW).requiredAcr).toBeUndefined();
      expect(createTransaction(config, { acrValues: 'urn:example:mfa', acrRequired: false }, NOW).requiredAcr).toBeUndefined();
    });

    it('refuses acrRequired without acr values with a TypeError', () => {
      for (const acrValues of [undefined, '', '   ']) {
        expect(() => createTransaction(config, { acrValues, acrRequired: true }, NOW)).withContext(String(acrValues)).toThrowError(TypeError, /acrRequired needs acrValues/);
      }
    });

    it('expires after loginTimeoutSeconds', () => {
      const tx = createTransaction(testConfig({ loginTimeoutSeconds: 30 }), {}, NOW);

      expect(tx.expiresAt).toBe(NOW + 30_000);
    });
  });

  describe('saveTransaction and takeTransaction', () => {
    it('stores each login under a key derived from its state', () => {
      const tx = createTransaction(config, {}, NOW);
      saveTransaction(storage, tx);

      expect(JSON.parse(storage.getItem(TRANSACTION_PREFIX + tx.state)!)).toEqual(JSON.parse(JSON.stringify(tx)));
    });

    it('keeps two logins apart: neither overwrites the other', () => {
      const first = createTransaction(config, {}, NOW);
      const second = createTransaction(config, {}, NOW + 1);
      saveTransaction(storage, first);
      saveTransaction(storage, second);

      expect(takeTransaction(storage, first.state, NOW + 2).nonce).toBe(first.nonce);
      expect(takeTransaction(storage, second.state, NOW + 2).nonce).toBe(second.nonce);
    });

    it('consumes a transaction exactly once: the second take is state_mismatch', () => {
      const tx = createTransaction(config, {}, NOW);
      saveTransaction(storage, tx);

      expect(takeTransaction(storage, tx.state, NOW)).toEqual(JSON.parse(JSON.stringify(tx)));
      const err = thrownBy(() => takeTransaction(storage, tx.state, NOW));

      expect(err.code).toBe('state_mismatch');
      expect(err.details).toEqual(jasmine.objectContaining({ claim: 'state', actual: tx.state }));
      expect(storage.length).toBe(0);
    });

    it('refuses an unknown state with state_mismatch and leaves other logins untouched', () => {
      const tx = createTransaction(config, {}, NOW);
      saveTransaction(storage, tx);

      expect(thrownBy(() => takeTransaction(storage, tx.state + 'x', NOW)).code).toBe('state_mismatch');
      expect(storage.getItem(TRANSACTION_PREFIX + tx.state)).not.toBeNull();
    });

    it('refuses an expired transaction with state_mismatch and removes it', () => {
      const tx = createTransaction(config, {}, NOW);
      saveTransaction(storage, tx);

      const err = thrownBy(() => takeTransaction(storage, tx.state, tx.expiresAt));

      expect(err.code).toBe('state_mismatch');
      expect(err.message).toContain('expired');
      expect(err.details.actual).toBe(new Date(tx.expiresAt).toISOString());
      expect(storage.getItem(TRANSACTION_PREFIX + tx.state)).toBeNull();
    });

    it('accepts a transaction until just before it expires', () => {
      const tx = createTransaction(config, {}, NOW);
      saveTransaction(storage, tx);

      expect(takeTransaction(storage, tx.state, tx.expiresAt - 1).state).toBe(tx.state);
    });

    it('refuses a stored transaction whose state is not the one of its key', () => {
      const tx = createTransaction(config, {}, NOW);
      storage.setItem(TRANSACTION_PREFIX + 'forged', JSON.stringify(tx));

      expect(thrownBy(() => takeTransaction(storage, 'forged', NOW)).code).toBe('state_mismatch');
    });

    it('reports a corrupted transaction as storage_error and removes it', () => {
      storage.setItem(TRANSACTION_PREFIX + 'abc', '{not json');

      expect(thrownBy(() => takeTransaction(storage, 'abc', NOW)).code).toBe('storage_error');
      expect(storage.getItem(TRANSACTION_PREFIX + 'abc')).toBeNull();
    });

    it('refuses a duplicate app-supplied state and keeps the pending login', () => {
      const first = createTransaction(config, { state: APP_STATE }, NOW);
      saveTransaction(storage, first);
      const second = createTransaction(config, { state: APP_STATE }, NOW);

      expect(() => saveTransaction(storage, second)).toThrowError(TypeError, /already pending/);
      expect(takeTransaction(storage, APP_STATE, NOW).nonce).toBe(first.nonce);
    });

    it('reports a full storage as storage_error', () => {
      const failing = new FailingStorage();
      failing.failSet = quotaExceeded();

      expect(thrownBy(() => saveTransaction(failing, createTransaction(config, {}, NOW))).code).toBe('storage_error');
    });
  });
});
