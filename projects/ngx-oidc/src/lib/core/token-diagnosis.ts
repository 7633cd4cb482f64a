import type { JSONWebKeySet, JWTPayload, ProtectedHeaderParameters } from 'jose';

// The shapes of diagnoseToken's answer (diagnose-token.ts): public types.

/** What a string looks like: a JWS-compact JWT, an opaque (or encrypted) token, or neither. */
export type TokenKind = 'jwt' | 'opaque' | 'malformed';

/**
 * Stable codes of a {@link TokenFinding}. Codes are public API and never change meaning;
 * messages are for people and may be reworded.
 *
 * @example
 * ```ts
 * for (const finding of diagnoseToken(token, { audience: 'https://api.example.com' }).findings) {
 *   switch (finding.code) {
 *     case 'opaque_token': return 'Set audience in provideAuth()';
 *     case 'audience_mismatch': return `Ask for ${String(finding.expected)}`;
 *   }
 * }
 * ```
 */
export type TokenFindingCode =
  /** Not a JWT: an opaque (or encrypted) token, usually because no audience was requested. */
  | 'opaque_token'
  /** Neither a JWT nor a plausible opaque token (bad segments, header or claims not JSON, …). */
  | 'malformed_token'
  /** `aud` does not contain the expected API identifier. */
  | 'audience_mismatch'
  /** `iss` is not the expected issuer (a dedicated message when only a trailing slash differs). */
  | 'issuer_mismatch'
  /** `exp` is in the past, beyond the clock skew. */
  | 'expired'
  /** `nbf` (or `iat`) is in the future, beyond the clock skew. */
  | 'not_yet_valid'
  /** `scope`/`scp` lacks a required scope. */
  | 'missing_scope'
  /** The header's `kid` names no key of the given JWKS. */
  | 'unknown_kid'
  /** No key of the given JWKS (with the header's `kid`, if any) fits the header's `alg`. */
  | 'alg_not_in_jwks'
  /** The token is unsigned (`alg: "none"`). */
  | 'alg_none'
  /** The token is signed with a shared secret (HMAC, `HS256`…). */
  | 'symmetric_alg'
  /** The token looks like an ID token (`nonce`, `at_hash`, or `aud` = the client id). */
  | 'id_token_used_as_access_token'
  /** Sent with DPoP: the token's `cnf.jkt` is missing or names another key than the proof's. */
  | 'dpop_key_mismatch';

/** One thing {@link diagnoseToken} noticed; `expected`/`actual` hold what was compared. */
export interface TokenFinding {
  /** What was found; stable, see {@link TokenFindingCode}. */
  readonly code: TokenFindingCode;
  /** `error` for a check the token fails, `warning` for something suspicious to look at, `info` for a remark. */
  readonly severity: 'error' | 'warning' | 'info';
  /** Names the expected and actual values; never contains the token. */
  readonly message: string;
  /** What the check expected (the API's audience, the required scopes, …). */
  readonly expected?: unknown;
  /** What the token has instead (its `aud`, its granted scopes, its `alg`, …). */
  readonly actual?: unknown;
}

/** An instant of the token and how far it is from `now`, in words ("expired 3 minutes ago"). */
export interface TokenTime {
  /** The instant. */
  readonly date: Date;
  /** The instant relative to `now`, in English (`expired 3 minutes ago`, `expires in 2 hours`). */
  readonly inWords: string;
}

/** The token's `iat`, `nbf` and `exp`, where present and numeric. */
export interface TokenTimes {
  /** From `iat` (RFC 7519 §4.1.6). */
  readonly issuedAt?: TokenTime;
  /** From `nbf` (RFC 7519 §4.1.5). */
  readonly notBefore?: TokenTime;
  /** From `exp` (RFC 7519 §4.1.4). */
  readonly expiresAt?: TokenTime;
}

/** What {@link diagnoseToken} compares the token with. Each check runs only when its input is given. */
export interface TokenExpectations {
  /** The issuer the API expects, compared exactly. */
  readonly issuer?: string;
  /** The API identifier `aud` must contain. */
  readonly audience?: string;
  /** Scopes the API requires (an array, or a space-separated string). */
  readonly requiredScopes?: readonly string[] | string;
  /** The app's client id: a token whose `aud` is the client id is an ID token. */
  readonly clientId?: string;
  /** The current time (epoch milliseconds or a `Date`). Default `Date.now()`. */
  readonly now?: number | Date;
  /** Tolerance for `exp`, `nbf` and `iat`, in seconds. Default 0. */
  readonly clockSkewSeconds?: number;
  /** The provider's signing keys, to check the header's `kid` and `alg` against. */
  readonly jwks?: JSONWebKeySet;
  /**
   * Sent with DPoP (`withDpop()`): the JWK thumbprint of the key the proofs are signed with,
   * which the token's `cnf.jkt` must equal (RFC 9449 §6.1).
   */
  readonly dpopJkt?: string;
}

/** What {@link diagnoseToken} read from a token, and what it found wrong. */
export interface TokenDiagnosis {
  /** What the token looks like: a JWT, an opaque (or encrypted) token, or malformed. */
  readonly kind: TokenKind;
  /** The (JWS, or for an encrypted token JWE) protected header. */
  readonly header?: ProtectedHeaderParameters;
  /** The decoded claims, not verified; only for a `jwt`. */
  readonly claims?: JWTPayload;
  /** Its `iat`, `nbf` and `exp` as dates and in words; only for a `jwt`. */
  readonly times?: TokenTimes;
  /** Empty when the token meets every given expectation. */
  readonly findings: readonly TokenFinding[];
}
