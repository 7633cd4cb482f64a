import { HttpClient, HttpContext, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { firstValueFrom } from 'rxjs';
import { setUpAuth } from '../../test-support/fake-browser';
import { APP_ORIGIN, CLIENT_ID, FakeProvider, ISSUER, SCOPE } from '../../test-support/fake-provider';
import { DOCUMENT } from '@angular/common';
import { saveSession } from '../core/session-store';
import type { TokenSet } from '../core/types';
import type { AuthConfig } from '../core/config';
import { HttpHeaders } from '@angular/common/http';
import { generateKeyPair, SignJWT } from 'jose';
import { AuthError } from '../core/errors';
import type { AuthEvent } from '../core/events';
import { authInterceptor, SKIP_AUTH } from './auth.interceptor';
import { AuthService } from './auth.service';

describe('authInterceptor', () => {
  let http: HttpClient;
  let backend: HttpTestingController;
  let provider: FakeProvider;

  /**
   * @param base The page's `document.baseURI` (HttpClient resolves relative URLs against it):
   *   a document of its own, as the Karma page is on another origin than the app's.
   */
  async function setUp(authenticated: boolean, expiresIn = 300, extra: Partial<TokenSet> = {}, config: Partial<AuthConfig> = {}, base = `${APP_ORIGIN}/`): Promise<void> {
    sessionStorage.clear();
    if (authenticated) {
      const now = Math.floor(Date.now() / 1000);
      const tokens: TokenSet = {
        idToken: 'id-token',
        accessToken: 'the-access-token',
        tokenType: 'Bearer',
        expiresAt: Date.now() + expiresIn * 1000,
        obtainedAt: Date.now() - 1000,
        scope: 'openid',
        requestedScope: 'openid',
        claims: { iss: ISSUER, sub: 'alice', aud: CLIENT_ID, iat: now, exp: now + 300 },
        ...extra,
      };
      saveSession(sessionStorage, SCOPE, { tokens, user: { sub: 'alice' } });
    }
    provider = new FakeProvider();
    await setUpAuth({
      provider,
      config: { storage: 'session', ...config },
      providers: [provideHttpClient(withInterceptors([authInterceptor])), provideHttpClientTesting(), { provide: DOCUMENT, useValue: documentAt(base) }],
    });
    http = TestBed.inject(HttpClient);
    backend = TestBed.inject(HttpTestingController);
  }

  afterEach(() => {
    backend.verify();
    sessionStorage.clear();
  });

  /** Sends a GET and returns the Authorization header the backend received. */
  async function authorizationFor(url: string, context?: HttpContext, headers?: Record<string, string>): Promise<string | null> {
    const response = firstValueFrom(http.get(url, { context, headers }));
    // Let the token lookup (and a renewal through the fake provider, if any) finish.
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r));
    const req = backend.expectOne(url);
    req.flush({});
    await response;
    return req.request.headers.get('Authorization');
  }

  it('attaches the token to an allow-listed URL', async () => {
    await setUp(true);
    expect(await authorizationFor('https://api.example.com/v1/messages')).toBe('Bearer the-access-token');
  });

  it('attaches the token to the exact allow-listed path', async () => {
    await setUp(true);
    expect(await authorizationFor('https://api.example.com/v1')).toBe('Bearer the-access-token');
  });

  for (const url of [
    'https://api.example.com/v10/messages',
    'https://api.example.com/other',
    'http://api.example.com/v1/messages',
    'https://api.example.com:8443/v1/messages',
    'https://api.example.com.evil.test/v1/messages',
    'https://evil.test/v1/messages',
    'https://user@api.example.com/v1/messages',
    'https://api.example.com@evil.test/v1/messages',
    '/v1/messages',
  ]) {
    it(`does not attach a token to ${url}`, async () => {
      await setUp(true);
      expect(await authorizationFor(url)).toBeNull();
    });
  }

  it('never attaches the token to the provider\'s own endpoints', async () => {
    await setUp(true);
    expect(await authorizationFor(`${ISSUER}/.well-known/openid-configuration`)).toBeNull();
  });

  it("never attaches the token to the provider's endpoints in a tab that restored its session, under any spelling", async () => {
    await setUp(true, 300, {}, { allowedUrls: [`${ISSUER}/oauth`, `${ISSUER}/userinfo`, `${ISSUER}/.well-known`, `${ISSUER}/logout`] });
    for (const url of [
      `${ISSUER}/oauth/token`,
      `${ISSUER}/oauth/token/`,
      `${ISSUER}//oauth/token`,
      `${ISSUER}/oauth/token;x`,
      `${ISSUER}/oauth/%74oken`,
      `${ISSUER}/userinfo`,
      `${ISSUER}/.well-known/jwks.json`,
      `${ISSUER}/logout`,
    ]) {
      expect(await authorizationFor(url)).withContext(url).toBeNull();
    }
    expect(await authorizationFor(`${ISSUER}/oauth/other`)).toBe('Bearer the-access-token');
  });

  it('resolves a relative URL against document.baseURI, as HttpClient sends it', async () => {
    await setUp(true, 300, {}, { allowedUrls: ['/app/api'] }, `${APP_ORIGIN}/app/`);
    expect(await authorizationFor('api/users')).toBe('Bearer the-access-token');
  });

  it('does not send the token to a relative URL that the base URI moves out of the allow-listed path', async () => {
    await setUp(true, 300, {}, { allowedUrls: ['/api'] }, `${APP_ORIGIN}/app/`);
    expect(await authorizationFor('api/users')).toBeNull();
  });

  it('does not send the token when an encoded slash follows the allow-listed prefix', async () => {
    await setUp(true);
    expect(await authorizationFor('https://api.example.com/v1/%2F..%2Fadmin')).toBeNull();
    expect(await authorizationFor('https://api.example.com/v1/..%5Cadmin')).toBeNull();
  });

  it('keeps an Authorization header the app set itself', async () => {
    await setUp(true);
    expect(await authorizationFor('https://api.example.com/v1/x', undefined, { Authorization: 'Basic abc' })).toBe('Basic abc');
  });

  it('keeps an authorization header the app set in another case', async () => {
    await setUp(true);
    expect(await authorizationFor('https://api.example.com/v1/x', undefined, { authorization: 'Basic abc' })).toBe('Basic abc');
  });

  it('honours the SKIP_AUTH opt-out', async () => {
    await setUp(true);
    expect(await authorizationFor('https://api.example.com/v1/x', new HttpContext().set(SKIP_AUTH, true))).toBeNull();
  });

  it('fails an allow-listed request with not_authenticated when nobody is logged in, without sending it', async () => {
    await setUp(false);
    const error = await firstValueFrom(http.get('https://api.example.com/v1/messages')).catch((e: unknown) => e);
    expect(error).toEqual(jasmine.objectContaining({ code: 'not_authenticated' }));
    backend.expectNone('https://api.example.com/v1/messages');
  });

  it('sends an allowAnonymous request without a token when nobody is logged in', async () => {
    await setUp(false);
    expect(await authorizationFor('/public-api/status')).toBeNull();
  });

  it('does not send an expired access token', async () => {
    await setUp(true, -10);
    const error = await firstValueFrom(http.get('https://api.example.com/v1/messages')).catch((e: unknown) => e);
    // Nothing could renew it: the session ended at start-up, so nobody is logged in.
    expect(error).toEqual(jasmine.objectContaining({ code: 'not_authenticated' }));
  });

  describe('401 recovery', () => {
    const API = 'https://api.example.com/v1/messages';
    const INVALID_TOKEN = new HttpHeaders({ 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="expired"' });
    let refreshes: number;

    async function setUpRenewable(): Promise<void> {
      await setUp(true, 300, { refreshToken: 'refresh-1' });
      refreshes = 0;
      provider.on(provider.discovery.token_endpoint!, () => {
        refreshes++;
        return { status: 200, json: { access_token: `renewed-${refreshes}`, token_type: 'Bearer', expires_in: 300, refresh_token: `refresh-${refreshes + 1}` } };
      });
    }

    /** Lets the fake fetch, the renewal and the retry run. */
    async function settle(): Promise<void> {
      for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r));
    }

    it('renews once and retries once when the API says invalid_token', async () => {
      await setUpRenewable();
      const response = firstValueFrom(http.get(API));
      await settle();
      backend.expectOne(API).flush({ error: 'invalid_token' }, { status: 401, statusText: 'Unauthorized', headers: INVALID_TOKEN });
      await settle();
      const retry = backend.expectOne(API);
      expect(retry.request.headers.get('Authorization')).toBe('Bearer renewed-1');
      retry.flush({ ok: true });
      expect(await response).toEqual({ ok: true });
      expect(refreshes).toBe(1);
    });

    it('shares one renewal among 20 requests that fail together, and retries all 20', async () => {
      await setUpRenewable();
      const responses = Array.from({ length: 20 }, () => firstValueFrom(http.get(API)));
      await settle();
      const first = backend.match(API);
      expect(first.length).toBe(20);
      first.forEach((req) => req.flush(null, { status: 401, statusText: 'Unauthorized', headers: INVALID_TOKEN }));
      await settle();
      const retried = backend.match(API);
      expect(retried.length).toBe(20);
      expect(retried.every((req) => req.request.headers.get('Authorization') === 'Bearer renewed-1')).toBeTrue();
      retried.forEach((req) => req.flush({ ok: true }));
      await Promise.all(responses);
      expect(refreshes).toBe(1);
    });

    it('hands a second 401 to the app: no loop', async () => {
      await setUpRenewable();
      const response = firstValueFrom(http.get(API)).catch((e: unknown) => e);
      await settle();
      backend.expectOne(API).flush(null, { status: 401, statusText: 'Unauthorized', headers: INVALID_TOKEN });
      await settle();
      backend.expectOne(API).flush(null, { status: 401, statusText: 'Unauthorized', headers: INVALID_TOKEN });
      await settle();
      const error = await response;
      expect(error).toEqual(jasmine.objectContaining({ status: 401 }));
      backend.expectNone(API);
      expect(refreshes).toBe(1);
    });

    it('does not renew on a 401 without invalid_token, or on a 403', async () => {
      await setUpRenewable();
      const plain = firstValueFrom(http.get(API)).catch((e: unknown) => e);
      await settle();
      backend.expectOne(API).flush(null, { status: 401, statusText: 'Unauthorized', headers: new HttpHeaders({ 'WWW-Authenticate': 'Bearer realm="api"' }) });
      expect(await plain).toEqual(jasmine.objectContaining({ status: 401 }));
      const forbidden = firstValueFrom(http.get(API)).catch((e: unknown) => e);
      await settle();
      backend.expectOne(API).flush(null, { status: 403, statusText: 'Forbidden', headers: new HttpHeaders({ 'WWW-Authenticate': 'Bearer error="insufficient_scope"' }) });
      expect(await forbidden).toEqual(jasmine.objectContaining({ status: 403 }));
      expect(refreshes).toBe(0);
    });

    it('hands other errors to the app as they are, without renewing', async () => {
      await setUpRenewable();
      const response = firstValueFrom(http.get(API)).catch((e: unknown) => e);
      await settle();
      backend.expectOne(API).flush(null, { status: 500, statusText: 'Server Error' });
      expect(await response).toEqual(jasmine.objectContaining({ status: 500 }));
      backend.expectNone(API);
      expect(refreshes).toBe(0);
    });

    it('reports login_required when the renewal finds the session over', async () => {
      await setUp(true, 300, { refreshToken: 'revoked' });
      provider.on(provider.discovery.token_endpoint!, () => ({ status: 400, json: { error: 'invalid_grant' } }));
      const response = firstValueFrom(http.get(API)).catch((e: unknown) => e);
      await settle();
      backend.expectOne(API).flush(null, { status: 401, statusText: 'Unauthorized', headers: INVALID_TOKEN });
      await settle();
      expect(await response).toEqual(jasmine.objectContaining({ code: 'login_required' }));
      backend.expectNone(API);
    });

    describe('RFC 9470 step-up challenge', () => {
      const STEP_UP = new HttpHeaders({
        'WWW-Authenticate':
          'Bearer realm="api", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="urn:example:mfa urn:example:hwk", max_age="300"',
      });

      it('fails with insufficient_user_authentication carrying the login options, without renewing or retrying; the session stays', async () => {
        await setUpRenewable();
        const auth = TestBed.inject(AuthService);
        const events: AuthEvent[] = [];
        const subscription = auth.events$.subscribe((e) => events.push(e));
        const response = firstValueFrom(http.get(API)).catch((e: unknown) => e);
        await settle();
        backend.expectOne(API).flush({ error: 'insufficient_user_authentication' }, { status: 401, statusText: 'Unauthorized', headers: STEP_UP });
        await settle();

        const error = await response;
        expect(error).toBeInstanceOf(AuthError);
        const { code, details } = error as AuthError;
        expect(code).toBe('insufficient_user_authentication');
        expect(details.stepUp).toEqual({ acrValues: 'urn:example:mfa urn:example:hwk', acrRequired: true, maxAge: 300 });
        // The API's answer stays reachable: its status and body.
        expect(details.cause).toEqual(jasmine.objectContaining({ status: 401, error: { error: 'insufficient_user_authentication' } }));
        backend.expectNone(API);
        expect(refreshes).toBe(0);
        expect(auth.isAuthenticated()).toBeTrue();
        expect(auth.accessToken()).toBe('the-access-token');
        expect(auth.error()).toBeNull();
        expect(events).toEqual([]);
        subscription.unsubscribe();
      });

      it('finds the challenge among other challenges of the header, without acr_values', async () => {
        await setUpRenewable();
        const response = firstValueFrom(http.get(API)).catch((e: unknown) => e);
        await settle();
        const headers = new HttpHeaders({ 'WWW-Authenticate': 'DPoP algs="ES256 PS256", Bearer error="insufficient_user_authentication", max_age=0, Basic realm="x"' });
        backend.expectOne(API).flush(null, { status: 401, statusText: 'Unauthorized', headers });
        await settle();

        expect(await response).toEqual(jasmine.objectContaining({ code: 'insufficient_user_authentication', details: jasmine.objectContaining({ stepUp: { acrValues: undefined, acrRequired: false, maxAge: 0 } }) }));
        backend.expectNone(API);
        expect(refreshes).toBe(0);
      });

      it('hands a step-up challenge on a retried request to the app the same way (after an invalid_token renewal)', async () => {
        await setUpRenewable();
        const response = firstValueFrom(http.get(API)).catch((e: unknown) => e);
        await settle();
        backend.expectOne(API).flush(null, { status: 401, statusText: 'Unauthorized', headers: INVALID_TOKEN });
        await settle();
        backend.expectOne(API).flush(null, { status: 401, statusText: 'Unauthorized', headers: STEP_UP });
        await settle();

        expect(await response).toEqual(jasmine.objectContaining({ code: 'insufficient_user_authentication' }));
        backend.expectNone(API);
        expect(refreshes).toBe(1);
      });
    });

    it('renews a token that is about to expire before sending the request', async () => {
      await setUp(true, 1, { refreshToken: 'refresh-1', obtainedAt: Date.now() - 299_000 });
      provider.on(provider.discovery.token_endpoint!, () => ({ status: 200, json: { access_token: 'fresh', token_type: 'Bearer', expires_in: 300 } }));
      const response = firstValueFrom(http.get(API));
      await settle();
      const req = backend.expectOne(API);
      expect(req.request.headers.get('Authorization')).toBe('Bearer fresh');
      req.flush({});
      await response;
    });
  });

  describe('per-entry audience', () => {
    it('sends the token of the entry\'s audience and scope, obtained through the refresh token', async () => {
      await setUp(true, 300, { refreshToken: 'refresh-1', audience: 'https://api.example.com' }, {
        allowedUrls: ['https://api.example.com/v1', { uri: 'https://mgmt.example.com/api', audience: 'https://mgmt.example.com/', scope: 'read:current_user' }],
      });
      provider.on(provider.discovery.token_endpoint!, (req) => {
        const body = new URLSearchParams(req.body);
        return { status: 200, json: { access_token: `for ${body.get('audience')} ${body.get('scope')}`, token_type: 'Bearer', expires_in: 300 } };
      });
      expect(await authorizationFor('https://mgmt.example.com/api/users/me')).toBe('Bearer for https://mgmt.example.com/ read:current_user');
      expect(await authorizationFor('https://api.example.com/v1/messages')).toBe('Bearer the-access-token');
      expect(await authorizationFor('https://mgmt.example.com/api/users/me')).toBe('Bearer for https://mgmt.example.com/ read:current_user');
      expect(provider.requestsTo(provider.discovery.token_endpoint!).length).toBe(1);
    });
  });
  describe('development-mode diagnosis of a refused token', () => {
    const API = 'https://api.example.com/v1/messages';
    let warn: jasmine.Spy;

    beforeEach(() => {
      warn = spyOn(console, 'warn');
    });

    async function settle(): Promise<void> {
      for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r));
    }

    /** Sends a GET, answers it with `status` and `challenge`, and returns what the app got. */
    async function refuse(url: string, status: number, challenge: string): Promise<unknown> {
      const response = firstValueFrom(http.get(url)).catch((e: unknown) => e);
      await settle();
      backend.expectOne(url).flush(null, { status, statusText: 'Refused', headers: new HttpHeaders({ 'WWW-Authenticate': challenge }) });
      await settle();
      return response;
    }

    /** Everything logged, as one string. */
    function logged(): string {
      return warn.calls.allArgs().flat().join('\n');
    }

    it('logs opaque_token once, after the renewal and retry, however often the API refuses it', async () => {
      await setUp(true, 300, { refreshToken: 'refresh-1' });
      let refreshes = 0;
      provider.on(provider.discovery.token_endpoint!, () => {
        refreshes++;
        return { status: 200, json: { access_token: `opaque-${refreshes}`, token_type: 'Bearer', expires_in: 300, refresh_token: `refresh-${refreshes + 1}` } };
      });
      const challenge = 'Bearer realm="api", error="invalid_token", error_description="the access token is not a JWT; request an audience at login"';
      for (let round = 0; round < 3; round++) {
        const response = firstValueFrom(http.get(API)).catch((e: unknown) => e);
        await settle();
        backend.expectOne(API).flush(null, { status: 401, statusText: 'Unauthorized', headers: new HttpHeaders({ 'WWW-Authenticate': challenge }) });
        await settle();
        expect(warn).not.toHaveBeenCalled(); // not before the retry has been answered
        backend.expectOne(API).flush(null, { status: 401, statusText: 'Unauthorized', headers: new HttpHeaders({ 'WWW-Authenticate': challenge }) });
        await settle();
        expect(await response).toEqual(jasmine.objectContaining({ status: 401 }));
        expect(warn).toHaveBeenCalledTimes(round === 0 ? 1 : 0);
        warn.calls.reset();
      }
      expect(refreshes).toBe(3);
    });

    it('names opaque_token, the API and its error_description, never the token', async () => {
      await setUp(true, 300, { refreshToken: 'refresh-1' });
      // The provider renews to the same opaque token: the 401 goes to the app.
      provider.on(provider.discovery.token_endpoint!, () => ({ status: 200, json: { access_token: 'the-access-token', token_type: 'Bearer', expires_in: 300 } }));
      await refuse(API, 401, 'Bearer realm="api", error="invalid_token", error_description="not a JWT"');
      expect(warn).toHaveBeenCalledTimes(1);
      expect(logged()).toContain('opaque_token');
      expect(logged()).toContain('GET https://api.example.com/v1/messages was refused with 401');
      expect(logged()).toContain('"not a JWT"');
      expect(logged()).not.toContain('the-access-token');
    });

    it('logs missing_scope for a 403 insufficient_scope, with the scope the API asked for', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const now = Math.floor(Date.now() / 1000);
      const jwt = await new SignJWT({ iss: ISSUER, sub: 'alice', aud: 'https://api.example.com', iat: now, exp: now + 300, scope: 'openid read:messages' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .sign(privateKey);
      await setUp(true, 300, { accessToken: jwt });
      const error = await refuse(API, 403, 'Bearer error="insufficient_scope", scope="read:messages write:messages", error_description="needs write:messages"');
      expect(error).toEqual(jasmine.objectContaining({ status: 403 }));
      expect(warn).toHaveBeenCalledTimes(1);
      expect(logged()).toContain('- missing_scope: ');
      expect(logged()).toContain('"write:messages"');
      expect(logged()).not.toMatch(/opaque_token|audience_mismatch|issuer_mismatch|expired/);
      expect(logged()).not.toContain(jwt);
      // The same cause at the same API is not logged again.
      await refuse('https://api.example.com/v1/other', 403, 'Bearer error="insufficient_scope", scope="write:messages"');
      expect(warn).toHaveBeenCalledTimes(1);
    });

    it('logs nothing for a successful answer', async () => {
      await setUp(true);
      expect(await authorizationFor(API)).toBe('Bearer the-access-token');
      expect(warn).not.toHaveBeenCalled();
    });

    it('logs nothing for a URL that is not allow-listed', async () => {
      await setUp(true);
      await refuse('https://other.example.com/api', 401, 'Bearer error="invalid_token"');
      await refuse('https://other.example.com/api', 403, 'Bearer error="insufficient_scope", scope="write:messages"');
      expect(warn).not.toHaveBeenCalled();
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
