import type { JWTPayload } from 'jose';
import {
  CLIENT_ID,
  createKey,
  DISCOVERY,
  FakeProvider,
  idTokenClaims,
  ISSUER,
  NOW,
  publicKeyPem,
  rejectionOf,
  signHmacToken,
  signToken,
  unsignedToken,
  type TestKey,
} from '../../test-support/fake-provider';
import type { AuthError } from './errors';
import { validateIdToken, type IdTokenExpectations } from './id-token';
import { createKeyStore, type KeyStore } from './jwks';

const NONCE = 'nonce-of-this-login-0123456789';
const NOW_S = Math.floor(NOW / 1000);
const SKEW = 60;

describe('validateIdToken', () => {
  let rsa: TestKey;
  let other: TestKey;
  let ec: TestKey;
  let rsa2: TestKey;
  let provider: FakeProvider;

  beforeAll(async () => {
    [rsa, other, ec, rsa2] = await Promise.all([createKey('k1'), createKey('k1'), createKey('ec1', 'ES256'), createKey('k2')]);
  });

  beforeEach(() => {
    provider = new FakeProvider();
    provider.keys = [rsa.jwk];
  });

  function expectations(overrides: Partial<IdTokenExpectations> = {}): IdTokenExpectations {
    return {
      issuer: ISSUER,
      clientId: CLIENT_ID,
      nonce: NONCE,
      clockSkewSeconds: SKEW,
      now: NOW,
      algorithms: DISCOVERY.id_token_signing_alg_values_supported,
      ...overrides,
    };
  }

  function keyStore(initial?: TestKey[]): KeyStore {
    return createKeyStore(DISCOVERY.jwks_uri, provider.fetch, () => NOW, initial ? { keys: initial.map((k) => k.jwk) } : undefined);
  }

  function validate(token: string, overrides: Partial<IdTokenExpectations> = {}, keys = keyStore()) {
    return validateIdToken(token, keys.resolve, expectations(overrides));
  }

  /** Validates a token that must be refused; checks that no token leaks into the error. */
  async function refused(token: string, code: string, overrides: Partial<IdTokenExpectations> = {}, keys = keyStore()): Promise<AuthError> {
    const err = await rejectionOf(validate(token, overrides, keys));
    expect(err.code).toBe(code);
    expect(err.message).not.toContain(token);
    expect(JSON.stringify(err.details)).not.toContain(token);
    return err;
  }

  const sign = (claims: JWTPayload, key: TestKey = rsa, header?: Parameters<typeof signToken>[2]) => signToken(key, claims, header);
  const claims = (overrides: JWTPayload = {}) => idTokenClaims(NONCE, overrides);
  const jwksRequests = () => provider.requestsTo(DISCOVERY.jwks_uri).length;

  describe('valid tokens', () => {
    it('accepts a token signed by the provider for this client and login, returning its claims', async () => {
      const result = await validate(await sign(claims()));

      expect(result.sub).toBe('alice');
      expect(result.nonce).toBe(NONCE);
      expect(result.name).toBe('Alice');
      expect(result.exp).toBe(NOW_S + 300);
    });

    it('accepts an ES256 token when the provider advertises ES256', async () => {
      provider.keys = [rsa.jwk, ec.jwk];

      expect((await validate(await sign(claims(), ec))).sub).toBe('alice');
    });

    it('accepts several audiences when azp is this client', async () => {
      const result = await validate(await sign(claims({ aud: [CLIENT_ID, 'https://api.example.com'], azp: CLIENT_ID })));

      expect(result.aud).toEqual([CLIENT_ID, 'https://api.example.com']);
    });

    it('accepts a single audience with azp of this client', async () => {
      expect((await validate(await sign(claims({ azp: CLIENT_ID })))).azp).toBe(CLIENT_ID);
    });
  });

  describe('nonce', () => {
    it('rejects an ID token whose nonce is not the one this login sent', async () => {
      const token = await sign(idTokenClaims('nonce-of-another-login'));

      const err = await refused(token, 'nonce_mismatch');

      expect(err.details).toEqual(jasmine.objectContaining({ claim: 'nonce', expected: NONCE, actual: 'nonce-of-another-login' }));
      expect(err.message).toContain(NONCE);
      expect(err.message).toContain('nonce-of-another-login');
    });

    it('rejects an ID token without nonce', async () => {
      const { nonce: _omit, ...withoutNonce } = claims();

      const err = await refused(await sign(withoutNonce), 'nonce_missing');

      expect(err.details).toEqual(jasmine.objectContaining({ claim: 'nonce', expected: NONCE }));
    });

    it('rejects a nonce that only equals the expected one after type coercion', async () => {
      await refused(await sign(idTokenClaims(123 as unknown as string)), 'nonce_mismatch', { nonce: '123' });
    });
  });

  describe('audience and azp', () => {
    it('rejects an ID token whose aud is another client', async () => {
      const err = await refused(await sign(claims({ aud: 'other-client' })), 'invalid_audience');

      expect(err.details).toEqual(jasmine.objectContaining({ claim: 'aud', expected: CLIENT_ID, actual: 'other-client' }));
      expect(err.message).toContain('other-client');
      expect(err.message).toContain(CLIENT_ID);
    });

    it('rejects an ID token whose aud list does not contain this client', async () => {
      await refused(await sign(claims({ aud: ['other-client', 'https://api.example.com'], azp: CLIENT_ID })), 'invalid_audience');
    });

    it('rejects an ID token with several audiences but no azp', async () => {
      const err = await refused(await sign(claims({ aud: [CLIENT_ID, 'other-client'] })), 'azp_mismatch');

      expect(err.details).toEqual(jasmine.objectContaining({ claim: 'azp', expected: CLIENT_ID, actual: undefined }));
      expect(err.message).toContain('other-client');
    });

    it('rejects an ID token whose azp is another client', async () => {
      const err = await refused(await sign(claims({ azp: 'other-client' })), 'azp_mismatch');

      expect(err.details).toEqual(jasmine.objectContaining({ expected: CLIENT_ID, actual: 'other-client' }));
    });

    it('rejects an ID token with several audiences whose azp is another client', async () => {
      await refused(await sign(claims({ aud: [CLIENT_ID, 'other-client'], azp: 'other-client' })), 'azp_mismatch');
    });
  });

  describe('issuer', () => {
    it('rejects an ID token issued by another provider (mix-up)', async () => {
      const err = await refused(await sign(claims({ iss: 'https://evil.example.com' })), 'invalid_issuer');

      expect(err.details).toEqual(jasmine.objectContaining({ claim: 'iss', expected: ISSUER, actual: 'https://evil.example.com' }));
      expect(err.message).toContain('https://evil.example.com');
    });

    it('requires the issuer to match exactly, trailing slash included', async () => {
      await refused(await sign(claims({ iss: `${ISSUER}/` })), 'invalid_issuer');
    });

    it('rejects an ID token without iss with missing_claim', async () => {
      const { iss: _omit, ...withoutIss } = claims();

      expect((await refused(await sign(withoutIss), 'missing_claim')).details.claim).toBe('iss');
    });
  });

  describe('algorithm', () => {
    it('rejects an unsigned token (alg: none) without looking up keys', async () => {
      const token = unsignedToken(claims());

      const err = await refused(token, 'unsupported_alg');

      expect(err.details.claim).toBe('alg');
      expect(jwksRequests()).toBe(0);
    });

    it('rejects alg: none even when the provider advertises it', async () => {
      await refused(unsignedToken(claims()), 'unsupported_alg', { algorithms: ['none', 'RS256'] });
    });

    it('rejects an HS256 token signed with the public key as secret (alg confusion)', async () => {
      const pem = await publicKeyPem(rsa);
      const token = await signHmacToken(new TextEncoder().encode(pem), claims(), { kid: 'k1' });

      await refused(token, 'unsupported_alg');
      expect(jwksRequests()).toBe(0);
    });

    it('rejects an HS256 token even when the provider advertises HS256', async () => {
      const token = await signHmacToken(new TextEncoder().encode('any shared secret of 32 bytes!!!'), claims(), { kid: 'k1' });

      await refused(token, 'unsupported_alg', { algorithms: ['HS256', 'RS256'] });
      await refused(token, 'unsupported_alg', { algorithms: ['HS256'] });
      expect(jwksRequests()).toBe(0);
    });

    it('accepts only RS256 when the provider advertises no algorithms', async () => {
      provider.keys = [rsa.jwk, ec.jwk];

      expect((await validate(await sign(claims()), { algorithms: undefined })).sub).toBe('alice');
      const err = await refused(await sign(claims(), ec), 'unsupported_alg', { algorithms: undefined });
      expect(err.details.expected).toEqual(['RS256']);
    });

    it('rejects an algorithm the provider does not advertise', async () => {
      provider.keys = [rsa.jwk, ec.jwk];

      await refused(await sign(claims(), ec), 'unsupported_alg', { algorithms: ['RS256'] });
    });
  });

  describe('signature and keys', () => {
    it('rejects a token signed with another key under the same kid', async () => {
      const err = await refused(await sign(claims(), other), 'invalid_signature');

      expect(err.message).toContain('signature');
    });

    it('rejects a token whose payload was altered after signing', async () => {
      const [header, , signature] = (await sign(claims())).split('.');
      const [, payload] = (await sign(claims({ sub: 'mallory' }), other)).split('.');

      await refused(`${header}.${payload}.${signature}`, 'invalid_signature');
    });

    it('refetches the JWKS exactly once for an unknown kid, then fails with unknown_kid', async () => {
      const keys = keyStore([rsa]);

      const err = await refused(await sign(claims(), rsa2), 'unknown_kid', {}, keys);

      expect(err.details).toEqual(jasmine.objectContaining({ claim: 'kid', actual: 'k2' }));
      expect(jwksRequests()).toBe(1);
    });

    it('accepts a rotated key: unknown in the cached JWKS, present after one refetch', async () => {
      provider.keys = [rsa.jwk, rsa2.jwk];
      const keys = keyStore([rsa]);

      expect((await validate(await sign(claims(), rsa2), {}, keys)).sub).toBe('alice');
      expect(jwksRequests()).toBe(1);
    });

    it('needs no JWKS request when the cached key set has the kid', async () => {
      await validate(await sign(claims()), {}, keyStore([rsa]));

      expect(provider.requests.length).toBe(0);
    });

    it('accepts a token without kid when the JWKS has a single key', async () => {
      expect((await validate(await sign(claims(), rsa, { kid: null }))).sub).toBe('alice');
    });

    it('rejects a token without kid when the JWKS has two RS256 keys', async () => {
      provider.keys = [rsa.jwk, rsa2.jwk];

      await refused(await sign(claims(), rsa, { kid: null }), 'unknown_kid');
    });

    it('rejects a malformed token with invalid_response', async () => {
      await refused('not-a-jwt', 'invalid_response');
      await refused('a.b.c', 'invalid_response');
    });
  });

  describe('time', () => {
    it('rejects an expired ID token', async () => {
      const err = await refused(await sign(claims({ iat: NOW_S - 600, exp: NOW_S - SKEW - 1 })), 'token_expired');

      expect(err.details).toEqual(jasmine.objectContaining({ claim: 'exp', actual: NOW_S - SKEW - 1 }));
      expect(err.message).toContain(new Date((NOW_S - SKEW - 1) * 1000).toISOString());
    });

    it('accepts a token that expired within the clock skew', async () => {
      expect((await validate(await sign(claims({ iat: NOW_S - 600, exp: NOW_S - SKEW + 1 })))).sub).toBe('alice');
    });

    it('applies the configured clock skew', async () => {
      await refused(await sign(claims({ iat: NOW_S - 600, exp: NOW_S - 1 })), 'token_expired', { clockSkewSeconds: 0 });
    });

    it('rejects an ID token issued in the future beyond the clock skew', async () => {
      const err = await refused(await sign(claims({ iat: NOW_S + SKEW + 1, exp: NOW_S + 600 })), 'iat_in_future');

      expect(err.details).toEqual(jasmine.objectContaining({ claim: 'iat', actual: NOW_S + SKEW + 1, expected: `<= ${NOW_S + SKEW}` }));
    });

    it('accepts an iat in the future within the clock skew', async () => {
      expect((await validate(await sign(claims({ iat: NOW_S + SKEW, exp: NOW_S + 600 })))).sub).toBe('alice');
    });

    it('rejects a token not yet valid (nbf) beyond the clock skew with token_not_yet_valid', async () => {
      const err = await refused(await sign(claims({ nbf: NOW_S + SKEW + 1 })), 'token_not_yet_valid');

      expect(err.details).toEqual(jasmine.objectContaining({ claim: 'nbf', actual: NOW_S + SKEW + 1 }));
    });

    it('accepts an nbf in the future within the clock skew', async () => {
      expect((await validate(await sign(claims({ nbf: NOW_S + SKEW })))).sub).toBe('alice');
    });
  });

  describe('required claims', () => {
    it('rejects an ID token without sub with missing_claim', async () => {
      const { sub: _omit, ...withoutSub } = claims();

      expect((await refused(await sign(withoutSub), 'missing_claim')).details.claim).toBe('sub');
    });

    it('rejects an ID token with an empty sub with missing_claim', async () => {
      expect((await refused(await sign(claims({ sub: '' })), 'missing_claim')).details.claim).toBe('sub');
    });

    it('rejects an ID token without iat', async () => {
      const { iat: _omit, ...withoutIat } = claims();

      expect((await refused(await sign(withoutIat), 'missing_claim')).details.claim).toBe('iat');
    });

    it('rejects an ID token without exp', async () => {
      const { exp: _omit, ...withoutExp } = claims();

      expect((await refused(await sign(withoutExp), 'missing_claim')).details.claim).toBe('exp');
    });

    it('rejects an ID token without aud', async () => {
      const { aud: _omit, ...withoutAud } = claims();

      expect((await refused(await sign(withoutAud), 'missing_claim')).details.claim).toBe('aud');
    });

    it('rejects a non-numeric exp', async () => {
      expect((await refused(await sign(claims({ exp: 'tomorrow' as unknown as number })), 'missing_claim')).details.claim).toBe('exp');
    });
  });

  describe('max_age', () => {
    it('rejects an ID token without auth_time when the login sent max_age', async () => {
      const err = await refused(await sign(claims()), 'missing_claim', { maxAge: 300 });

      expect(err.details.claim).toBe('auth_time');
    });

    it('rejects an authentication older than max_age with auth_time_too_old', async () => {
      const authTime = NOW_S - 300 - SKEW - 1;

      const err = await refused(await sign(claims({ auth_time: authTime })), 'auth_time_too_old', { maxAge: 300 });

      expect(err.details).toEqual(jasmine.objectContaining({ claim: 'auth_time', actual: authTime }));
    });

    it('accepts a recent enough authentication', async () => {
      expect((await validate(await sign(claims({ auth_time: NOW_S - 300 })), { maxAge: 300 })).auth_time).toBe(NOW_S - 300);
    });

    it('does not require auth_time without max_age', async () => {
      expect((await validate(await sign(claims()))).auth_time).toBeUndefined();
    });
  });

  describe('acr', () => {
    const REQUIRED = ['urn:example:mfa', 'urn:example:hwk'];

    it('accepts an ID token whose acr is one of the required values', async () => {
      expect((await validate(await sign(claims({ acr: 'urn:example:hwk' })), { requiredAcr: REQUIRED })).acr).toBe('urn:example:hwk');
    });

    it('rejects an ID token without acr when the login required one, with acr_not_satisfied', async () => {
      const err = await refused(await sign(claims()), 'acr_not_satisfied', { requiredAcr: REQUIRED });

      expect(err.details).toEqual({ claim: 'acr', expected: REQUIRED, actual: undefined });
      expect(err.message).toContain('"urn:example:mfa" or "urn:example:hwk"');
      expect(err.message).toContain('has no "acr"');
    });

    it('rejects another acr (a weaker authentication) with acr_not_satisfied', async () => {
      const err = await refused(await sign(claims({ acr: 'urn:example:pwd' })), 'acr_not_satisfied', { requiredAcr: REQUIRED });

      expect(err.details).toEqual({ claim: 'acr', expected: REQUIRED, actual: 'urn:example:pwd' });
      expect(err.message).toContain('"urn:example:pwd"');
    });

    it('rejects an acr that only contains a required value, or is not a string', async () => {
      for (const acr of ['urn:example:mfa urn:example:hwk', ['urn:example:mfa'], 1]) {
        await refused(await sign(claims({ acr: acr as string })), 'acr_not_satisfied', { requiredAcr: REQUIRED });
      }
    });

    it('does not check acr unless the login required it', async () => {
      expect((await validate(await sign(claims({ acr: 'urn:example:pwd' })))).acr).toBe('urn:example:pwd');
      expect((await validate(await sign(claims()))).acr).toBeUndefined();
    });
  });

  describe('misuse', () => {
    it('throws a TypeError when a required at_hash or c_hash check has no tokenHash', async () => {
      const token = await sign(claims());
      for (const binding of ['accessToken', 'code'] as const) {
        const err: unknown = await validate(token, { [binding]: { value: 'x', required: true } }).catch((e: unknown) => e);
        expect(err).withContext(binding).toBeInstanceOf(TypeError);
        expect((err as Error).message).withContext(binding).toContain(binding === 'code' ? 'c_hash' : 'at_hash');
      }
    });

    it('skips a binding that is not required when there is no tokenHash', async () => {
      expect((await validate(await sign(claims()), { accessToken: { value: 'x', required: false } })).sub).toBe('alice');
    });
  });
});
