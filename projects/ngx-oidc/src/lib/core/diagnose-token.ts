import type { JWTPayload, ProtectedHeaderParameters } from 'jose';
// jose's own modules, not its index: an app's build then links none of jose's verification code
// to the first load through this file (it is on demand: see protocol.ts).
import { decodeProtectedHeader } from 'jose/decode/protected_header';
import { decodeJwt } from 'jose/jwt/decode';
import type { TokenDiagnosis, TokenExpectations, TokenFinding } from './token-diagnosis';
import { checkAlgorithm } from './token-key-check';
import { describeTimes, iso, list, relative } from './token-wording';

export type { TokenDiagnosis, TokenExpectations, TokenFinding, TokenFindingCode, TokenKind, TokenTime, TokenTimes } from './token-diagnosis';

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
  // RFC 9449 §6.1: a DPoP-bound JWT names its key's thumbprint in cnf.jkt, which the API
  // compares with the proof's key.
  const jkt = (claims['cnf'] as { jkt?: unknown } | undefined)?.jkt;
  if (expected.dpopJkt !== undefined && jkt !== expected.dpopJkt) {
    findings.push({
      code: 'dpop_key_mismatch',
      severity: 'error',
      message:
        jkt === undefined
          ? `The token was sent with a DPoP proof but is not bound to a key (no "cnf.jkt"): the API cannot match the proof's key ("${expected.dpopJkt}") with it. Does the provider bind access tokens for this client?`
          : `The token is bound to another key ("cnf.jkt" "${String(jkt)}") than the one this browser proves with ("${expected.dpopJkt}"): a token of an earlier key, or of another browser.`,
      expected: expected.dpopJkt,
      actual: jkt,
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
