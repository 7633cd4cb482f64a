import { AuthError } from './errors';
import { encodeBase64Url, generateRandom } from './random';

/**
 * Generates a PKCE `code_verifier`: 43 characters of base64url from 32 random bytes.
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1
 */
export function generateCodeVerifier(): string {
  return generateRandom();
}

/**
 * Computes the S256 `code_challenge` for a verifier.
 *
 * @param codeVerifier The verifier kept in the login transaction.
 * @returns `BASE64URL(SHA256(ASCII(code_verifier)))`.
 * @throws {AuthError} `crypto_unavailable` when Web Crypto's `subtle` is unavailable.
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
export async function calculateCodeChallenge(codeVerifier: string): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) {
    throw new AuthError(
      'crypto_unavailable',
      (typeof ngDevMode === 'undefined' || ngDevMode) ? 'Web Crypto (crypto.subtle) is not available; PKCE needs a secure context (https or localhost).' : '',
      { expected: 'crypto.subtle' },
    );
  }
  // RFC 7636 §4.2: code_challenge = BASE64URL(SHA256(ASCII(code_verifier))).
  const digest = await subtle.digest('SHA-256', new TextEncoder().encode(codeVerifier));
  return encodeBase64Url(new Uint8Array(digest));
}
