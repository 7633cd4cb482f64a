import {
  EncryptJWT,
  exportJWK,
  generateKeyPair,
  generateSecret,
  SignJWT,
  UnsecuredJWT,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import { diagnoseToken, type TokenExpectations, type TokenFindingCode } from './diagnose-token';

const ISSUER = 'https://idp.example.com/';
const API = 'https://api.example.com';
const CLIENT_ID = 'spa-client';
/** A frozen clock: 2026-01-01T00:00:00Z. */
const NOW = Date.UTC(2026, 0, 1);
const NOW_S = NOW / 1000;

describe('diagnoseToken', () => {
  let rsa: CryptoKeyPair;
  let jwks: JSONWebKeySet;

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256', { extractable: true });
    jwks = {
      keys: [{ ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' }],
    };
  });

  /** Claims of an access token that meets {@link EXPECTED}. */
  function claims(overrides: JWTPayload = {}): JWTPayload {
    return {
      iss: ISSUER,
      sub: 'alice',
      aud: [API, `${ISSUER}userinfo`],
      iat: NOW_S - 60,
      exp: NOW_S + 240,
      scope: 'openid read:messages',
      ...overrides,
    };
  }

  function sign(payload: JWTPayload, kid = 'rsa-1'): Promise<string> {
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' })
      .sign(rsa.privateKey);
  }

  const EXPECTED: TokenExpectations = {
    issuer: ISSUER,
    audience: API,
    requiredScopes: ['read:messages'],
    clientId: CLIENT_ID,
    now: NOW,
    clockSkewSeconds: 60,
  };

  function codes(token: string, expectations: TokenExpectations = EXPECTED): TokenFindingCode[] {
    return diagnoseToken(token, { jwks, ...expectations }).findings.map((f) => f.code);
  }

  it('finds nothing in a token that meets every expectation, and decodes it', async () => {
    const token = await sign(claims());
    const diagnosis = diagnoseToken(token, { ...EXPECTED, jwks });
    expect(diagnosis.findings).toEqual([]);
    expect(diagnosis.kind).toBe('jwt');
    expect(diagnosis.header).toEqual({ alg: 'RS256', kid: 'rsa-1', typ: 'at+jwt' });
    expect(diagnosis.claims).toEqual(claims());
    expect(diagnosis.times?.issuedAt).toEqual({
      date: new Date((NOW_S - 60) * 1000),
      inWords: 'issued 1 minute ago',
    });
    expect(diagnosis.times?.expiresAt).toEqual({
      date: new Date((NOW_S + 240) * 1000),
      inWords: 'expires in 4 minutes',
    });
    expect(diagnosis.times?.notBefore).toBeUndefined();
  });

  it('checks nothing it was not given expectations for', async () => {
    expect(diagnoseToken(await sign({ sub: 'alice' })).findings).toEqual([]);
  });

  it('opaque_token: a token that is not a JWT, telling to set audience', () => {
    const token = 'r4nd0m-0paque-t0ken';
    const diagnosis = diagnoseToken(token, EXPECTED);
    expect(diagnosis.kind).toBe('opaque');
    expect(diagnosis.findings.map((f) => f.code)).toEqual(['opaque_token']);
    expect(diagnosis.findings[0].message).toContain('no audience was requested at login');
    expect(diagnosis.findings[0].message).toContain(`set audience to the API identifier "${API}"`);
    expect(diagnosis.claims).toBeUndefined();
    expect(JSON.stringify(diagnosis.findings)).not.toContain(token);
  });

  it('opaque_token: an encrypted token (JWE), with its header', async () => {
    const secret = await generateSecret('A256GCM');
    const token = await new EncryptJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .encrypt(secret);
    const diagnosis = diagnoseToken(token, EXPECTED);
    expect(diagnosis.kind).toBe('opaque');
    expect(diagnosis.header).toEqual(jasmine.objectContaining({ alg: 'dir', enc: 'A256GCM' }));
    expect(diagnosis.findings.map((f) => f.code)).toEqual(['opaque_token']);
    expect(diagnosis.findings[0].message).toContain('encrypted');
  });

  for (const [what, token] of [
    ['an empty string', '  '],
    ['a "Bearer " prefix', 'Bearer abc'],
    ['a JWT header that is not JSON', 'eyJub3QganNvbg.e30.sig'],
    ['a JWT with two segments', 'eyJhbGciOiJSUzI1NiJ9.e30'],
    ['claims that are not a JSON object', 'eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.sig'],
  ]) {
    it(`malformed_token: ${what}`, () => {
      const diagnosis = diagnoseToken(token, EXPECTED);
      expect(diagnosis.kind).toBe('malformed');
      expect(diagnosis.findings.map((f) => f.code)).toEqual(['malformed_token']);
      if (token.trim()) expect(diagnosis.findings[0].message).not.toContain(token);
    });
  }

  it('audience_mismatch: aud does not contain the API identifier, naming both', async () => {
    const diagnosis = diagnoseToken(
      await sign(claims({ aud: 'https://other.example.com' })),
      EXPECTED,
    );
    expect(diagnosis.findings).toEqual([
      jasmine.objectContaining({
        code: 'audience_mismatch',
        severity: 'error',
        expected: API,
        actual: 'https://other.example.com',
      }),
    ]);
    expect(diagnosis.findings[0].message).toContain('"https://other.example.com"');
    expect(diagnosis.findings[0].message).toContain(`"${API}"`);
  });

  it('issuer_mismatch: another issuer, naming both', async () => {
    const diagnosis = diagnoseToken(
      await sign(claims({ iss: 'https://evil.example.com/' })),
      EXPECTED,
    );
    expect(diagnosis.findings.map((f) => f.code)).toEqual(['issuer_mismatch']);
    expect(diagnosis.findings[0].message).toContain('"https://evil.example.com/"');
    expect(diagnosis.findings[0].message).toContain(`"${ISSUER}"`);
  });

  it('issuer_mismatch: a dedicated message when only a trailing slash differs', async () => {
    const diagnosis = diagnoseToken(await sign(claims()), {
      ...EXPECTED,
      issuer: 'https://idp.example.com',
    });
    expect(diagnosis.findings).toEqual([
      jasmine.objectContaining({
        code: 'issuer_mismatch',
        expected: 'https://idp.example.com',
        actual: ISSUER,
      }),
    ]);
    expect(diagnosis.findings[0].message).toContain('differ only by a trailing slash');
  });

  it('expired: exp in the past beyond the clock skew, in words', async () => {
    const token = await sign(claims({ exp: NOW_S - 180 }));
    const diagnosis = diagnoseToken(token, EXPECTED);
    expect(diagnosis.findings.map((f) => f.code)).toEqual(['expired']);
    expect(diagnosis.findings[0].message).toContain('expired 3 minutes ago');
    expect(diagnosis.times?.expiresAt?.inWords).toBe('expired 3 minutes ago');
    expect(codes(token, { ...EXPECTED, clockSkewSeconds: 300 })).toEqual([]);
  });

  it('not_yet_valid: nbf in the future beyond the clock skew, and an iat in the future', async () => {
    const early = await sign(claims({ nbf: NOW_S + 120 }));
    const diagnosis = diagnoseToken(early, EXPECTED);
    expect(diagnosis.findings.map((f) => f.code)).toEqual(['not_yet_valid']);
    expect(diagnosis.findings[0].message).toContain('nbf is in 2 minutes');
    expect(diagnosis.times?.notBefore?.inWords).toBe('not valid until in 2 minutes');
    expect(codes(early, { ...EXPECTED, clockSkewSeconds: 180 })).toEqual([]);
    expect(codes(await sign(claims({ iat: NOW_S + 3600, exp: NOW_S + 7200 })))).toEqual([
      'not_yet_valid',
    ]);
  });

  it('missing_scope: against a space-separated scope claim', async () => {
    const diagnosis = diagnoseToken(await sign(claims({ scope: 'openid read:messages' })), {
      ...EXPECTED,
      requiredScopes: 'read:messages write:messages',
    });
    expect(diagnosis.findings).toEqual([
      jasmine.objectContaining({
        code: 'missing_scope',
        expected: ['read:messages', 'write:messages'],
        actual: ['openid', 'read:messages'],
      }),
    ]);
    expect(diagnosis.findings[0].message).toContain('lacks scope "write:messages"');
  });

  it('missing_scope: against an scp array, and without any scope claim', async () => {
    expect(codes(await sign(claims({ scope: undefined, scp: ['read:messages'] })))).toEqual([]);
    expect(codes(await sign(claims({ scope: undefined, scp: ['profile'] })))).toEqual([
      'missing_scope',
    ]);
    const none = diagnoseToken(await sign(claims({ scope: undefined })), EXPECTED);
    expect(none.findings[0].message).toContain('no "scope" or "scp" claim');
  });

  it('unknown_kid: a kid the JWKS does not hold, listing the kids it has', async () => {
    const diagnosis = diagnoseToken(await sign(claims(), 'rotated-away'), { ...EXPECTED, jwks });
    expect(diagnosis.findings).toEqual([
      jasmine.objectContaining({
        code: 'unknown_kid',
        expected: ['rsa-1'],
        actual: 'rotated-away',
      }),
    ]);
  });

  it('alg_not_in_jwks: the key with that kid is not for the header alg', async () => {
    const ec = await generateKeyPair('ES256');
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'ES256', kid: 'rsa-1' })
      .sign(ec.privateKey);
    const diagnosis = diagnoseToken(token, { ...EXPECTED, jwks });
    expect(diagnosis.findings.map((f) => f.code)).toEqual(['alg_not_in_jwks']);
    expect(diagnosis.findings[0].message).toContain('ES256');
    expect(diagnosis.findings[0].message).toContain('RS256');
    // Without a kid, any key of the set may fit; an EC key without alg fits by kty and curve.
    const ecJwks: JSONWebKeySet = {
      keys: [...jwks.keys, { ...(await exportJWK(ec.publicKey)), kid: 'ec-1' }],
    };
    const noKid = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'ES256' })
      .sign(ec.privateKey);
    expect(codes(noKid, { ...EXPECTED, jwks: ecJwks })).toEqual([]);
    expect(codes(noKid, { ...EXPECTED, jwks })).toEqual(['alg_not_in_jwks']);
  });

  it('alg_none: an unsigned token', () => {
    const token = new UnsecuredJWT(claims()).encode();
    const diagnosis = diagnoseToken(token, { ...EXPECTED, jwks });
    expect(diagnosis.kind).toBe('jwt');
    expect(diagnosis.findings).toEqual([
      jasmine.objectContaining({ code: 'alg_none', severity: 'warning', actual: 'none' }),
    ]);
  });

  it('symmetric_alg: an HMAC-signed token', async () => {
    const secret = await generateSecret('HS256');
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256' }).sign(secret);
    expect(codes(token, { ...EXPECTED, jwks: undefined })).toEqual(['symmetric_alg']);
    // The provider's JWKS holds no key for it either.
    expect(codes(token)).toEqual(['symmetric_alg', 'alg_not_in_jwks']);
  });

  it('id_token_used_as_access_token: nonce or at_hash, or aud = the client id', async () => {
    expect(codes(await sign(claims({ nonce: 'n-0S6_WzA2Mj' })))).toEqual([
      'id_token_used_as_access_token',
    ]);
    expect(codes(await sign(claims({ at_hash: 'HK6E_P6Dh8Y93mRNtsDB1Q' })))).toEqual([
      'id_token_used_as_access_token',
    ]);
    const idToken = diagnoseToken(await sign(claims({ aud: CLIENT_ID })), EXPECTED);
    expect(idToken.findings.map((f) => f.code)).toEqual([
      'audience_mismatch',
      'id_token_used_as_access_token',
    ]);
    expect(idToken.findings[1].message).toContain(`the client id "${CLIENT_ID}"`);
  });

  it('dpop_key_mismatch: sent with DPoP, cnf.jkt missing or naming another key', async () => {
    const bound = await sign(claims({ cnf: { jkt: 'key-a' } }));
    expect(codes(bound, { ...EXPECTED, dpopJkt: 'key-a' })).toEqual([]);
    expect(codes(bound, EXPECTED)).toEqual([]); // not sent with DPoP: nothing to compare
    const other = diagnoseToken(bound, { ...EXPECTED, dpopJkt: 'key-b' }).findings;
    expect(other).toEqual([jasmine.objectContaining({ code: 'dpop_key_mismatch', expected: 'key-b', actual: 'key-a' })]);
    expect(other[0].message).toContain('another key');
    const unbound = diagnoseToken(await sign(claims()), { ...EXPECTED, dpopJkt: 'key-b' }).findings;
    expect(unbound).toEqual([jasmine.objectContaining({ code: 'dpop_key_mismatch', actual: undefined })]);
    expect(unbound[0].message).toContain('not bound to a key');
  });

  it('never repeats the token in a finding', async () => {
    const token = await sign(
      claims({ aud: CLIENT_ID, iss: 'https://x', exp: NOW_S - 999, scope: '', nonce: 'n' }),
      'k',
    );
    const diagnosis = diagnoseToken(token, { ...EXPECTED, jwks });
    expect(diagnosis.findings.length).toBeGreaterThan(4);
    const text = JSON.stringify(diagnosis.findings);
    for (const part of token.split('.')) expect(text).not.toContain(part);
  });

  it('accepts a Date as now', async () => {
    expect(codes(await sign(claims()), { ...EXPECTED, now: new Date(NOW + 3_600_000) })).toEqual([
      'expired',
    ]);
  });
});
