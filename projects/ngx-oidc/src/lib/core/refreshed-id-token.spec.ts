import {
  CLIENT_ID,
  createKey,
  DISCOVERY,
  FakeProvider,
  idTokenClaims,
  ISSUER,
  NOW,
  rejectionOf,
  signToken,
  type TestKey,
} from '../../test-support/fake-provider';
import { createKeyStore } from './jwks';
import { validateRefreshedIdToken } from './refreshed-id-token';
import type { IdTokenClaims } from './types';

describe('validateRefreshedIdToken', () => {
  let key: TestKey;
  let provider: FakeProvider;

  beforeAll(async () => {
    key = await createKey('k1');
  });

  beforeEach(() => {
    provider = new FakeProvider();
    provider.keys = [key.jwk];
  });

  const original = idTokenClaims('login-nonce') as unknown as IdTokenClaims;
  const expected = { issuer: ISSUER, clientId: CLIENT_ID, clockSkewSeconds: 60, now: NOW + 1000, algorithms: ['RS256'] };

  function keys() {
    return createKeyStore(DISCOVERY.jwks_uri, provider.fetch, () => NOW).resolve;
  }

  it('accepts an ID token for the same sub without a nonce', async () => {
    const claims = idTokenClaims('unused', { name: 'Alice L.' });
    delete claims['nonce'];
    const token = await signToken(key, claims);

    const validated = await validateRefreshedIdToken(token, keys(), original, expected);

    expect(validated.sub).toBe('alice');
    expect(validated['name']).toBe('Alice L.');
  });

  it('accepts an ID token carrying the original nonce', async () => {
    const token = await signToken(key, idTokenClaims('login-nonce'));

    const validated = await validateRefreshedIdToken(token, keys(), original, expected);

    expect(validated.nonce).toBe('login-nonce');
  });

  it('refuses an ID token for another sub with invalid_response', async () => {
    const token = await signToken(key, idTokenClaims('login-nonce', { sub: 'mallory' }));

    const err = await rejectionOf(validateRefreshedIdToken(token, keys(), original, expected));

    expect(err.code).toBe('invalid_response');
    expect(err.details).toEqual(jasmine.objectContaining({ claim: 'sub', expected: 'alice', actual: 'mallory' }));
  });

  it('refuses a nonce other than the original with nonce_mismatch', async () => {
    const token = await signToken(key, idTokenClaims('another-nonce'));

    const err = await rejectionOf(validateRefreshedIdToken(token, keys(), original, expected));

    expect(err.code).toBe('nonce_mismatch');
  });

  it('validates the token like any ID token (issuer, audience, signature)', async () => {
    const other = await createKey('k1');
    const forged = await signToken(other, idTokenClaims('login-nonce'));
    const wrongAud = await signToken(key, idTokenClaims('login-nonce', { aud: 'someone-else' }));

    expect((await rejectionOf(validateRefreshedIdToken(forged, keys(), original, expected))).code).toBe('invalid_signature');
    expect((await rejectionOf(validateRefreshedIdToken(wrongAud, keys(), original, expected))).code).toBe('invalid_audience');
  });
});
