import type { errors } from 'jose';
import { jwtVerify } from 'jose/jwt/verify';
import { AuthError } from './errors';
import { joseCode } from './jose-code';
import type { KeyResolver } from './jwks';
import type { validateTokenHash } from './token-hash';
import type { IdTokenClaims } from './types';

/** What an ID token is checked against. */
export interface IdTokenExpectations {
  /** The provider's issuer, exactly as discovery spells it. */
  readonly issuer: string;
  readonly clientId: string;
  /** The nonce the login sent. */
  readonly nonce: string | undefined;
  /**
   * Whether the token must carry the nonce (true for login responses). For an ID token from a
   * refresh (OIDC Core 1.0 §12.2) it is false: a nonce may be absent, but if present it must
   * be the original one.
   */
  readonly nonceRequired?: boolean;
  readonly clockSkewSeconds: number;
  /** Current time, epoch milliseconds. */
  readonly now: number;
  /** `max_age` of the login, if one was requested: `auth_time` is then required and checked. */
  readonly maxAge?: number;
  /** The `acr` values the login required (`acrRequired`): the token's `acr` must be one of them. */
  readonly requiredAcr?: readonly string[];
  /** Signing algorithms the provider advertises (`id_token_signing_alg_values_supported`). */
  readonly algorithms?: readonly string[];
  /** The access token received with the ID token, checked against `at_hash`. */
  readonly accessToken?: TokenBinding;
  /** The authorization code received with the ID token, checked against `c_hash`. */
  readonly code?: TokenBinding;
  /**
   * The `at_hash` / `c_hash` check (`withImplicitFlow()`). Without it a binding that is not
   * required is skipped, and a required one is a configuration error.
   */
  readonly tokenHash?: typeof validateTokenHash;
}

/** A value an ID token hash claim must describe, and whether the flow requires the claim. */
export interface TokenBinding {
  readonly value: string;
  readonly required: boolean;
}

/** Asymmetric JWS algorithms: a public client holds no secret, so HMAC is never acceptable. */
const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/**
 * Verifies an ID token's signature with the provider's keys and validates its claims.
 *
 * @returns The validated claims.
 * @throws {AuthError} `unsupported_alg`, `invalid_signature`, `unknown_kid`, `invalid_issuer`,
 *   `invalid_audience`, `azp_mismatch`, `token_expired`, `iat_in_future`, `token_not_yet_valid`,
 *   `auth_time_too_old`, `acr_not_satisfied`, `missing_claim`, `nonce_missing`, `nonce_mismatch`, `at_hash_mismatch`,
 *   `c_hash_mismatch`, `invalid_response`.
 * @throws {TypeError} when `expected` requires an `at_hash`/`c_hash` check without `tokenHash`.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 */
export async function validateIdToken(
  idToken: string,
  keys: KeyResolver,
  expected: IdTokenExpectations,
): Promise<IdTokenClaims> {
  const advertised = expected.algorithms?.filter((alg) => ASYMMETRIC_ALGS.includes(alg));
  // OIDC Core 1.0 §3.1.3.7 (6)-(8): RS256 is the default; "none" and HMAC (alg confusion with
  // a public key used as an HMAC secret) are refused for a public client.
  const algorithms = advertised?.length ? advertised : ['RS256'];
  let claims: IdTokenClaims;
  let alg: string;
  try {
    const result = await jwtVerify(idToken, keys, {
      algorithms,
      // OIDC Core 1.0 §3.1.3.7 (2): iss MUST exactly match the issuer.
      issuer: expected.issuer,
      // OIDC Core 1.0 §3.1.3.7 (3): aud MUST contain our client_id.
      audience: expected.clientId,
      // OIDC Core 1.0 §2: iss, sub, aud, exp and iat are REQUIRED in every ID token.
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
      // OIDC Core 1.0 §3.1.3.7 (9): the current time MUST be before exp (with skew).
      clockTolerance: expected.clockSkewSeconds,
      currentDate: new Date(expected.now),
    });
    claims = result.payload as unknown as IdTokenClaims;
    alg = result.protectedHeader.alg;
  } catch (err) {
    throw translate(err, expected, algorithms);
  }
  const nowSeconds = Math.floor(expected.now / 1000);
  // OIDC Core 1.0 §3.1.3.7 (10): iat far in the future means a wrong clock or a forged token.
  if (claims.iat > nowSeconds + expected.clockSkewSeconds) {
    throw new AuthError('iat_in_future', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The ID token was issued at ${new Date(claims.iat * 1000).toISOString()}, in the future (now ${new Date(nowSeconds * 1000).toISOString()}, skew ${expected.clockSkewSeconds}s).` : '', {
      claim: 'iat',
      expected: `<= ${nowSeconds + expected.clockSkewSeconds}`,
      actual: claims.iat,
    });
  }
  if (typeof claims.sub !== 'string' || claims.sub === '') {
    throw new AuthError('missing_claim', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'The ID token has no "sub" (subject) claim.' : '', { claim: 'sub' });
  }
  // OIDC Core 1.0 §3.1.3.7 (4)-(5): with several audiences azp is required and must be us.
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if ((audiences.length > 1 && claims.azp === undefined) || (claims.azp !== undefined && claims.azp !== expected.clientId)) {
    throw new AuthError(
      'azp_mismatch',
      (typeof ngDevMode === 'undefined' || ngDevMode)
        ? claims.azp === undefined
          ? `The ID token has several audiences (${audiences.join(', ')}) but no "azp"; expected azp "${expected.clientId}".`
          : `The ID token's azp "${String(claims.azp)}" is not the client id "${expected.clientId}".`
        : '',
      { claim: 'azp', expected: expected.clientId, actual: claims.azp },
    );
  }
  // OIDC Core 1.0 §3.1.3.7 (11) and §15.5.2: the nonce binds the token to this login.
  if (claims.nonce === undefined && expected.nonceRequired !== false) {
    throw new AuthError('nonce_missing', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'The ID token has no "nonce" although the login sent one.' : '', {
      claim: 'nonce',
      expected: expected.nonce,
    });
  }
  if (claims.nonce !== undefined && claims.nonce !== expected.nonce) {
    throw new AuthError('nonce_mismatch', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The ID token's nonce "${String(claims.nonce)}" is not the nonce "${expected.nonce}" this login sent.` : '', {
      claim: 'nonce',
      expected: expected.nonce,
      actual: claims.nonce,
    });
  }
  // OIDC Core 1.0 §3.1.3.7 (13): with max_age, auth_time is required and bounds the session age.
  if (expected.maxAge !== undefined) {
    if (typeof claims.auth_time !== 'number') {
      throw new AuthError('missing_claim', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'The login requested max_age but the ID token has no "auth_time".' : '', { claim: 'auth_time' });
    }
    if (claims.auth_time + expected.maxAge + expected.clockSkewSeconds < nowSeconds) {
      throw new AuthError('auth_time_too_old', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The user authenticated at ${new Date(claims.auth_time * 1000).toISOString()}, longer ago than max_age ${expected.maxAge}s.` : '', {
        claim: 'auth_time',
        expected: `>= ${nowSeconds - expected.maxAge}`,
        actual: claims.auth_time,
      });
    }
  }
  // OIDC Core 1.0 §3.1.3.7 (12): the client checks that the asserted acr is appropriate; a
  // login that required its acr_values accepts one of them only.
  if (expected.requiredAcr && !expected.requiredAcr.includes(claims.acr as string)) {
    throw new AuthError(
      'acr_not_satisfied',
      (typeof ngDevMode === 'undefined' || ngDevMode)
        ? `The login required acr ${expected.requiredAcr.map((v) => `"${v}"`).join(' or ')}, but the ID token ${claims.acr === undefined ? 'has no "acr"' : `says acr ${JSON.stringify(claims.acr)}`}: the provider did not perform (or does not support) that authentication.`
        : '',
      { claim: 'acr', expected: expected.requiredAcr, actual: claims.acr },
    );
  }
  // OIDC Core 1.0 §3.2.2.9 and §3.1.3.8: at_hash binds the access token to the ID token.
  if (expected.accessToken) await checkBinding('at_hash', claims['at_hash'], expected.accessToken, alg, expected.tokenHash);
  // OIDC Core 1.0 §3.3.2.11: c_hash binds the code of a hybrid response to the ID token.
  if (expected.code) await checkBinding('c_hash', claims['c_hash'], expected.code, alg, expected.tokenHash);
  return claims;
}

async function checkBinding(
  claim: 'at_hash' | 'c_hash',
  actual: unknown,
  binding: TokenBinding,
  alg: string,
  tokenHash: typeof validateTokenHash | undefined,
): Promise<void> {
  if (tokenHash) return tokenHash(claim, actual, binding.value, alg, binding.required);
  if (binding.required) {
    // checkFeatures() refuses such a configuration up front; this only guards direct callers,
    // whose misuse is a TypeError.
    throw new TypeError((typeof ngDevMode === 'undefined' || ngDevMode) ? `Checking ${claim} needs the tokenHash check of withImplicitFlow().` : claim);
  }
}

function translate(err: unknown, expected: IdTokenExpectations, algorithms: readonly string[]): unknown {
  if (err instanceof AuthError) return err;
  const code = joseCode(err);
  if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') {
    return new AuthError('invalid_signature', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'The ID token\'s signature does not verify with the provider\'s keys.' : '');
  }
  if (code === 'ERR_JOSE_ALG_NOT_ALLOWED' || code === 'ERR_JOSE_NOT_SUPPORTED') {
    return new AuthError('unsupported_alg', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The ID token's signing algorithm is not accepted; accepted: ${algorithms.join(', ')} (never "none" or HMAC for a public client).` : '', {
      claim: 'alg',
      expected: algorithms,
    });
  }
  if (code === 'ERR_JWT_EXPIRED') {
    const exp = (err as errors.JWTExpired).payload['exp'];
    return new AuthError('token_expired', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The ID token expired at ${typeof exp === 'number' ? new Date(exp * 1000).toISOString() : exp} (now ${new Date(expected.now).toISOString()}, skew ${expected.clockSkewSeconds}s).` : '', {
      claim: 'exp',
      expected: `> ${Math.floor(expected.now / 1000) - expected.clockSkewSeconds}`,
      actual: exp,
    });
  }
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
    const failed = err as errors.JWTClaimValidationFailed;
    const actual = failed.payload[failed.claim];
    if (failed.reason === 'missing' || failed.reason === 'invalid') {
      return new AuthError('missing_claim', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The ID token's "${failed.claim}" claim is ${failed.reason === 'missing' ? 'missing' : 'malformed'}.` : '', {
        claim: failed.claim,
      });
    }
    switch (failed.claim) {
      case 'iss':
        return new AuthError('invalid_issuer', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The ID token's issuer "${String(actual)}" is not "${expected.issuer}".` : '', {
          claim: 'iss',
          expected: expected.issuer,
          actual,
        });
      case 'aud':
        return new AuthError('invalid_audience', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The ID token's audience ${JSON.stringify(actual)} does not contain the client id "${expected.clientId}".` : '', {
          claim: 'aud',
          expected: expected.clientId,
          actual,
        });
      case 'nbf':
        // RFC 7519 §4.1.5: not to be accepted before nbf (with the same skew as exp).
        return new AuthError('token_not_yet_valid', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The ID token is not valid before ${new Date(Number(actual) * 1000).toISOString()} (now ${new Date(expected.now).toISOString()}, skew ${expected.clockSkewSeconds}s).` : '', { claim: 'nbf', actual });
    }
  }
  if (code) {
    return new AuthError('invalid_response', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The ID token is malformed (${(err as Error).message}).` : '', { cause: err });
  }
  return err;
}
