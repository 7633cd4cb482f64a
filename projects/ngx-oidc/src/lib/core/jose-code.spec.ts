import { errors } from 'jose';
import { joseCode } from './jose-code';

describe('joseCode', () => {
  it("reads the code of jose's errors", () => {
    expect(joseCode(new errors.JWTExpired('expired', { exp: 1 }))).toBe('ERR_JWT_EXPIRED');
    expect(joseCode(new errors.JWKSNoMatchingKey())).toBe('ERR_JWKS_NO_MATCHING_KEY');
    expect(joseCode(new errors.JWSSignatureVerificationFailed())).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  });

  it('ignores anything else, codes of other origins included', () => {
    expect(joseCode(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBeUndefined();
    expect(joseCode({ code: 42 })).toBeUndefined();
    expect(joseCode(new Error('plain'))).toBeUndefined();
    expect(joseCode(null)).toBeUndefined();
    expect(joseCode(undefined)).toBeUndefined();
  });
});
