import { rejectionOf } from '../../test-support/fake-provider';
import { calculateTokenHash, validateTokenHash } from './token-hash';

// OpenID Connect Core 1.0 Appendix A (RS256 examples): the at_hash of A.3 and the c_hash of A.4.
const SPEC_ACCESS_TOKEN = 'jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y';
const SPEC_AT_HASH = '77QmUPtjPfzWtF2AnpK9RQ';
const SPEC_CODE = 'Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk';
const SPEC_C_HASH = 'LDktKdoQak3Pk0cnXxCltA';

describe('token hashes', () => {
  it('computes the at_hash and c_hash of the OpenID Connect Core examples', async () => {
    expect(await calculateTokenHash(SPEC_ACCESS_TOKEN, 'RS256')).toBe(SPEC_AT_HASH);
    expect(await calculateTokenHash(SPEC_CODE, 'RS256')).toBe(SPEC_C_HASH);
  });

  it('uses the hash size of the algorithm: half of SHA-256, SHA-384, SHA-512', async () => {
    expect((await calculateTokenHash('x', 'ES256')).length).toBe(22);
    expect((await calculateTokenHash('x', 'PS384')).length).toBe(32);
    expect((await calculateTokenHash('x', 'RS512')).length).toBe(43);
    expect((await calculateTokenHash('x', 'EdDSA')).length).toBe(43);
  });

  it('refuses an algorithm without a defined hash', async () => {
    expect((await rejectionOf(calculateTokenHash('x', 'HS256'))).code).toBe('unsupported_alg');
  });

  it('accepts a matching at_hash', async () => {
    await expectAsync(validateTokenHash('at_hash', SPEC_AT_HASH, SPEC_ACCESS_TOKEN, 'RS256', true)).toBeResolved();
  });

  it('rejects an at_hash of another access token, without quoting the token', async () => {
    const err = await rejectionOf(validateTokenHash('at_hash', SPEC_AT_HASH, 'a-substituted-access-token', 'RS256', true));
    expect(err.code).toBe('at_hash_mismatch');
    expect(err.details.actual).toBe(SPEC_AT_HASH);
    expect(err.message).not.toContain('a-substituted-access-token');
  });

  it('rejects a c_hash of another code', async () => {
    const err = await rejectionOf(validateTokenHash('c_hash', SPEC_C_HASH, 'another-code', 'RS256', true));
    expect(err.code).toBe('c_hash_mismatch');
  });

  it('requires the claim only where the flow does', async () => {
    expect((await rejectionOf(validateTokenHash('at_hash', undefined, SPEC_ACCESS_TOKEN, 'RS256', true))).code).toBe('at_hash_mismatch');
    expect((await rejectionOf(validateTokenHash('c_hash', undefined, SPEC_CODE, 'RS256', true))).code).toBe('c_hash_mismatch');
    await expectAsync(validateTokenHash('at_hash', undefined, SPEC_ACCESS_TOKEN, 'RS256', false)).toBeResolved();
  });
});
