// DPoP (RFC 9449) for the demo API, the resource-server side: the proof check of §4.3 and §7.1,
// the binding of the access token to the proof's key (`cnf.jkt`, §6.1), a `jti` replay cache and
// resource-server nonces (§9). The provider side (token endpoint) is oidc-provider's
// `features.dPoP` (provider.mjs).
import { createHash, randomBytes } from 'node:crypto';
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  errors,
  jwtVerify,
} from 'jose';

/** Asymmetric JWS algorithms a proof may use (RFC 9449 §4.3 check 5: no `none`, no MAC). */
export const DPOP_ALGORITHMS = Object.freeze([
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
]);
/** Default: a proof's `iat` may be at most this many seconds before or after the server's clock. */
export const DEFAULT_DPOP_IAT_WINDOW = 60;
/** Default lifetime of a resource-server nonce in seconds (it is accepted for one more lifetime). */
export const DEFAULT_DPOP_NONCE_TTL = 300;
/** The `DPoP-Nonce` response header (RFC 9449 §8, §9). */
export const DPOP_NONCE_HEADER = 'DPoP-Nonce';
/** JWK members that only a private (or symmetric) key has: never in a proof's `jwk` header. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * `ath` of a proof (RFC 9449 §4.2): base64url of the SHA-256 of the access token's ASCII bytes.
 * @param {string} accessToken
 */
export function accessTokenHash(accessToken) {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/**
 * Resource-server nonces (RFC 9449 §9): one random value for the whole server, rotated every
 * `ttl` seconds. After a rotation the previous value stays accepted until the next one, so a
 * client that fetched it just before still succeeds (and learns the new one from `DPoP-Nonce`).
 * `rotate()` replaces both at once: every nonce a client holds is refused from then on.
 * @param {{ ttl?: number, now?: () => number }} [options] `now` in milliseconds (tests)
 */
export function nonceStore({ ttl = DEFAULT_DPOP_NONCE_TTL, now = Date.now } = {}) {
  if (!Number.isInteger(ttl) || ttl <= 0) {
    throw new TypeError(`the DPoP nonce lifetime must be a positive number of seconds, got ${ttl}`);
  }
  const fresh = () => randomBytes(18).toString('base64url');
  let current = fresh();
  /** @type {string | undefined} */
  let previous;
  let issuedAt = now();
  const refresh = () => {
    const periods = Math.floor((now() - issuedAt) / (ttl * 1000));
    if (periods <= 0) return;
    previous = periods === 1 ? current : undefined;
    current = fresh();
    issuedAt = now();
  };
  return {
    /** The value to send in `DPoP-Nonce`. */
    current() {
      refresh();
      return current;
    },
    /** @param {unknown} value @returns {'current' | 'previous' | false} */
    check(value) {
      refresh();
      if (typeof value !== 'string' || !value) return false;
      if (value === current) return 'current';
      return value === previous ? 'previous' : false;
    },
    /** Replaces the nonce now; the old values are refused. */
    rotate() {
      current = fresh();
      previous = undefined;
      issuedAt = now();
      return current;
    },
  };
}

/**
 * A cache of the proofs' `jti` values (RFC 9449 §11.1): a value seen within `ttl` seconds is a
 * replay. Entries expire; the cache drops expired ones when it grows.
 * @param {{ ttl: number, now?: () => number }} options
 */
export function replayCache({ ttl, now = Date.now }) {
  /** @type {Map<string, number>} jti → expiry (ms) */
  const seen = new Map();
  return {
    /** @param {string} jti @returns {boolean} false when `jti` was seen before (a replay) */
    add(jti) {
      const at = now();
      if (seen.size > 10_000) for (const [k, exp] of seen) if (exp <= at) seen.delete(k);
      const expiry = seen.get(jti);
      if (expiry !== undefined && expiry > at) return false;
      seen.set(jti, at + ttl * 1000);
      return true;
    },
  };
}

/**
 * @typedef {{ ok: true, jkt: string, nonce: 'current' | 'previous' | undefined } |
 *   { ok: false, error: 'invalid_dpop_proof' | 'use_dpop_nonce', description: string }} ProofResult
 */

/**
 * Checks a DPoP proof for a resource request (RFC 9449 §4.3, with `ath` of §7.1); the binding to
 * the access token's `cnf.jkt` is the caller's (it needs the verified token).
 *
 * Order: one `DPoP` header; a JWT with `typ` dpop+jwt, an asymmetric `alg`, a public `jwk` and a
 * valid signature; `htm`; `htu`; `iat` within ±`iatWindow`; `ath`; then the nonce (when
 * `nonces` is given) and last the `jti` replay cache, so a proof refused for its nonce can be
 * repeated with the nonce (a new proof, a new `jti`).
 *
 * @param {object} o
 * @param {string | string[] | undefined} o.proofs the `DPoP` request header values
 * @param {string} o.method the request's method
 * @param {URL} o.url the request's URL as the client sees it (query and fragment are ignored)
 * @param {string} o.accessToken
 * @param {number} o.iatWindow seconds
 * @param {ReturnType<typeof nonceStore>} [o.nonces] when set, the proof must carry the nonce
 * @param {ReturnType<typeof replayCache>} o.replays
 * @param {number} [o.now] seconds
 * @returns {Promise<ProofResult>}
 */
export async function verifyProof({
  proofs,
  method,
  url,
  accessToken,
  iatWindow,
  nonces,
  replays,
  now = Math.floor(Date.now() / 1000),
}) {
  const invalid = (description) => ({ ok: false, error: 'invalid_dpop_proof', description });
  const list = proofs === undefined ? [] : [proofs].flat();
  if (list.length === 0 || !list[0]) {
    return invalid('no DPoP proof: send a DPoP header with a proof JWT for this request');
  }
  if (list.length > 1 || list[0].includes(',')) return invalid('more than one DPoP header');
  const proof = list[0].trim();

  let header;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    return invalid('the DPoP proof is not a JWT');
  }
  if (header.typ !== 'dpop+jwt') {
    return invalid(`the DPoP proof's typ must be dpop+jwt, got ${fmt(header.typ)}`);
  }
  if (typeof header.alg !== 'string' || !DPOP_ALGORITHMS.includes(header.alg)) {
    return invalid(
      `the DPoP proof's alg ${fmt(header.alg)} is not allowed (asymmetric only: ${DPOP_ALGORITHMS.join(' ')})`,
    );
  }
  const jwk = header.jwk;
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) {
    return invalid("the DPoP proof's header has no jwk (the public key)");
  }
  const secret = PRIVATE_MEMBERS.filter((m) => Object.hasOwn(jwk, m));
  if (secret.length) {
    return invalid(
      `the DPoP proof's jwk must be a public key; it has private members (${secret.join(', ')})`,
    );
  }

  let payload;
  try {
    ({ payload } = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: [...DPOP_ALGORITHMS],
      requiredClaims: ['jti', 'htm', 'htu', 'iat'],
    }));
  } catch (err) {
    if (err instanceof errors.JWSSignatureVerificationFailed) {
      return invalid("the DPoP proof's signature does not verify with its jwk");
    }
    if (err instanceof errors.JWTClaimValidationFailed) {
      return invalid(`the DPoP proof lacks or has a bad ${err.claim}: ${err.message}`);
    }
    return invalid(`the DPoP proof is invalid: ${err?.message ?? err}`);
  }

  if (payload.htm !== method) {
    return invalid(`htm mismatch: the proof is for ${fmt(payload.htm)}, the request is ${method}`);
  }
  const expected = withoutQuery(url);
  const htu = typeof payload.htu === 'string' ? URL.parse(payload.htu) : null;
  if (!htu || withoutQuery(htu) !== expected) {
    return invalid(
      `htu mismatch: the proof is for ${fmt(payload.htu)}, the request is ${expected}`,
    );
  }
  const iat = payload.iat;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return invalid('iat must be a number');
  if (Math.abs(now - iat) > iatWindow) {
    return invalid(
      `iat out of range: the proof was made ${now - iat} s ago (allowed: ±${iatWindow} s)`,
    );
  }
  if (typeof payload.ath !== 'string' || payload.ath !== accessTokenHash(accessToken)) {
    return invalid(
      payload.ath === undefined
        ? 'the DPoP proof has no ath (the hash of the access token)'
        : 'ath mismatch: the proof was made for another access token',
    );
  }
  if (typeof payload.jti !== 'string' || !payload.jti || payload.jti.length > 512) {
    return invalid('jti must be a non-empty string');
  }

  let nonce;
  if (nonces) {
    nonce = nonces.check(payload.nonce) || undefined;
    if (!nonce) {
      return {
        ok: false,
        error: 'use_dpop_nonce',
        description:
          payload.nonce === undefined
            ? 'this resource server requires a DPoP nonce: repeat the request with a proof carrying the DPoP-Nonce value'
            : 'the DPoP nonce is stale or unknown: repeat the request with the DPoP-Nonce value',
      };
    }
  }
  if (!replays.add(payload.jti)) {
    return invalid('the DPoP proof was used before (jti replay)');
  }
  return { ok: true, jkt: await calculateJwkThumbprint(jwk, 'sha256'), nonce };
}

/** @param {URL} url */
function withoutQuery(url) {
  const copy = new URL(url.href);
  copy.search = '';
  copy.hash = '';
  return copy.href;
}

function fmt(value) {
  if (value === undefined) return '(none)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
