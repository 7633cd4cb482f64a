import type { JSONWebKeySet, JWK, JWTPayload, ProtectedHeaderParameters } from 'jose';
// jose's own modules, not its index: an app's build then links none of jose's verification code
// to the first load through this file (it is on demand: see verifier.ts).
import { decodeProtectedHeader } from 'jose/decode/protected_header';
import { decodeJwt } from 'jose/jwt/decode';

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
  | 'id_token_used_as_access_token';

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

/** RFC 6750 §2.1 b64token: what an opaque bearer token may consist of. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Decodes a token's header and claims and explains why an API might refuse it: opaque instead
 * of a JWT, foreign audience or issuer, expired, missing scope, a key the provider does not
 * publish, an ID token sent as an access token. For development and support tools.
 *
 * **This is not a verification**: the signature is not checked, so nothing here may be used to
 * trust a token. Findings only describe what the token says about itself.
 *
 * @param token The raw token (as sent in `Authorization: Bearer …`).
 * @param expectations What the API expects; each check runs only when its input is given.
 * @returns The kind, header, claims and times of the token, and its findings (none for a token
 *   that meets every expectation).
 * @example
 * ```ts
 * const { kind, findings } = diagnoseToken(await auth.getAccessToken(), {
 *   issuer: 'https://idp.example.com/',
 *   audience: 'https://api.example.com',
 *   requiredScopes: ['read:messages'],
 *   clockSkewSeconds: 60,
 * });
 * findings.forEach((f) => console.warn(`${f.code}: ${f.message}`));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export function diagnoseToken(token: string, expectations: TokenExpectations = {}): TokenDiagnosis {
  const value = typeof token === 'string' ? token.trim() : '';
  const segments = value.split('.');
  const header = tryDecode(() => decodeProtectedHeader(value));
  // RFC 7515 §7.1 / RFC 7519 §3: a JWS-compact JWT is header.payload.signature.
  if (segments.length === 3 && header) {
    const claims = tryDecode(() => decodeJwt(value));
    if (claims) return diagnoseJwt(header, claims, expectations);
    return malformed(
      'its header decodes but its payload is not a base64url JSON object of claims',
      header,
    );
  }
  // RFC 7516 §7.1: five segments with an "enc" header are a JWE, unreadable by the client.
  if (segments.length === 5 && header && typeof header.enc === 'string') {
    return {
      kind: 'opaque',
      header,
      findings: [opaque(expectations, ` (encrypted: a JWE with enc "${header.enc}")`)],
    };
  }
  if (value === '') return malformed('it is empty');
  if (header || value.startsWith('eyJ')) {
    return malformed(
      header
        ? `it has ${segments.length} segment${segments.length === 1 ? '' : 's'} where a JWT has 3`
        : 'its header is not base64url-encoded JSON',
      header,
    );
  }
  if (!B64TOKEN.test(value)) {
    return malformed(
      'it contains characters a bearer token cannot hold (RFC 6750 §2.1), e.g. spaces or a "Bearer " prefix',
    );
  }
  return { kind: 'opaque', findings: [opaque(expectations, '')] };
}

function diagnoseJwt(
  header: ProtectedHeaderParameters,
  claims: JWTPayload,
  expected: TokenExpectations,
): TokenDiagnosis {
  const now = Math.floor((expected.now === undefined ? Date.now() : +expected.now) / 1000);
  const skew = expected.clockSkewSeconds ?? 0;
  const findings: TokenFinding[] = [...checkAlgorithm(header, expected.jwks)];
  // RFC 9068 §4 / OIDC Core 1.0 §3.1.3.7 (2): iss must match the expected issuer exactly.
  if (expected.issuer !== undefined && claims.iss !== expected.issuer) {
    findings.push(issuerMismatch(expected.issuer, claims.iss));
  }
  const audiences =
    claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  // RFC 9068 §4: the API must reject a token whose aud does not contain its identifier.
  if (expected.audience !== undefined && !audiences.includes(expected.audience)) {
    const slash = audiences.find((aud) => sameButSlash(aud, expected.audience!));
    findings.push({
      code: 'audience_mismatch',
      severity: 'error',
      message:
        audiences.length === 0
          ? `The token has no "aud" claim; the API expects audience "${expected.audience}". Request it at login (audience).`
          : `The token's audience ${list(audiences)} does not contain the API identifier "${expected.audience}"` +
            (slash
              ? ` ("${slash}" differs only by a trailing slash; audiences are compared exactly).`
              : '. Request a token for that audience.'),
      expected: expected.audience,
      actual: claims.aud,
    });
  }
  // OIDC Core 1.0 §2: nonce and at_hash are ID token claims, and an ID token's aud is the client.
  const idTokenSigns = [
    ...['nonce', 'at_hash']
      .filter((claim) => claims[claim] !== undefined)
      .map((claim) => `it has "${claim}"`),
    ...(expected.clientId !== undefined && audiences.includes(expected.clientId)
      ? [`its aud is the client id "${expected.clientId}"`]
      : []),
  ];
  if (idTokenSigns.length > 0) {
    findings.push({
      code: 'id_token_used_as_access_token',
      severity: 'warning',
      message: `This looks like an ID token (${idTokenSigns.join(', ')}). An ID token tells the client who logged in; APIs take the access token.`,
      expected: 'an access token',
      actual: 'an ID token',
    });
  }
  // RFC 7519 §4.1.4: reject after exp (with the clock skew).
  if (typeof claims.exp === 'number' && now > claims.exp + skew) {
    findings.push({
      code: 'expired',
      severity: 'error',
      message: `The token expired ${relative(claims.exp - now)} (at ${iso(claims.exp)}; now ${iso(now)}, clock skew ${skew} s).`,
      expected: `exp >= ${now - skew}`,
      actual: claims.exp,
    });
  }
  // RFC 7519 §4.1.5: reject before nbf; an iat in the future means the clocks disagree.
  const start =
    typeof claims.nbf === 'number'
      ? { claim: 'nbf', at: claims.nbf }
      : typeof claims.iat === 'number'
        ? { claim: 'iat', at: claims.iat }
        : undefined;
  if (start && start.at > now + skew) {
    findings.push({
      code: 'not_yet_valid',
      severity: 'error',
      message: `The token is not valid yet: its ${start.claim} is ${relative(start.at - now)} (${iso(start.at)}; now ${iso(now)}, clock skew ${skew} s). Check the clocks of this machine and the provider.`,
      expected: `${start.claim} <= ${now + skew}`,
      actual: start.at,
    });
  }
  const missing = checkScopes(claims, expected.requiredScopes);
  if (missing) findings.push(missing);
  return { kind: 'jwt', header, claims, times: describeTimes(claims, now), findings };
}

function checkAlgorithm(
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

function issuerMismatch(expected: string, actual: unknown): TokenFinding {
  const message =
    typeof actual !== 'string'
      ? `The token has no "iss" claim; the API expects issuer "${expected}".`
      : sameButSlash(actual, expected)
        ? `The token's issuer "${actual}" and the expected issuer "${expected}" differ only by a trailing slash. Issuers are compared character for character: configure exactly "${actual}" (as the provider's discovery document spells it).`
        : `The token's issuer "${actual}" is not the expected issuer "${expected}". A token from another provider, tenant or environment?`;
  return { code: 'issuer_mismatch', severity: 'error', message, expected, actual };
}

function checkScopes(
  claims: JWTPayload,
  required: readonly string[] | string | undefined,
): TokenFinding | undefined {
  const wanted =
    typeof required === 'string' ? splitScopes(required) : (required ?? []).filter(Boolean);
  if (wanted.length === 0) return undefined;
  // RFC 9068 §2.2.3 / RFC 8693 §4.2: scope is a space-separated string; some providers use scp.
  const source = claims['scope'] ?? claims['scp'];
  const granted =
    typeof source === 'string'
      ? splitScopes(source)
      : Array.isArray(source)
        ? source.filter((s): s is string => typeof s === 'string')
        : [];
  const missing = wanted.filter((scope) => !granted.includes(scope));
  if (missing.length === 0) return undefined;
  return {
    code: 'missing_scope',
    severity: 'error',
    message: `The token lacks scope ${list(missing)}: the API requires ${list(wanted)}, the token grants ${granted.length ? list(granted) : 'none (no "scope" or "scp" claim)'}. Ask for it at login (scope), and check the API allows it for this client.`,
    expected: wanted,
    actual: granted,
  };
}

function describeTimes(claims: JWTPayload, now: number): TokenTimes {
  const time = (at: unknown, past: string, future: string): TokenTime | undefined =>
    typeof at === 'number'
      ? { date: new Date(at * 1000), inWords: `${at <= now ? past : future} ${relative(at - now)}` }
      : undefined;
  return {
    issuedAt: time(claims.iat, 'issued', 'issued'),
    notBefore: time(claims.nbf, 'valid since', 'not valid until'),
    expiresAt: time(claims.exp, 'expired', 'expires'),
  };
}

/** "3 minutes ago", "in 2 hours", "now". */
function relative(seconds: number): string {
  const abs = Math.abs(seconds);
  if (abs < 1) return 'now';
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
    ['second', 1],
  ];
  const [unit, size] = units.find(([, s]) => abs >= s)!;
  return new Intl.RelativeTimeFormat('en', { numeric: 'always' }).format(
    Math.sign(seconds) * Math.round(abs / size),
    unit,
  );
}

function opaque(expected: TokenExpectations, detail: string): TokenFinding {
  return {
    code: 'opaque_token',
    severity: 'warning',
    message: `The token is not a JWT${detail}: no audience was requested at login, so the provider issued a token only it can read (e.g. for /userinfo) — set audience${expected.audience ? ` to the API identifier "${expected.audience}"` : ''}; if it is set, check audienceParameter ("resource" for RFC 8707 providers) and that the provider knows that API.`,
    expected: 'a JWT access token',
    actual: detail ? 'an encrypted token (JWE)' : 'an opaque token',
  };
}

function malformed(reason: string, header?: ProtectedHeaderParameters): TokenDiagnosis {
  const finding: TokenFinding = {
    code: 'malformed_token',
    severity: 'error',
    message: `The token is neither a JWT nor an opaque token: ${reason}.`,
    expected:
      'header.payload.signature (base64url JSON, RFC 7519) or an opaque token (RFC 6750 §2.1)',
    actual: reason,
  };
  return { kind: 'malformed', ...(header ? { header } : {}), findings: [finding] };
}

function tryDecode<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch {
    return undefined;
  }
}

function splitScopes(scope: string): string[] {
  return scope.split(' ').filter(Boolean);
}

function sameButSlash(a: string, b: string): boolean {
  return a !== b && a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

function list(values: readonly unknown[]): string {
  return values.map((v) => `"${String(v)}"`).join(', ');
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
