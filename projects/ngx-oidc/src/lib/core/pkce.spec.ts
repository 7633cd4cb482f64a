import { thrownBy, rejectionOf } from '../../test-support/fake-provider';
import { calculateCodeChallenge, generateCodeVerifier } from './pkce';

describe('PKCE', () => {
  describe('generateCodeVerifier', () => {
    it('returns 43 characters of the RFC 7636 unreserved charset', () => {
      const verifier = generateCodeVerifier();

      expect(verifier.length).toBe(43);
      // RFC 7636 §4.1: code-verifier = 43*128unreserved, unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~".
      expect(verifier).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
    });

    it('returns a fresh verifier for every login', () => {
      expect(generateCodeVerifier()).not.toBe(generateCodeVerifier());
    });

    it('refuses to generate a verifier without Web Crypto', () => {
      spyOnProperty(globalThis, 'crypto', 'get').and.returnValue(undefined as unknown as Crypto);

      expect(thrownBy(() => generateCodeVerifier()).code).toBe('crypto_unavailable');
    });
  });

  describe('calculateCodeChallenge', () => {
    it('computes the S256 challenge of the RFC 7636 Appendix B example', async () => {
      const challenge = await calculateCodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk');

      expect(challenge).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    });

    it('returns 43 base64url characters without padding for any verifier', async () => {
      const challenge = await calculateCodeChallenge(generateCodeVerifier());

      expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('throws crypto_unavailable when crypto.subtle is unavailable', async () => {
      spyOnProperty(globalThis, 'crypto', 'get').and.returnValue({ getRandomValues: () => null } as unknown as Crypto);

      const err = await rejectionOf(calculateCodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'));

      expect(err.code).toBe('crypto_unavailable');
      expect(err.message).toContain('crypto.subtle');
    });
  });
});
