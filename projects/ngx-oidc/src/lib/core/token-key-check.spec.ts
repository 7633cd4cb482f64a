import type { JSONWebKeySet } from 'jose';
import { checkAlgorithm } from './token-key-check';

describe('checkAlgorithm', () => {
  const jwks: JSONWebKeySet = {
    keys: [
      { kid: 'rsa', kty: 'RSA', use: 'sig', n: 'x', e: 'AQAB' },
      { kid: 'ec', kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
      { kid: 'ed', kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', x: 'x' },
      { kid: 'enc', kty: 'RSA', use: 'enc', n: 'x', e: 'AQAB' },
    ],
  };
  const codes = (header: { alg?: string; kid?: string }, keys: JSONWebKeySet | null = jwks) => checkAlgorithm(header, keys ?? undefined).map((f) => f.code);

  it('accepts a key that fits the algorithm', () => {
    expect(codes({ alg: 'RS256', kid: 'rsa' })).toEqual([]);
    expect(codes({ alg: 'PS384', kid: 'rsa' })).toEqual([]);
    expect(codes({ alg: 'ES256', kid: 'ec' })).toEqual([]);
    expect(codes({ alg: 'Ed25519', kid: 'ed' })).toEqual([]);
    expect(codes({ alg: 'RS256' })).toEqual([]);
  });

  it('flags an unsigned token only as alg_none', () => {
    expect(codes({ alg: 'none', kid: 'rsa' })).toEqual(['alg_none']);
  });

  it('flags a shared-secret algorithm, and that no published key fits it', () => {
    expect(codes({ alg: 'HS256', kid: 'rsa' })).toEqual(['symmetric_alg', 'alg_not_in_jwks']);
    expect(codes({ alg: 'HS256' }, null)).toEqual(['symmetric_alg']);
  });

  it('flags a kid the JWKS lacks, naming the kids it has', () => {
    const [finding] = checkAlgorithm({ alg: 'RS256', kid: 'rotated' }, jwks);

    expect(finding.code).toBe('unknown_kid');
    expect(finding.expected).toEqual(['rsa', 'ec', 'ed', 'enc']);
  });

  it('flags a key of another type or curve, or one not for signatures', () => {
    expect(codes({ alg: 'ES256', kid: 'rsa' })).toEqual(['alg_not_in_jwks']);
    expect(codes({ alg: 'ES384', kid: 'ec' })).toEqual(['alg_not_in_jwks']);
    expect(codes({ alg: 'RS256', kid: 'enc' })).toEqual(['alg_not_in_jwks']);
    expect(codes({ alg: 'RS256', kid: 'ed' })).toEqual(['alg_not_in_jwks']);
  });

  it('checks nothing more without a JWKS', () => {
    expect(codes({ alg: 'ES256', kid: 'nope' }, null)).toEqual([]);
  });
});
