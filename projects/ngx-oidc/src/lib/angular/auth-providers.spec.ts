import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { firstValueFrom } from 'rxjs';
import { FakeBrowser, TEST_CONFIG } from '../../test-support/fake-browser';
import {
  APP_ORIGIN,
  CLIENT_ID,
  createKey,
  DISCOVERY,
  FakeProvider,
  ISSUER,
  SCOPE,
  signToken,
  type TestKey,
} from '../../test-support/fake-provider';
import { until } from '../../test-support/tasks';
import type { AuthConfig } from '../core/config';
import type { AuthError } from '../core/errors';
import { saveSession, sessionKey, type SessionScope } from '../core/session-store';
import { AUTH_BROWSER } from './auth-browser';
import { withAuthProvider } from './auth-providers';
import { AuthProviders, authGuardFor, injectAuth } from './provider-access';
import { authInterceptor } from './auth.interceptor';
import { AuthService } from './auth.service';
import { withPushedAuthorizationRequests } from './features';
import { provideAuth } from './provide-auth';

const PARTNER = 'https://partner.example.com';
const PARTNER_SCOPE: SessionScope = { authority: PARTNER, clientId: CLIENT_ID };
const MAIN_API = 'https://api.example.com/v1';
const PARTNER_API = 'https://api.example.com/partner';
const PARTNER_DISCOVERY = {
  ...DISCOVERY,
  issuer: PARTNER,
  authorization_endpoint: `${PARTNER}/authorize`,
  token_endpoint: `${PARTNER}/oauth/token`,
  jwks_uri: `${PARTNER}/.well-known/jwks.json`,
  userinfo_endpoint: `${PARTNER}/userinfo`,
  end_session_endpoint: `${PARTNER}/logout`,
};
/** The partner's options: the same client id as the main provider's (like the demo's). */
const PARTNER_CONFIG: AuthConfig = {
  authority: PARTNER,
  clientId: CLIENT_ID,
  audience: 'https://partner-api.example.com',
  allowedUrls: [PARTNER_API],
  storage: 'session',
};
const MAIN_CONFIG: AuthConfig = { ...TEST_CONFIG, allowedUrls: [MAIN_API], storage: 'session' };

@Component({ template: 'partner page' })
class PartnerPage {}

describe('several providers (withAuthProvider)', () => {
  let provider: FakeProvider;
  let key: TestKey;

  beforeEach(async () => {
    sessionStorage.clear();
    provider = new FakeProvider();
    key = await createKey('k1');
    provider.keys = [key.jwk];
    provider.on(`${PARTNER}/.well-known/openid-configuration`, () => ({
      status: 200,
      json: PARTNER_DISCOVERY,
    }));
    provider.on(PARTNER_DISCOVERY.jwks_uri, () => ({ status: 200, json: { keys: provider.keys } }));
  });

  afterEach(() => sessionStorage.clear());

  interface App {
    readonly main: AuthService;
    readonly partner: AuthService;
    readonly browser: FakeBrowser;
  }

  /** A fresh app instance at `url` (sessionStorage is kept, as across a redirect), after start-up. */
  async function app(
    url = `${APP_ORIGIN}/`,
    partnerConfig: AuthConfig = PARTNER_CONFIG,
    mainConfig: AuthConfig = MAIN_CONFIG,
  ): Promise<App> {
    const browser = new FakeBrowser(url, provider);
    TestBed.resetTestingModule();
    TestBed.configureTestingModule({
      providers: [
        provideAuth(mainConfig, withAuthProvider('partner', partnerConfig)),
        { provide: AUTH_BROWSER, useValue: browser },
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([
          { path: 'partner', component: PartnerPage, canActivate: [authGuardFor('partner')] },
        ]),
      ],
    });
    const main = TestBed.inject(AuthService);
    await main.initialize();
    return { main, partner: TestBed.inject(AuthProviders).get('partner'), browser };
  }

  /** Makes `issuer`'s token endpoint answer the login whose authorize URL is given. */
  async function answer(issuer: string, authorizeUrl: string, accessToken: string): Promise<void> {
    const nonce = new URL(authorizeUrl).searchParams.get('nonce')!;
    const now = Math.floor(Date.now() / 1000);
    const idToken = await signToken(key, {
      iss: issuer,
      sub: 'alice',
      aud: CLIENT_ID,
      iat: now,
      exp: now + 300,
      nonce,
    });
    provider.on(`${issuer}/oauth/token`, () => ({
      status: 200,
      json: { access_token: accessToken, token_type: 'Bearer', expires_in: 300, id_token: idToken },
    }));
  }

  /** The callback URL of a login (its state), with extra parameters. */
  function callback(authorizeUrl: string, extra: Record<string, string> = {}): string {
    const state = new URL(authorizeUrl).searchParams.get('state')!;
    return `${APP_ORIGIN}/callback?${new URLSearchParams({ code: 'auth-code-1', state, ...extra })}`;
  }

  /** Stores a session of `scope` with `accessToken`, for a later app instance to restore. */
  function storedSession(scope: SessionScope, accessToken: string, refreshToken?: string): void {
    const now = Math.floor(Date.now() / 1000);
    saveSession(sessionStorage, scope, {
      tokens: {
        idToken: 'id-token',
        accessToken,
        refreshToken,
        tokenType: 'Bearer',
        expiresAt: Date.now() + 300_000,
        obtainedAt: Date.now(),
        scope: 'openid',
        requestedScope: 'openid',
        claims: { iss: scope.authority, sub: 'alice', aud: CLIENT_ID, iat: now, exp: now + 300 },
      },
      user: { sub: 'alice', iss: scope.authority },
    });
  }

  describe('configuration', () => {
    it("refuses a malformed name, and a provider among a provider's features, with a TypeError", () => {
      expect(() => withAuthProvider('', PARTNER_CONFIG)).toThrowError(TypeError);
      expect(() => withAuthProvider('a b', PARTNER_CONFIG)).toThrowError(TypeError);
      expect(() =>
        withAuthProvider('x', PARTNER_CONFIG, withAuthProvider('y', PARTNER_CONFIG)),
      ).toThrowError(TypeError);
    });

    it("checks the provider's own options at once, naming the provider", () => {
      let error: unknown;
      try {
        withAuthProvider('partner', { ...PARTNER_CONFIG, clientId: '' });
      } catch (err) {
        error = err;
      }
      expect(error).toEqual(jasmine.objectContaining({ code: 'invalid_configuration' }));
      expect((error as AuthError).message).toContain("withAuthProvider('partner')");
    });

    for (const [what, partner, main] of [
      [
        'an allowlist URL claimed by two providers',
        { ...PARTNER_CONFIG, allowedUrls: [`${MAIN_API}/orders`] },
        MAIN_CONFIG,
      ],
      [
        'an allowlist that covers a whole origin another provider uses',
        { ...PARTNER_CONFIG, allowedUrls: ['https://api.example.com'] },
        MAIN_CONFIG,
      ],
      [
        "an allowlist that covers another provider's issuer",
        { ...PARTNER_CONFIG, allowedUrls: [`${ISSUER}/`] },
        MAIN_CONFIG,
      ],
      [
        'the same client twice',
        { ...PARTNER_CONFIG, authority: ISSUER, allowedUrls: [] },
        MAIN_CONFIG,
      ],
    ] as const) {
      it(`fails start-up with invalid_configuration for ${what}`, async () => {
        const error = await app(`${APP_ORIGIN}/`, partner, main).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(error).toEqual(jasmine.objectContaining({ code: 'invalid_configuration' }));
      });
    }

    it('accepts allowlists on the same origin with paths apart (/v1 and /partner)', async () => {
      const { main, partner } = await app();
      expect(main.configuration.authority).toBe(ISSUER);
      expect(partner.configuration.authority).toBe(PARTNER);
    });

    it('gives each provider a service of its own: by name, with injectAuth(), and the main one without a name', async () => {
      const { main, partner } = await app();
      const providers = TestBed.inject(AuthProviders);
      expect(providers.get()).toBe(main);
      expect(partner).not.toBe(main);
      expect(partner).toBeInstanceOf(AuthService);
      expect(TestBed.runInInjectionContext(() => injectAuth('partner'))).toBe(partner);
      expect(providers.names).toEqual(['partner']);
      expect(() => providers.get('nobody')).toThrowError(TypeError);
    });

    it('gives a provider its own features (PAR for the partner only)', async () => {
      provider.on(`${PARTNER}/par`, () => ({
        status: 201,
        json: { request_uri: 'urn:ietf:params:oauth:request_uri:abc', expires_in: 60 },
      }));
      const discovery = {
        ...PARTNER_DISCOVERY,
        pushed_authorization_request_endpoint: `${PARTNER}/par`,
      };
      provider.on(`${PARTNER}/.well-known/openid-configuration`, () => ({
        status: 200,
        json: discovery,
      }));
      const browser = new FakeBrowser(`${APP_ORIGIN}/`, provider);
      TestBed.resetTestingModule();
      TestBed.configureTestingModule({
        providers: [
          provideAuth(
            MAIN_CONFIG,
            withAuthProvider(
              'partner',
              PARTNER_CONFIG,
              withPushedAuthorizationRequests({ mode: 'required' }),
            ),
          ),
          { provide: AUTH_BROWSER, useValue: browser },
        ],
      });
      const main = TestBed.inject(AuthService);
      await main.initialize();
      await TestBed.inject(AuthProviders).get('partner').login();
      await main.login();
      const [pushed, plain] = browser.assigned.map((u) => new URL(u));
      expect([...pushed.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
      expect(plain.searchParams.get('state')).toBeTruthy();
    });
  });

  describe('the callback', () => {
    it('goes to the provider whose login sent its state; the other ignores it (same client id, same redirect URI)', async () => {
      const before = await app(`${APP_ORIGIN}/orders`);
      await before.partner.login();
      const authorizeUrl = before.browser.assigned[0];
      expect(authorizeUrl.startsWith(`${PARTNER}/authorize?`)).toBeTrue();
      // Only the partner's service shows the pending login.
      expect(before.partner.loginState()).toBe(new URL(authorizeUrl).searchParams.get('state'));
      expect(before.main.loginState()).toBeNull();
      await answer(PARTNER, authorizeUrl, 'partner-token');

      const { main, partner, browser } = await app(callback(authorizeUrl, { iss: PARTNER }));
      await until(() => !partner.isLoading());
      expect(partner.isAuthenticated()).toBeTrue();
      expect(partner.user()?.['iss']).toBe(PARTNER);
      expect(partner.loginOutcome()?.type).toBe('login_completed');
      expect(main.isAuthenticated()).toBeFalse();
      expect(main.error()).toBeNull();
      expect(main.loginOutcome()).toBeNull();
      expect(provider.requestsTo(DISCOVERY.token_endpoint!)).toEqual([]);
      expect(browser.replaced.at(-1)).toBe('/orders');
      expect(sessionStorage.getItem(sessionKey(PARTNER_SCOPE))).not.toBeNull();
      expect(sessionStorage.getItem(sessionKey(SCOPE))).toBeNull();
    });

    it("RFC 9207 mix-up: the main provider's iss on the partner's state fails at the partner (iss_parameter_mismatch), once, before any token request", async () => {
      const before = await app();
      await before.partner.login();
      const authorizeUrl = before.browser.assigned[0];
      await answer(PARTNER, authorizeUrl, 'partner-token');

      const { main, partner } = await app(callback(authorizeUrl, { iss: ISSUER }));
      await until(() => !partner.isLoading());
      expect(partner.error()?.code).toBe('iss_parameter_mismatch');
      expect(partner.loginOutcome()?.type).toBe('login_failed');
      expect(partner.isAuthenticated()).toBeFalse();
      expect(main.error()).toBeNull();
      expect(main.isAuthenticated()).toBeFalse();
      expect(provider.requestsTo(PARTNER_DISCOVERY.token_endpoint)).toEqual([]);
    });

    it("RFC 9207 mix-up, the other way: the partner's iss on the main provider's state fails at the main provider", async () => {
      const before = await app();
      await before.main.login();
      const authorizeUrl = before.browser.assigned[0];
      expect(authorizeUrl.startsWith(`${ISSUER}/authorize?`)).toBeTrue();
      await answer(ISSUER, authorizeUrl, 'main-token');

      const { main, partner } = await app(callback(authorizeUrl, { iss: PARTNER }));
      expect(main.error()?.code).toBe('iss_parameter_mismatch');
      expect(main.isAuthenticated()).toBeFalse();
      expect(partner.error()).toBeNull();
      expect(partner.loginOutcome()).toBeNull();
      expect(provider.requestsTo(DISCOVERY.token_endpoint!)).toEqual([]);
    });

    it('a state no provider sent fails once, at the main provider (state_mismatch)', async () => {
      const { main, partner } = await app(`${APP_ORIGIN}/callback?code=x&state=${'s'.repeat(43)}`);
      expect(main.error()?.code).toBe('state_mismatch');
      expect(partner.error()).toBeNull();
      expect(partner.loginOutcome()).toBeNull();
    });
  });

  describe('tokens', () => {
    beforeEach(() => {
      storedSession(SCOPE, 'main-token');
      storedSession(PARTNER_SCOPE, 'partner-token');
    });

    it("the interceptor sends each allow-listed API its own provider's token, and nothing elsewhere", async () => {
      await app();
      const http = TestBed.inject(HttpClient);
      const backend = TestBed.inject(HttpTestingController);
      const sent: Record<string, string | null> = {};
      for (const url of [
        `${MAIN_API}/messages`,
        `${PARTNER_API}/me`,
        'https://api.example.com/other',
      ]) {
        const response = firstValueFrom(http.get(url));
        let request: ReturnType<HttpTestingController['match']>[number] | undefined;
        await until(() => !!(request = backend.match(url)[0]));
        sent[url] = request!.request.headers.get('Authorization');
        request!.flush({});
        await response;
      }
      expect(sent).toEqual({
        [`${MAIN_API}/messages`]: 'Bearer main-token',
        [`${PARTNER_API}/me`]: 'Bearer partner-token',
        'https://api.example.com/other': null,
      });
      backend.verify();
    });

    it('renews a token an API refused with the provider that issued it, and sends the request again', async () => {
      storedSession(PARTNER_SCOPE, 'partner-token', 'partner-refresh-token');
      provider.on(PARTNER_DISCOVERY.token_endpoint, () => ({
        status: 200,
        json: {
          access_token: 'partner-token-2',
          token_type: 'Bearer',
          expires_in: 300,
          refresh_token: 'partner-refresh-token-2',
        },
      }));
      await app();
      const http = TestBed.inject(HttpClient);
      const backend = TestBed.inject(HttpTestingController);
      const url = `${PARTNER_API}/me`;
      const response = firstValueFrom(http.get(url));
      let request: ReturnType<HttpTestingController['match']>[number] | undefined;
      await until(() => !!(request = backend.match(url)[0]));
      expect(request!.request.headers.get('Authorization')).toBe('Bearer partner-token');
      request!.flush(
        {},
        {
          status: 401,
          statusText: 'Unauthorized',
          headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
        },
      );
      await until(() => !!(request = backend.match(url)[0]));
      expect(request!.request.headers.get('Authorization')).toBe('Bearer partner-token-2');
      request!.flush({ ok: true });
      expect(await response).toEqual({ ok: true });
      expect(
        provider
          .requestsTo(PARTNER_DISCOVERY.token_endpoint)
          .map((r) => new URLSearchParams(r.body).get('refresh_token')),
      ).toEqual(['partner-refresh-token']);
      expect(provider.requestsTo(DISCOVERY.token_endpoint!)).toEqual([]);
      backend.verify();
    });

    it("getAccessToken({ provider }) returns that provider's token, from any service; an unknown name is a TypeError", async () => {
      const { main, partner } = await app();
      expect(await main.getAccessToken()).toBe('main-token');
      expect(await main.getAccessToken({ provider: 'partner' })).toBe('partner-token');
      expect(await partner.getAccessToken()).toBe('partner-token');
      await expectAsync(main.getAccessToken({ provider: 'nobody' })).toBeRejectedWithError(
        TypeError,
      );
    });

    it("logging out of one provider leaves the other's session", async () => {
      const { main, partner, browser } = await app();
      expect(main.isAuthenticated()).toBeTrue();
      expect(partner.isAuthenticated()).toBeTrue();
      await partner.logout();
      expect(partner.isAuthenticated()).toBeFalse();
      expect(main.isAuthenticated()).toBeTrue();
      expect(await main.getAccessToken()).toBe('main-token');
      expect(new URL(browser.assigned[0]).origin).toBe(PARTNER);
      expect(sessionStorage.getItem(sessionKey(SCOPE))).not.toBeNull();
      expect(sessionStorage.getItem(sessionKey(PARTNER_SCOPE))).toBeNull();
    });

    it('authGuardFor(name) asks that provider: through when logged in to it, else its login', async () => {
      await app();
      const harness = await RouterTestingHarness.create();
      await harness.navigateByUrl('/partner');
      expect(harness.routeNativeElement?.textContent).toContain('partner page');

      sessionStorage.removeItem(sessionKey(PARTNER_SCOPE));
      const { main, browser } = await app();
      expect(main.isAuthenticated()).toBeTrue();
      const fresh = await RouterTestingHarness.create();
      await fresh.navigateByUrl('/partner');
      expect(browser.assigned.length).toBe(1);
      expect(browser.assigned[0].startsWith(`${PARTNER}/authorize?`)).toBeTrue();
    });
  });
});
