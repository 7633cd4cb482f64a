import { AuthError } from './errors';

/**
 * Returns a base64url string of 32 random bytes (256 bits) from `crypto.getRandomValues`.
 * Used for `state`, `nonce` and the PKCE `code_verifier`.
 *
 * @throws {AuthError} `crypto_unavailable` when Web Crypto is unavailable; there is no
 *   weaker fallback on purpose.
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-7.1
 */
export function generateRandom(): string {
  const crypto = globalThis.crypto;
  if (!crypto?.getRandomValues) {
    throw new AuthError(
      'crypto_unavailable',
      (typeof ngDevMode === 'undefined' || ngDevMode) ? 'Web Crypto (crypto.getRandomValues) is not available; ngx-oidc needs a secure context (https or localhost).' : '',
      { expected: 'crypto.getRandomValues' },
    );
  }
  return encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/** Encodes bytes as base64url without padding (RFC 4648 §5). */
export function encodeBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
