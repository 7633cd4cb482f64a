import { HttpClient, HttpHeaders, httpResource, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting, type TestRequest } from '@angular/common/http/testing';
import { DOCUMENT } from '@angular/common';
import { TestBed } from '@angular/core/testing';
import { firstValueFrom } from 'rxjs';
import { decodeProtectedHeader } from 'jose/decode/protected_header';
import { importJWK } from 'jose/key/import';
import { jwtVerify } from 'jose/jwt/verify';
import { generateKeyPair, SignJWT } from 'jose';
import { setUpAuth } from '../../test-support/fake-browser';
import { APP_ORIGIN, CLIENT_ID, FakeProvider, ISSUER, SCOPE } from '../../test-support/fake-provider';
import { calculateAth } from '../core/dpop/dpop-proof';
import { AuthError } from '../core/errors';
import { saveSession } from '../core/session-store';
import { clientOf } from './auth-client';
import { authInterceptor } from './auth.interceptor';
import type { AuthService } from './auth.service';
import { withDpop } from './features';

/** authInterceptor with withDpop() (RFC 9449 §7, §9): dpop-requests.ts. */
describe('authInterceptor with withDpop()', () => {
  const API = 'https://api.example.com/v1/messages';
  let http: HttpClient;
  let backend: HttpTestingController;
  let provider: FakeProvider;
  let auth: AuthService;
  let refreshes: number;

  async function setUp(dpop = true, accessToken = 'the-access-token'): Promise<void> {
    sessionStorage.clear();
    const now = Math.floor(Date.now() / 1000);
    saveSession(sessionStorage, SCOPE, {
      tokens: {
        idToken: 'id-token',
        accessToken,
        tokenType: dpop ? 'DPoP' : 'Bearer',
        refreshToken: 'refresh-1',
        expiresAt: Date.now() + 300_000,
        obtainedAt: Date.now() - 1000,
        scope: 'openid',
        requestedScope: 'openid',
        claims: { iss: ISSUER, sub: 'alice', aud: CLIENT_ID, iat: now, exp: now + 300 },
      },
      user: { sub: 'alice' },
    });
    provider = new FakeProvider();
    refreshes = 0;
    provider.on(provider.discovery.token_endpoint!, () => {
      refreshes++;
      return { status: 200, json: { access_token: `renewed-${refreshes}`, token_type: dpop ? 'DPoP' : 'Bearer', expires_in: 300, refresh_token: `refresh-${refreshes + 1}` } };
    });
    ({ auth } = await setUpAuth({
      provider,
      config: { storage: 'session' },
      features: dpop ? [withDpop()] : [],
      providers: [provideHttpClient(withInterceptors([authInterceptor])), provideHttpClientTesting(), { provide: DOCUMENT, useValue: documentAt(`${APP_ORIGIN}/app/`) }],
    }));
    http = TestBed.inject(HttpClient);
    backend = TestBed.inject(HttpTestingController);
  }

  // The development-mode diagnosis of refused tokens (auth.interceptor.spec.ts tests it; the
  // DPoP parts at the end of this file).
  let warn: jasmine.Spy;
  beforeEach(() => (warn = spyOn(console, 'warn')));

  afterEach(async () => {
    backend.verify();
    sessionStorage.clear();
    // A new key for the next spec file (the key is kept in IndexedDB).
    await clientOf(auth).dpop?.()?.forget();
  });

  /** Waits until the request to `url` reaches the backend (the proof is made asynchronously). */
  async function nextRequest(url: string): Promise<TestRequest> {
    for (let i = 0; i < 500; i++) {
      const [req] = backend.match((r) => r.urlWithParams === url);
      if (req) return req;
      await new Promise((r) => setTimeout(r));
    }
    throw new Error(`no request to ${url}`);
  }

  /** Verifies a proof with the key of its own header and returns its header and claims. */
  async function proofOf(req: TestRequest) {
    const proof = req.request.headers.get('DPoP');
    expect(proof).toEqual(jasmine.any(String));
    const header = decodeProtectedHeader(proof!);
    const { payload } = await jwtVerify(proof!, await importJWK(header.jwk!, 'ES256'), { typ: 'dpop+jwt' });
    return { header, payload };
  }

  function challenge(req: TestRequest, header: string, nonce?: string): void {
    req.flush({ error: 'x' }, { status: 401, statusText: 'Unauthorized', headers: new HttpHeaders({ 'WWW-Authenticate': header, ...(nonce ? { 'DPoP-Nonce': nonce } : {}) }) });
  }

  it('sends Authorization: DPoP and a proof for the method, the URL without query and fragment, and the token', async () => {
    await setUp();
    const response = firstValueFrom(http.post(`${API}?page=2#top`, { text: 'hi' }));
    const req = await nextRequest(`${API}?page=2#top`);
    expect(req.request.headers.get('Authorization')).toBe('DPoP the-access-token');
    const { header, payload } = await proofOf(req);
    expect(header).toEqual(jasmine.objectContaining({ typ: 'dpop+jwt', alg: 'ES256' }));
    expect(payload).toEqual(jasmine.objectContaining({ htm: 'POST', htu: API, ath: await calculateAth('the-access-token') }));
    expect(payload['nonce']).toBeUndefined();
    expect(payload['jti']).toEqual(jasmine.any(String));
    req.flush({ ok: true });
    expect(await response).toEqual({ ok: true });
  });

  it('signs with the client key (the thumbprint logins send as dpop_jkt), and makes a fresh proof for each request', async () => {
    await setUp();
    const first = firstValueFrom(http.get(API));
    const a = await nextRequest(API);
    a.flush({});
    await first;
    const second = firstValueFrom(http.get(API));
    const b = await nextRequest(API);
    b.flush({});
    await second;
    const [pa, pb] = [await proofOf(a), await proofOf(b)];
    expect(pa.header.jwk).toEqual(pb.header.jwk);
    expect(pa.payload['jti']).not.toBe(pb.payload['jti']);
  });

  it('resolves a relative URL as HttpClient sends it for htu', async () => {
    await setUp();
    const url = '/public-api/items?x=1';
    const response = firstValueFrom(http.get(url));
    const req = await nextRequest(url);
    expect(req.request.headers.get('Authorization')).toBe('DPoP the-access-token');
    expect((await proofOf(req)).payload).toEqual(jasmine.objectContaining({ htm: 'GET', htu: `${APP_ORIGIN}/public-api/items` }));
    req.flush({});
    await response;
  });

  it('sends neither token nor proof to a URL that is not allow-listed', async () => {
    await setUp();
    const url = 'https://evil.test/v1/messages';
    const response = firstValueFrom(http.get(url));
    const req = await nextRequest(url);
    expect(req.request.headers.has('Authorization')).toBeFalse();
    expect(req.request.headers.has('DPoP')).toBeFalse();
    req.flush({});
    await response;
  });

  it('binds httpResource requests too', async () => {
    await setUp();
    const resource = TestBed.runInInjectionContext(() => httpResource<{ ok: boolean }>(() => API));
    TestBed.tick();
    const req = await nextRequest(API);
    expect(req.request.headers.get('Authorization')).toBe('DPoP the-access-token');
    expect((await proofOf(req)).payload).toEqual(jasmine.objectContaining({ htm: 'GET', htu: API }));
    req.flush({ ok: true });
    for (let i = 0; i < 100 && resource.isLoading(); i++) await new Promise((r) => setTimeout(r));
    expect(resource.value()).toEqual({ ok: true });
  });

  it('answers a use_dpop_nonce challenge once, with a new proof carrying the nonce; a second challenge goes to the app', async () => {
    await setUp();
    const response = firstValueFrom(http.get(API)).catch((e: unknown) => e);
    const first = await nextRequest(API);
    challenge(first, 'DPoP error="use_dpop_nonce", error_description="nonce required", algs="ES256"', 'n-1');
    const retry = await nextRequest(API);
    const proof = await proofOf(retry);
    expect(proof.payload['nonce']).toBe('n-1');
    expect(proof.payload['jti']).not.toBe((await proofOf(first)).payload['jti']);
    expect(retry.request.headers.get('Authorization')).toBe('DPoP the-access-token');
    challenge(retry, 'DPoP error="use_dpop_nonce"', 'n-2');
    expect(await response).toEqual(jasmine.objectContaining({ status: 401 }));
    backend.expectNone(API);
    expect(refreshes).toBe(0);
  });

  it('keeps the DPoP-Nonce of a successful answer for the next proof to that origin', async () => {
    await setUp();
    const first = firstValueFrom(http.get(API));
    (await nextRequest(API)).flush({}, { headers: new HttpHeaders({ 'DPoP-Nonce': 'n-ok' }) });
    await first;
    const second = firstValueFrom(http.get(`https://api.example.com/v1/other`));
    const req = await nextRequest('https://api.example.com/v1/other');
    expect((await proofOf(req)).payload['nonce']).toBe('n-ok');
    req.flush({});
    await second;
  });

  it('does not retry a nonce challenge in the Bearer scheme, or without a DPoP-Nonce', async () => {
    await setUp();
    for (const [header, nonce] of [['Bearer error="use_dpop_nonce"', 'n-1'], ['DPoP error="use_dpop_nonce"', undefined]] as const) {
      const response = firstValueFrom(http.get(API)).catch((e: unknown) => e);
      challenge(await nextRequest(API), header, nonce);
      expect(await response).toEqual(jasmine.objectContaining({ status: 401 }));
      backend.expectNone(API);
    }
  });

  it('renews after 401 DPoP error="invalid_token" and retries once with the new token and a proof of it', async () => {
    await setUp();
    const response = firstValueFrom(http.get(API));
    challenge(await nextRequest(API), 'DPoP error="invalid_token", error_description="expired", algs="ES256"');
    const retry = await nextRequest(API);
    expect(refreshes).toBe(1);
    // The refresh itself carried a proof (dpop.ts), and its answer was DPoP-bound.
    expect(provider.requestsTo(provider.discovery.token_endpoint!)[0].headers['dpop']).toEqual(jasmine.any(String));
    expect(retry.request.headers.get('Authorization')).toBe('DPoP renewed-1');
    expect((await proofOf(retry)).payload['ath']).toBe(await calculateAth('renewed-1'));
    retry.flush({ ok: true });
    expect(await response).toEqual({ ok: true });
  });

  it('shares one renewal between requests refused together, each retried with its own proof of the new token', async () => {
    await setUp();
    const urls = [`${API}/1`, `${API}/2`, `${API}/3`];
    const responses = urls.map((url) => firstValueFrom(http.get(url)));
    const first = await Promise.all(urls.map((url) => nextRequest(url)));
    first.forEach((req) => challenge(req, 'DPoP error="invalid_token", algs="ES256"'));
    const retries = await Promise.all(urls.map((url) => nextRequest(url)));
    // One refresh grant (single-flight), one proof with it.
    expect(refreshes).toBe(1);
    expect(provider.requestsTo(provider.discovery.token_endpoint!).length).toBe(1);
    const proofs = await Promise.all(retries.map((req) => proofOf(req)));
    retries.forEach((req) => expect(req.request.headers.get('Authorization')).toBe('DPoP renewed-1'));
    expect(proofs.map(({ payload }) => payload['htu'])).toEqual(urls);
    expect(new Set(proofs.map(({ payload }) => payload['jti'])).size).toBe(3);
    proofs.forEach(({ payload }) => expect(payload['ath']).toBe(proofs[0].payload['ath']));
    retries.forEach((req, i) => req.flush({ n: i }));
    expect(await Promise.all(responses)).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
  });

  it('hands a second invalid_token to the app after a nonce retry and a renewal: no loop', async () => {
    await setUp();
    const response = firstValueFrom(http.get(API)).catch((e: unknown) => e);
    challenge(await nextRequest(API), 'DPoP error="use_dpop_nonce"', 'n-1');
    challenge(await nextRequest(API), 'DPoP error="invalid_token"');
    const retry = await nextRequest(API);
    expect((await proofOf(retry)).payload['nonce']).toBe('n-1');
    challenge(retry, 'DPoP error="invalid_token"');
    expect(await response).toEqual(jasmine.objectContaining({ status: 401 }));
    backend.expectNone(API);
    expect(refreshes).toBe(1);
  });

  it('fails the request with the AuthError when no proof can be made, without sending it as Bearer', async () => {
    await setUp();
    const unavailable = new AuthError('dpop_unavailable', 'no IndexedDB');
    spyOn(clientOf(auth).dpop!()!, 'proofFor').and.rejectWith(unavailable);
    const error = await firstValueFrom(http.get(API)).catch((e: unknown) => e);
    expect(error).toBe(unavailable);
    backend.expectNone(API);
  });

  describe('logout', () => {
    it('deletes the key: a new login makes another one', async () => {
      await setUp();
      const dpop = clientOf(auth).dpop!()!;
      const before = await dpop.thumbprint();
      const forget = spyOn(dpop, 'forget').and.callThrough();
      await auth.logout({ localOnly: true });
      expect(forget).toHaveBeenCalledTimes(1);
      expect(auth.error()).toBeNull();
      expect(await dpop.thumbprint()).not.toBe(before);
    });

    it('reports a key that cannot be deleted as the error; the session is gone all the same', async () => {
      await setUp();
      const unavailable = new AuthError('dpop_unavailable', 'no IndexedDB');
      const forget = spyOn(clientOf(auth).dpop!()!, 'forget').and.rejectWith(unavailable);
      await auth.logout({ localOnly: true });
      expect(auth.isAuthenticated()).toBeFalse();
      expect(auth.error()).toBe(unavailable);
      forget.and.callThrough();
    });
  });

  it('changes nothing without withDpop(): Bearer, no proof, and a DPoP challenge is not renewed', async () => {
    await setUp(false);
    expect(clientOf(auth).dpop?.()).toBeUndefined();
    const response = firstValueFrom(http.get(API)).catch((e: unknown) => e);
    const req = await nextRequest(API);
    expect(req.request.headers.get('Authorization')).toBe('Bearer the-access-token');
    expect(req.request.headers.has('DPoP')).toBeFalse();
    challenge(req, 'DPoP error="invalid_token"', 'n-1');
    expect(await response).toEqual(jasmine.objectContaining({ status: 401 }));
    expect(refreshes).toBe(0);
  });
  describe('development-mode diagnosis of a refused token', () => {
    /** An access token as a JWT (not verified by the diagnosis), bound to `jkt` if given. */
    async function accessJwt(jkt?: string): Promise<string> {
      const { privateKey } = await generateKeyPair('ES256');
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: ISSUER, sub: 'alice', aud: 'https://api.example.com', iat: now, exp: now + 300, ...(jkt ? { cnf: { jkt } } : {}) })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .sign(privateKey);
    }

    /** Waits until the development-mode diagnosis has logged (it reads the key first). */
    async function logged(): Promise<string> {
      for (let i = 0; i < 500 && warn.calls.count() === 0; i++) await new Promise((r) => setTimeout(r));
      return warn.calls.allArgs().flat().join('\n');
    }

    it('reads the DPoP challenge, and explains a refused proof', async () => {
      await setUp();
      const response = firstValueFrom(http.get(API)).catch((e: unknown) => e);
      challenge(await nextRequest(API), 'DPoP algs="ES256", error="invalid_dpop_proof", error_description="htu mismatch"');
      expect(await response).toEqual(jasmine.objectContaining({ status: 401 }));
      const text = await logged();
      expect(text).toContain('was refused with 401 (invalid_dpop_proof: "htu mismatch")');
      expect(text).toContain('The API refused the DPoP proof');
      expect(text).not.toContain('the-access-token');
    });

    it("names a token bound to another key than this browser's (cnf.jkt), and one bound to none", async () => {
      await setUp(true, await accessJwt('another-key-thumbprint'));
      const jkt = await clientOf(auth).dpop!()!.thumbprint();
      let response = firstValueFrom(http.get(API)).catch((e: unknown) => e);
      // Not invalid_token: no renewal, the answer goes to the app.
      challenge(await nextRequest(API), 'DPoP error="invalid_request"');
      await response;
      let text = await logged();
      expect(text).toContain('- dpop_key_mismatch: ');
      expect(text).toContain('"another-key-thumbprint"');
      expect(text).toContain(`"${jkt}"`);

      warn.calls.reset();
      backend.verify();
      await clientOf(auth).dpop?.()?.forget();
      TestBed.resetTestingModule();
      await setUp(true, await accessJwt());
      response = firstValueFrom(http.get(API)).catch((e: unknown) => e);
      challenge(await nextRequest(API), 'DPoP error="invalid_request"');
      await response;
      text = await logged();
      expect(text).toContain('- dpop_key_mismatch: ');
      expect(text).toContain('no "cnf.jkt"');
    });

    it('finds nothing wrong with a token bound to the key the proofs are signed with', async () => {
      await setUp();
      const jkt = await clientOf(auth).dpop!()!.thumbprint();
      TestBed.resetTestingModule();
      await setUp(true, await accessJwt(jkt));
      const response = firstValueFrom(http.get(API)).catch((e: unknown) => e);
      challenge(await nextRequest(API), 'DPoP error="invalid_request"');
      await response;
      const text = await logged();
      expect(text).not.toContain('dpop_key_mismatch');
      expect(text).toContain('meets what the client knows');
    });

    it('tells an app without withDpop() that the API takes only DPoP-bound tokens', async () => {
      await setUp(false);
      const response = firstValueFrom(http.get(API)).catch((e: unknown) => e);
      const req = await nextRequest(API);
      expect(req.request.headers.get('Authorization')).toBe('Bearer the-access-token');
      challenge(req, 'DPoP algs="ES256"');
      await response;
      expect(await logged()).toContain('add withDpop() to provideAuth()');
    });
  });
});

/** A document whose baseURI is `base` (its `<base href>`). */
function documentAt(base: string): Document {
  const doc = document.implementation.createHTMLDocument('');
  const element = doc.createElement('base');
  element.href = base;
  doc.head.appendChild(element);
  return doc;
}
