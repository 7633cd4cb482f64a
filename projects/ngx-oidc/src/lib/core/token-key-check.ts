import type { JSONWebKeySet, JWK, ProtectedHeaderParameters } from 'jose';
import type { TokenFinding } from './token-diagnosis';
import { list } from './token-wording';

// diagnoseToken's look at the signature's algorithm and key id against the provider's JWKS
// (no verification: the signature is not checked).

/** Findings on `alg` and `kid`: unsigned, a shared secret, a key the JWKS lacks or that does not fit. */
export function checkAlgorithm(
  header: ProtectedHeaderParameters,
  jwks: JSONWebKeySet | undefined,
): TokenFinding[] {
  const alg = header.alg;
  // RFC 8725 §3.1 / RFC 9068 §4: "none" must never be accepted for an access token.
  if (alg === 'none') {
    return [
      {
        code: 'alg_none',
        severity: 'warning',
        message: 'The token is unsigned (alg "none"); no API should accept it.',
        expected: 'a signature algorithm such as RS256',
        actual: alg,
      },
    ];
  }
  const findings: TokenFinding[] = [];
  // RFC 8725 §3.1: an HMAC token is signed with a shared secret, which a provider's JWKS never holds.
  if (typeof alg === 'string' && /^HS\d+$/.test(alg)) {
    findings.push({
      code: 'symmetric_alg',
      severity: 'warning',
      message: `The token is signed with ${alg}, a shared secret: the API cannot check it with the provider's public keys (expected RS256, ES256, …).`,
      expected: 'an asymmetric algorithm (RS256, ES256, …)',
      actual: alg,
    });
  }
  if (!jwks || !Array.isArray(jwks.keys)) return findings;
  const kid = header.kid;
  // RFC 7515 §4.1.4: kid selects the provider's key; a kid it does not publish cannot verify.
  const candidates = kid === undefined ? jwks.keys : jwks.keys.filter((key) => key.kid === kid);
  if (kid !== undefined && candidates.length === 0) {
    const kids = jwks.keys.map((key) => key.kid).filter((k): k is string => typeof k === 'string');
    findings.push({
      code: 'unknown_kid',
      severity: 'error',
      message: `The token's key id "${kid}" is not in the JWKS, which has ${kids.length ? `kid ${list(kids)}` : 'no kid'}. A token from another provider or tenant, or a rotated key.`,
      expected: kids,
      actual: kid,
    });
    return findings;
  }
  // RFC 7517 §4.1, §4.4: the key's kty (and alg, when given) must fit the header's alg.
  if (typeof alg === 'string' && !candidates.some((key) => keyFits(key, alg))) {
    const keys = candidates.map(describeKey);
    findings.push({
      code: 'alg_not_in_jwks',
      severity: 'error',
      message: `The token is signed with ${alg}${kid === undefined ? '' : ` (kid "${kid}")`}, but the JWKS ${keys.length ? `offers ${keys.join(', ')}` : 'has no keys'}.`,
      expected: keys,
      actual: alg,
    });
  }
  return findings;
}

function keyFits(key: JWK, alg: string): boolean {
  if (key.use !== undefined && key.use !== 'sig') return false;
  if (key.alg !== undefined) return key.alg === alg || (isEdDsa(key.alg) && isEdDsa(alg));
  if (/^(RS|PS)\d+$/.test(alg)) return key.kty === 'RSA';
  const curve = (
    { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521', ES256K: 'secp256k1' } as Record<
      string,
      string
    >
  )[alg];
  if (curve) return key.kty === 'EC' && (key.crv === undefined || key.crv === curve);
  if (isEdDsa(alg)) return key.kty === 'OKP';
  if (/^HS\d+$/.test(alg)) return key.kty === 'oct';
  return false;
}

function isEdDsa(alg: string): boolean {
  return alg === 'EdDSA' || alg === 'Ed25519';
}

function describeKey(key: JWK): string {
  return `${key.kid === undefined ? 'a key' : `kid "${key.kid}"`} (${[key.kty, key.crv, key.alg, key.use && `use ${key.use}`].filter(Boolean).join(' ')})`;
}
