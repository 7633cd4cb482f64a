import { decodeProtectedHeader } from 'jose/decode/protected_header';
import { importJWK } from 'jose/key/import';
import { jwtVerify } from 'jose/jwt/verify';
import { calculateJwkThumbprint } from 'jose/jwk/thumbprint';
import {
  createKey,
  DISCOVERY,
  FakeProvider,
  idTokenClaims,
  ISSUER,
  NOW,
  rejectionOf,
  SCOPE,
  signToken,
  testConfig,
  tokenRoute,
} from '../../../test-support/fake-provider';
import { startLogin, completeLogin, type FlowContext } from '../login-flow';
import { createMetadataCache } from '../metadata-cache';
import { refreshTokens } from '../refresh';
import { scopeName } from '../session-store';
import { MemoryStorage } from '../storage';
import { exchangeCode } from '../token-request';
import type { FetchLike } from '../types';
import { createDpopKeyStore, type DpopKeyRecords } from './dpop-key';
import { createDpop, createDpopFeature, type Dpop } from './dpop';

const TOKEN_ENDPOINT = DISCOVERY.token_endpoint!;
const API = 'https://api.example.com/orders?page=2';

/** One key for the whole spec, in memory. */
function memoryRecords(): DpopKeyRecords {
  const pairs = new Map<string, CryptoKeyPair>();
  return {
    get: async (name) => pairs.get(name),
    add: async (name, pair) => pairs.get(name) ?? (pairs.set(name, pair), pair),
    delete: async (name) => void pairs.delete(name),
  };
}

/** Verifies a proof with the jwk of its own header and returns its claims. */
async function claimsOf(proof: string | null) {
  expect(proof).toEqual(jasmine.any(String));
  const { jwk } = decodeProtectedHeader(proof!);
  return (await jwtVerify(proof!, await importJWK(jwk!, 'ES256'), { typ: 'dpop+jwt', currentDate: new Date(NOW) })).payload;
}

/** A token endpoint that answers the scripted responses in turn and records each DPoP header. */
function scriptedFetch(...responses: Response[]): FetchLike & { proofs: (string | null)[] } {
  const proofs: (string | null)[] = [];
  const fetchFn = async (_url: string, init: RequestInit = {}) => {
    proofs.push(new Headers(init.headers).get('DPoP'));
    return responses.shift() ?? new Response('{}', { status: 500 });
  };
  return Object.assign(fetchFn, { proofs });
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

const DPOP_TOKENS = { access_token: 'at-1', token_type: 'DPoP', expires_in: 300, refresh_token: 'rt-2' };

describe('DPoP', () => {
  let dpop: Dpop;

  beforeEach(() => {
    dpop = createDpop(SCOPE, { keys: createDpopKeyStore(SCOPE, memoryRecords()), now: () => NOW });
  });

  it('makes proofs with the nonce last noted for the origin, and ath for a token', async () => {
    dpop.noteNonce('https://api.example.com/other', new Headers({ 'DPoP-Nonce': 'api-nonce' }));
    const claims = await claimsOf(await dpop.proofFor('GET', API, 'at-1'));
    expect(claims).toEqual(jasmine.objectContaining({ htm: 'GET', htu: 'https://api.example.com/orders', nonce: 'api-nonce', ath: jasmine.any(String) }));
    expect((await claimsOf(await dpop.proofFor('GET', 'https://other.example.com/')))['nonce']).toBeUndefined();
  });

  it('tells a resource server nonce challenge from other 401s', () => {
    const nonce = { 'DPoP-Nonce': 'n' };
    expect(dpop.nonceChallenged(401, new Headers({ ...nonce, 'WWW-Authenticate': 'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"' }))).toBeTrue();
    expect(dpop.nonceChallenged(401, new Headers({ ...nonce, 'WWW-Authenticate': 'Bearer realm="x", DPoP algs="ES256", error=use_dpop_nonce' }))).toBeTrue();
    expect(dpop.nonceChallenged(401, new Headers({ ...nonce, 'WWW-Authenticate': 'DPoP error="invalid_token"' }))).toBeFalse();
    expect(dpop.nonceChallenged(401, new Headers({ ...nonce, 'WWW-Authenticate': 'Bearer error="use_dpop_nonce"' }))).toBeFalse();
    expect(dpop.nonceChallenged(401, new Headers({ 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"' }))).toBeFalse();
    expect(dpop.nonceChallenged(403, new Headers({ ...nonce, 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"' }))).toBeFalse();
  });

  it("names the key this tab signs with (heldThumbprint) without ever creating one", async () => {
    const records = memoryRecords();
    const tab = createDpop(SCOPE, { keys: createDpopKeyStore(SCOPE, records) });
    expect(await tab.heldThumbprint()).toBeUndefined();
    const proof = await tab.proofFor('GET', API);
    const { jwk } = decodeProtectedHeader(proof);
    const held = await tab.heldThumbprint();
    expect(held).toBe(await tab.thumbprint());
    expect(held).toBe(await calculateJwkThumbprint(jwk!, 'sha256'));
    await tab.forget();
    expect(await tab.heldThumbprint()).toBeUndefined();
    // Asking created nothing: the store is still empty after the logout.
    expect(await records.get(scopeName(SCOPE))).toBeUndefined();
  });

  it('gives one Dpop per issuer and client id', () => {
    const feature = createDpopFeature((scope) => createDpop(scope, { keys: createDpopKeyStore(scope, memoryRecords()) }));
    expect(feature({ ...SCOPE })).toBe(feature(SCOPE));
    expect(feature({ ...SCOPE, clientId: 'other' })).not.toBe(feature(SCOPE));
  });

  it('binds a login to the key: dpop_jkt is the thumbprint read again from the store', async () => {
    const records = memoryRecords();
    const keys = createDpopKeyStore(SCOPE, records);
    const tab = createDpop(SCOPE, { keys });
    const first = await tab.thumbprint();
    // Another tab logs out and in: a new key in the shared store.
    const other = createDpop(SCOPE, { keys: createDpopKeyStore(SCOPE, records) });
    await other.forget();
    expect(await tab.thumbprint()).toBe(await other.thumbprint());
    expect(await tab.thumbprint()).not.toBe(first);
  });

  describe('at the token endpoint', () => {
    it('sends a fresh proof for POST to the endpoint with each grant', async () => {
      const fetchFn = scriptedFetch(json(200, DPOP_TOKENS), json(200, DPOP_TOKENS));
      await exchangeCode(DISCOVERY, { code: 'c', codeVerifier: 'v', redirectUri: 'https://app.example.com/cb', clientId: 'spa-client' }, fetchFn, dpop);
      await refreshTokens(DISCOVERY, { refreshToken: 'rt-1', clientId: 'spa-client', audienceParameter: 'audience' }, fetchFn, dpop);
      const [a, b] = await Promise.all(fetchFn.proofs.map(claimsOf));
      expect(a).toEqual(jasmine.objectContaining({ htm: 'POST', htu: TOKEN_ENDPOINT }));
      expect(a['ath']).toBeUndefined();
      expect(b['jti']).not.toBe(a['jti']);
    });

    it('retries once with the nonce of a use_dpop_nonce answer, and keeps the nonce for the next request', async () => {
      const fetchFn = scriptedFetch(
        json(400, { error: 'use_dpop_nonce', error_description: 'Authorization server requires nonce in DPoP proof' }, { 'DPoP-Nonce': 'eyJ7S_zG.eyJH0-Z.HX4w-7v' }),
        json(200, DPOP_TOKENS, { 'DPoP-Nonce': 'next-nonce' }),
        json(200, DPOP_TOKENS),
      );
      const grant = { refreshToken: 'rt-1', clientId: 'spa-client', audienceParameter: 'audience' as const };
      expect((await refreshTokens(DISCOVERY, grant, fetchFn, dpop)).access_token).toBe('at-1');
      await refreshTokens(DISCOVERY, grant, fetchFn, dpop);
      const [first, retry, next] = await Promise.all(fetchFn.proofs.map(claimsOf));
      expect(first['nonce']).toBeUndefined();
      expect(retry['nonce']).toBe('eyJ7S_zG.eyJH0-Z.HX4w-7v');
      expect(retry['jti']).not.toBe(first['jti']);
      expect(next['nonce']).toBe('next-nonce');
    });

    it('retries only once: a second use_dpop_nonce fails the request', async () => {
      const challenge = () => json(400, { error: 'use_dpop_nonce' }, { 'DPoP-Nonce': `n${Math.random()}` });
      const fetchFn = scriptedFetch(challenge(), challenge(), json(200, DPOP_TOKENS));
      const err = await rejectionOf(refreshTokens(DISCOVERY, { refreshToken: 'rt-1', clientId: 'spa-client', audienceParameter: 'audience' }, fetchFn, dpop));
      expect(err.code).toBe('token_request_failed');
      expect(err.details.error).toBe('use_dpop_nonce');
      expect(fetchFn.proofs.length).toBe(2);
    });

    it('does not retry other refusals, nor use_dpop_nonce without a nonce', async () => {
      for (const answer of [json(400, { error: 'invalid_dpop_proof' }, { 'DPoP-Nonce': 'n' }), json(400, { error: 'use_dpop_nonce' })]) {
        const fetchFn = scriptedFetch(answer, json(200, DPOP_TOKENS));
        const err = await rejectionOf(exchangeCode(DISCOVERY, { code: 'c', codeVerifier: 'v', redirectUri: 'https://app.example.com/cb', clientId: 'spa-client' }, fetchFn, dpop));
        expect(err.code).toBe('token_request_failed');
        expect(fetchFn.proofs.length).toBe(1);
      }
    });

    it('refuses a token that is not DPoP-bound (dpop_not_bound), and accepts the type in any case', async () => {
      const grant = { refreshToken: 'rt-1', clientId: 'spa-client', audienceParameter: 'audience' as const };
      const bearer = await rejectionOf(refreshTokens(DISCOVERY, grant, scriptedFetch(json(200, { ...DPOP_TOKENS, token_type: 'Bearer' })), dpop));
      expect(bearer.code).toBe('dpop_not_bound');
      expect(bearer.details).toEqual(jasmine.objectContaining({ claim: 'token_type', expected: 'DPoP', actual: 'Bearer' }));
      const missing = await rejectionOf(refreshTokens(DISCOVERY, grant, scriptedFetch(json(200, { ...DPOP_TOKENS, token_type: undefined })), dpop));
      expect(missing.code).toBe('dpop_not_bound');
      await expectAsync(refreshTokens(DISCOVERY, grant, scriptedFetch(json(200, { ...DPOP_TOKENS, token_type: 'dpop' })), dpop)).toBeResolved();
    });

    it('without the feature sends no proof and still refuses a DPoP token type', async () => {
      const fetchFn = scriptedFetch(json(200, DPOP_TOKENS));
      const err = await rejectionOf(refreshTokens(DISCOVERY, { refreshToken: 'rt-1', clientId: 'spa-client', audienceParameter: 'audience' }, fetchFn));
      expect(err.code).toBe('invalid_response');
      expect(fetchFn.proofs).toEqual([null]);
    });

    it('fails with dpop_unavailable, sending nothing, when there is no key', async () => {
      const broken = createDpop(SCOPE, { keys: createDpopKeyStore(SCOPE, memoryRecords(), null) });
      const fetchFn = scriptedFetch(json(200, DPOP_TOKENS));
      const err = await rejectionOf(refreshTokens(DISCOVERY, { refreshToken: 'rt-1', clientId: 'spa-client', audienceParameter: 'audience' }, fetchFn, broken));
      expect(err.code).toBe('dpop_unavailable');
      expect(fetchFn.proofs).toEqual([]);
    });
  });

  describe('in a login (withDpop())', () => {
    it('sends dpop_jkt on the authorization request and a proof with the code exchange', async () => {
      const key = await createKey('k1');
      const provider = new FakeProvider();
      provider.keys = [key.jwk];
      const storage = new MemoryStorage();
      const ctx: FlowContext = {
        config: testConfig(),
        fetch: provider.fetch,
        transactions: storage,
        now: () => NOW,
        features: { dpop: createDpopFeature(() => dpop) },
        metadata: createMetadataCache(ISSUER, provider.fetch, storage, () => NOW),
      };
      const { url, transaction } = await startLogin(ctx);
      expect(new URL(url).searchParams.get('dpop_jkt')).toBe(await dpop.thumbprint());
      provider.on(TOKEN_ENDPOINT, tokenRoute(await signToken(key, idTokenClaims(transaction.nonce)), { token_type: 'DPoP' }));
      const { tokens } = await completeLogin(ctx, `https://app.example.com/callback?code=auth-code-1&state=${encodeURIComponent(transaction.state)}`);
      expect(tokens.tokenType).toBe('DPoP');
      const [exchange] = provider.requestsTo(TOKEN_ENDPOINT);
      expect((await claimsOf(exchange.headers['dpop']))['htu']).toBe(TOKEN_ENDPOINT);
    });

    it('sends no dpop_jkt without the feature', async () => {
      const provider = new FakeProvider();
      const storage = new MemoryStorage();
      const ctx: FlowContext = { config: testConfig(), fetch: provider.fetch, transactions: storage, now: () => NOW, metadata: createMetadataCache(ISSUER, provider.fetch, storage, () => NOW) };
      expect(new URL((await startLogin(ctx)).url).searchParams.has('dpop_jkt')).toBeFalse();
    });
  });
});
