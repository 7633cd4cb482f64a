import { AuthError } from './errors';
import { encodeBase64Url } from './random';

/**
 * Computes `at_hash` or `c_hash`: the base64url of the left-most half of the hash of the ASCII
 * value, with the hash function of the ID token's JWS algorithm.
 *
 * @param value The access token or authorization code.
 * @param alg The `alg` of the ID token's header.
 * @throws {AuthError} `unsupported_alg` for an algorithm without a defined hash.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ImplicitIDToken
 * @see https://openid.net/specs/openid-connect-core-1_0.html#HybridIDToken
 */
export async function calculateTokenHash(value: string, alg: string): Promise<string> {
  const digest = await crypto.subtle.digest(hashOf(alg), new TextEncoder().encode(value));
  const bytes = new Uint8Array(digest);
  return encodeBase64Url(bytes.slice(0, bytes.length / 2));
}

/**
 * Checks an `at_hash` or `c_hash` claim against the value it must describe.
 *
 * @param claim Which claim: `at_hash` (access token) or `c_hash` (code).
 * @param actual The claim's value in the ID token (`undefined` when absent).
 * @param value The access token or code received.
 * @param required Whether the flow makes the claim REQUIRED.
 * @throws {AuthError} `at_hash_mismatch` or `c_hash_mismatch`.
 */
export async function validateTokenHash(
  claim: 'at_hash' | 'c_hash',
  actual: unknown,
  value: string,
  alg: string,
  required: boolean,
): Promise<void> {
  const code = claim === 'at_hash' ? 'at_hash_mismatch' : 'c_hash_mismatch';
  if (actual === undefined) {
    if (!required) return;
    throw new AuthError(code, (typeof ngDevMode === 'undefined' || ngDevMode) ? `The ID token has no "${claim}" although this flow requires it to bind the ${claim === 'at_hash' ? 'access token' : 'authorization code'}.` : '', { claim });
  }
  const expected = await calculateTokenHash(value, alg);
  if (actual !== expected) {
    // The hash of the received value is shown, never the value itself.
    throw new AuthError(code, (typeof ngDevMode === 'undefined' || ngDevMode) ? `The ID token's ${claim} "${String(actual)}" does not match the ${claim === 'at_hash' ? 'access token' : 'authorization code'} received (its hash is "${expected}").` : '', {
      claim,
      expected,
      actual,
    });
  }
}

// OIDC Core 1.0 §3.2.2.10: the hash algorithm is the one of the JWS alg (RS256 → SHA-256, …);
// for EdDSA with Ed25519, SHA-512 (OpenID Connect Core errata set 2).
function hashOf(alg: string): 'SHA-256' | 'SHA-384' | 'SHA-512' {
  if (/^(RS|PS|ES)256$/.test(alg)) return 'SHA-256';
  if (/^(RS|PS|ES)384$/.test(alg)) return 'SHA-384';
  if (/^(RS|PS|ES)512$/.test(alg) || alg === 'EdDSA' || alg === 'Ed25519') return 'SHA-512';
  throw new AuthError('unsupported_alg', (typeof ngDevMode === 'undefined' || ngDevMode) ? `No token hash is defined for alg "${alg}".` : '', { claim: 'alg', actual: alg });
}
