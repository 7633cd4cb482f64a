import { HttpClient, HttpContext, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { firstValueFrom } from 'rxjs';
import { setUpAuth } from '../../test-support/fake-browser';
import { CLIENT_ID, FakeProvider, ISSUER } from '../../test-support/fake-provider';
import { saveSession } from '../core/session-store';
import type { TokenSet } from '../core/types';
import { authInterceptor, SKIP_AUTH } from './auth.interceptor';

describe('authInterceptor', () => {
  let http: HttpClient;
  let backend: HttpTestingController;

  async function setUp(authenticated: boolean, expiresIn = 300): Promise<void> {
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
      };
      saveSession(sessionStorage, CLIENT_ID, { tokens, user: { sub: 'alice' } });
    }
    await setUpAuth({
      provider: new FakeProvider(),
      config: { storage: 'session' },
      providers: [provideHttpClient(withInterceptors([authInterceptor])), provideHttpClientTesting()],
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
    await Promise.resolve();
    await new Promise((r) => setTimeout(r));
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

  it('keeps an Authorization header the app set itself', async () => {
    await setUp(true);
    expect(await authorizationFor('https://api.example.com/v1/x', undefined, { Authorization: 'Basic abc' })).toBe('Basic abc');
  });

  it('honours the SKIP_AUTH opt-out', async () => {
    await setUp(true);
    expect(await authorizationFor('https://api.example.com/v1/x', new HttpContext().set(SKIP_AUTH, true))).toBeNull();
  });

  it('fails an allow-listed request with login_required when nobody is logged in, without sending it', async () => {
    await setUp(false);
    const error = await firstValueFrom(http.get('https://api.example.com/v1/messages')).catch((e: unknown) => e);
    expect(error).toEqual(jasmine.objectContaining({ code: 'login_required' }));
    backend.expectNone('https://api.example.com/v1/messages');
  });

  it('sends an allowAnonymous request without a token when nobody is logged in', async () => {
    await setUp(false);
    expect(await authorizationFor('/public-api/status')).toBeNull();
  });

  it('does not send an expired access token', async () => {
    await setUp(true, -10);
    const error = await firstValueFrom(http.get('https://api.example.com/v1/messages')).catch((e: unknown) => e);
    expect(error).toEqual(jasmine.objectContaining({ code: 'login_required' }));
  });
});
