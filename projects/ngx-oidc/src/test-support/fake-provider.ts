import { exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import type { ResolvedAuthConfig } from '../lib/core/config';
import { resolveConfig } from '../lib/core/config';
import { AuthError } from '../lib/core/errors';
import { MemoryStorage } from '../lib/core/storage';
import type { DiscoveryDocument, FetchLike } from '../lib/core/types';

/** Issuer of the fake provider used by unit tests. */
export const ISSUER = 'https://idp.example.com';
export const CLIENT_ID = 'spa-client';
/** The session scope (issuer and client id) of {@link testConfig}. */
export const SCOPE = { authority: ISSUER, clientId: CLIENT_ID };
export const APP_ORIGIN = 'https://app.example.com';
/** A fixed "now" for tests: 2026-01-01T00:00:00Z. */
export const NOW = Date.UTC(2026, 0, 1);

export const DISCOVERY: DiscoveryDocument = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/oauth/token`,
  jwks_uri: `${ISSUER}/.well-known/jwks.json`,
  userinfo_endpoint: `${ISSUER}/userinfo`,
  end_session_endpoint: `${ISSUER}/logout`,
  response_types_supported: ['code'],
  code_challenge_methods_supported: ['S256'],
  id_token_signing_alg_values_supported: ['RS256', 'ES256'],
};

/** A signing key pair with its public JWK. */
export interface TestKey {
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
  readonly kid: string;
}

/** Generates an RS256 (default) or ES256 key for signing test tokens. */
export async function createKey(kid: string, alg: 'RS256' | 'ES256' = 'RS256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { privateKey, jwk, kid };
}

/** Claims of a valid ID token for {@link CLIENT_ID} at {@link NOW}. */
export function idTokenClaims(nonce: string, overrides: JWTPayload = {}): JWTPayload {
  const now = Math.floor(NOW / 1000);
  return { iss: ISSUER, sub: 'alice', aud: CLIENT_ID, exp: now + 300, iat: now, nonce, name: 'Alice', ...overrides };
}

/** Signs claims as a JWT with a test key; `header` can override `alg`/`kid`. */
export async function signToken(
  key: TestKey,
  claims: JWTPayload,
  header: { alg?: string; kid?: string | null } = {},
): Promise<string> {
  const alg = header.alg ?? (key.jwk.alg as string);
  const kid = header.kid === null ? undefined : (header.kid ?? key.kid);
  // Claims are set verbatim (no builder helpers) so tests can produce any malformed claim.
  return new SignJWT(claims).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).sign(key.privateKey);
}

/** A resolved configuration for {@link ISSUER} and {@link CLIENT_ID}. */
export function testConfig(overrides: Record<string, unknown> = {}): ResolvedAuthConfig {
  return resolveConfig(
    {
      authority: ISSUER,
      clientId: CLIENT_ID,
      audience: 'https://api.example.com',
      allowedUrls: ['https://api.example.com/v1'],
      ...overrides,
    },
    APP_ORIGIN,
  );
}

/** A recorded request to the fake provider. */
export interface RecordedRequest {
  readonly url: string;
  readonly method: string;
  readonly body?: string;
  readonly headers: Record<string, string>;
}

/** A route handler of the fake provider: returns status and JSON (or raw text) body. */
export type FakeRoute = (req: RecordedRequest) => { status: number; json?: unknown; text?: string } | 'network-error';

/**
 * A fake `fetch` serving discovery, JWKS and a token endpoint from in-memory handlers, and
 * recording every request, so tests can count them and read what was sent.
 */
export class FakeProvider {
  readonly requests: RecordedRequest[] = [];
  readonly routes = new Map<string, FakeRoute>();
  discovery: DiscoveryDocument = DISCOVERY;
  keys: JWK[] = [];

  constructor() {
    this.routes.set(`${ISSUER}/.well-known/openid-configuration`, () => ({ status: 200, json: this.discovery }));
    this.routes.set(DISCOVERY.jwks_uri, () => ({ status: 200, json: { keys: this.keys } }));
  }

  /** Serves `json` with `status` for one URL. */
  on(url: string, route: FakeRoute): this {
    this.routes.set(url, route);
    return this;
  }

  /** The fetch function to hand to the code under test. */
  readonly fetch: FetchLike = async (input, init = {}) => {
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    const req: RecordedRequest = { url: input, method: init.method ?? 'GET', body: init.body as string | undefined, headers };
    this.requests.push(req);
    const route = this.routes.get(input.split('?')[0]);
    if (!route) return new Response(JSON.stringify({ error: 'not_found' }), { status: 404 });
    const result = route(req);
    if (result === 'network-error') throw new TypeError('Failed to fetch');
    const body = result.text ?? JSON.stringify(result.json);
    return new Response(body, { status: result.status, headers: { 'content-type': 'application/json' } });
  };

  /** Requests sent to one URL (query ignored). */
  requestsTo(url: string): RecordedRequest[] {
    return this.requests.filter((r) => r.url.split('?')[0] === url);
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers for the core specs: hand-crafted attack tokens, failing storage, error capture.
// ---------------------------------------------------------------------------------------------

/** Base64url (no padding) of a JSON value. */
export function base64UrlJson(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** An unsecured JWT crafted by hand: `{"alg":"none"}` header, the claims and an empty signature. */
export function unsignedToken(claims: JWTPayload, header: Record<string, unknown> = { alg: 'none' }): string {
  return `${base64UrlJson(header)}.${base64UrlJson(claims)}.`;
}

/** The PEM (SPKI) of a test key's public half: the classic secret of an HS256/RS256 alg confusion. */
export async function publicKeyPem(key: TestKey): Promise<string> {
  const publicKey = await importJWK({ ...key.jwk, ext: true }, key.jwk.alg as string, { extractable: true });
  return exportSPKI(publicKey as CryptoKey);
}

/** Signs claims with an HMAC algorithm (HS256 default) and a shared secret. */
export async function signHmacToken(
  secret: Uint8Array,
  claims: JWTPayload,
  header: { alg?: 'HS256' | 'HS384' | 'HS512'; kid?: string } = {},
): Promise<string> {
  const alg = header.alg ?? 'HS256';
  return new SignJWT(claims).setProtectedHeader({ alg, ...(header.kid ? { kid: header.kid } : {}) }).sign(secret);
}

/** A token endpoint route answering 200 with a Bearer token response carrying `idToken`. */
export function tokenRoute(idToken: string | undefined, overrides: Record<string, unknown> = {}): FakeRoute {
  return () => ({
    status: 200,
    json: { access_token: 'access-token-1', token_type: 'Bearer', expires_in: 3600, id_token: idToken, ...overrides },
  });
}

/** A {@link MemoryStorage} whose operations can be made to throw, like a full or disabled Web Storage. */
export class FailingStorage extends MemoryStorage {
  failGet?: Error;
  failSet?: Error;
  failRemove?: Error;
  failKey?: Error;

  override getItem(key: string): string | null {
    if (this.failGet) throw this.failGet;
    return super.getItem(key);
  }
  override setItem(key: string, value: string): void {
    if (this.failSet) throw this.failSet;
    super.setItem(key, value);
  }
  override removeItem(key: string): void {
    if (this.failRemove) throw this.failRemove;
    super.removeItem(key);
  }
  override key(index: number): string | null {
    if (this.failKey) throw this.failKey;
    return super.key(index);
  }
}

/** A `QuotaExceededError` as browsers throw it from `setItem`. */
export function quotaExceeded(): DOMException {
  return new DOMException('The quota has been exceeded.', 'QuotaExceededError');
}

/**
 * Awaits a promise that must reject with an {@link AuthError} and returns the error, so a spec
 * can assert its `code`, `details` and message. Fails when it resolves or rejects otherwise.
 */
export async function rejectionOf(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AuthError) return err;
    throw new Error(`expected an AuthError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected the promise to reject with an AuthError, but it resolved');
}

/** Calls `fn`, which must throw an {@link AuthError}, and returns the error. */
export function thrownBy(fn: () => unknown): AuthError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AuthError) return err;
    throw new Error(`expected an AuthError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected an AuthError to be thrown, but the call returned');
}
