import { ApplicationInitStatus } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { FakeBrowser, TEST_CONFIG } from '../../test-support/fake-browser';
import { APP_ORIGIN, DISCOVERY, FakeProvider, ISSUER } from '../../test-support/fake-provider';
import { windowPlatform } from '../core/browser/window-platform';
import { AuthError } from '../core/errors';
import { AUTH_BROWSER } from './auth-browser';
import { AUTH_CONFIG } from './auth-config';
import { AuthService } from './auth.service';
import { AUTH_FEATURES, withImplicitFlow, withPushedAuthorizationRequests, withSilentAuthentication } from './features';
import { provideAuth } from './provide-auth';

describe('provideAuth', () => {
  afterEach(() => sessionStorage.clear());

  function configError(config: object): AuthError {
    try {
      provideAuth(config as never);
    } catch (err) {
      return err as AuthError;
    }
    throw new Error('provideAuth accepted an invalid configuration');
  }

  it('rejects a missing clientId, naming the option', () => {
    const error = configError({ authority: 'https://idp.example.com' });
    expect(error).toEqual(jasmine.any(AuthError));
    expect(error.code).toBe('invalid_configuration');
    expect(error.details.option).toBe('clientId');
  });

  it('rejects an http authority that is not loopback', () => {
    const error = configError({ ...TEST_CONFIG, authority: 'http://idp.example.com' });
    expect(error.details.option).toBe('authority');
    expect(error.message).toContain('https');
  });

  it('rejects a malformed allowlist entry, naming its index', () => {
    const error = configError({ ...TEST_CONFIG, allowedUrls: ['https://api.example.com', 'https://*.example.com'] });
    expect(error.details.option).toBe('allowedUrls[1]');
  });

  it('accepts http on localhost for local development', () => {
    expect(() => provideAuth({ authority: 'http://localhost:9000', clientId: 'demo' })).not.toThrow();
  });

  it('refuses an implicit responseType without withImplicitFlow(), and takes it with', () => {
    const config = { ...TEST_CONFIG, responseType: 'id_token token' } as const;
    const error = configError(config);
    expect(error.code).toBe('invalid_configuration');
    expect(error.details.option).toBe('responseType');
    expect(() => provideAuth(config, withImplicitFlow())).not.toThrow();
  });

  it('refuses silentRedirectUri without withSilentAuthentication(), and takes it with', () => {
    const config = { ...TEST_CONFIG, silentRedirectUri: `${APP_ORIGIN}/silent-callback.html` };
    expect(configError(config).details.option).toBe('silentRedirectUri');
    expect(() => provideAuth(config, withSilentAuthentication())).not.toThrow();
  });

  it("gives the browser platform a frame only with withSilentAuthentication()", () => {
    TestBed.configureTestingModule({ providers: [provideAuth(TEST_CONFIG)] });
    expect(TestBed.inject(AUTH_BROWSER).runFrame).toBeUndefined();
    TestBed.resetTestingModule();
    TestBed.configureTestingModule({ providers: [provideAuth({ ...TEST_CONFIG, silentRedirectUri: `${location.origin}/silent.html` }, withSilentAuthentication())] });
    expect(TestBed.inject(AUTH_BROWSER).runFrame).toEqual(jasmine.any(Function));
    expect(windowPlatform(window).runFrame).toBeUndefined();
  });

  it('resolves the configuration once per start, and the client gets it on the app origin', async () => {
    // resolveConfig() reads clockSkewSeconds once; nothing after it reads the app's options
    // but the origin-dependent ones.
    let reads = 0;
    const config = {
      ...TEST_CONFIG,
      get clockSkewSeconds() {
        reads++;
        return 30;
      },
    };
    TestBed.configureTestingModule({
      providers: [provideAuth(config), { provide: AUTH_BROWSER, useValue: new FakeBrowser(`${APP_ORIGIN}/`, new FakeProvider()) }],
    });
    await TestBed.inject(ApplicationInitStatus).donePromise;
    const { configuration } = TestBed.inject(AuthService);
    expect(reads).toBe(1);
    expect(configuration.clockSkewSeconds).toBe(30);
    expect(configuration.appOrigin).toBe(APP_ORIGIN);
    expect(configuration.redirectUri).toBe(`${APP_ORIGIN}/callback`);
    expect(configuration.allowedUrls[1].origin).toBe(APP_ORIGIN); // '/public-api'
  });

  it('checks an AUTH_CONFIG provided without provideAuth() when the client is made, features included', () => {
    TestBed.configureTestingModule({
      providers: [
        provideAuth(TEST_CONFIG, withImplicitFlow()),
        { provide: AUTH_CONFIG, useValue: { ...TEST_CONFIG, silentRedirectUri: `${APP_ORIGIN}/silent.html` } },
        { provide: AUTH_BROWSER, useValue: new FakeBrowser(`${APP_ORIGIN}/`, new FakeProvider()) },
      ],
    });
    let error: unknown;
    try {
      TestBed.inject(AuthService);
    } catch (err) {
      error = err;
    }
    expect(error).toEqual(jasmine.any(AuthError));
    expect((error as AuthError).details).toEqual(jasmine.objectContaining({ option: 'silentRedirectUri', expected: 'withSilentAuthentication()' }));
  });

  describe('withPushedAuthorizationRequests()', () => {
    const PAR_ENDPOINT = `${ISSUER}/oauth/par`;
    const REQUEST_URI = 'urn:ietf:params:oauth:request_uri:abc';

    /** Starts the app with `features` against a provider serving `discovery` and a PAR endpoint. */
    async function app(discovery: object, ...features: ReturnType<typeof withPushedAuthorizationRequests>[]) {
      const provider = new FakeProvider();
      provider.discovery = { ...DISCOVERY, ...discovery };
      provider.on(PAR_ENDPOINT, () => ({ status: 201, json: { request_uri: REQUEST_URI, expires_in: 60 } }));
      const browser = new FakeBrowser(`${APP_ORIGIN}/`, provider);
      TestBed.configureTestingModule({ providers: [provideAuth(TEST_CONFIG, ...features), { provide: AUTH_BROWSER, useValue: browser }] });
      const auth = TestBed.inject(AuthService);
      await auth.initialize();
      return { auth, browser, provider };
    }

    it('gives the protocol a PAR step only when added', () => {
      TestBed.configureTestingModule({ providers: [provideAuth(TEST_CONFIG)] });
      expect(TestBed.inject(AUTH_FEATURES).protocol.par).toBeUndefined();
      TestBed.resetTestingModule();
      TestBed.configureTestingModule({ providers: [provideAuth(TEST_CONFIG, withPushedAuthorizationRequests())] });
      expect(TestBed.inject(AUTH_FEATURES).protocol.par).toEqual(jasmine.any(Function));
      expect(withPushedAuthorizationRequests({ mode: 'required' }).kind).toBe('pushed_authorization_requests');
    });

    it('logs in through the PAR endpoint: the browser goes to the authorization endpoint with client_id and request_uri only', async () => {
      const { auth, browser, provider } = await app({ pushed_authorization_request_endpoint: PAR_ENDPOINT }, withPushedAuthorizationRequests());

      await auth.login({ acrValues: 'gold' });

      const url = new URL(browser.assigned[0]);
      expect(url.origin + url.pathname).toBe(DISCOVERY.authorization_endpoint);
      expect([...url.searchParams]).toEqual([
        ['client_id', TEST_CONFIG.clientId],
        ['request_uri', REQUEST_URI],
      ]);
      const form = new URLSearchParams(provider.requestsTo(PAR_ENDPOINT)[0].body);
      expect(form.get('state')).toBe(auth.loginState());
      expect(form.get('acr_values')).toBe('gold');
    });

    it("fails the login with par_unavailable in mode 'required' when the provider has no PAR endpoint, without a redirect", async () => {
      const { auth, browser } = await app({}, withPushedAuthorizationRequests({ mode: 'required' }));

      const error = await auth.login().catch((e: unknown) => e);

      expect((error as AuthError).code).toBe('par_unavailable');
      expect(browser.assigned).toEqual([]);
    });

    it('fails the login with invalid_configuration naming the feature when the provider requires PAR and the app did not add it', async () => {
      const { auth, browser } = await app({ pushed_authorization_request_endpoint: PAR_ENDPOINT, require_pushed_authorization_requests: true });

      const error = await auth.login().catch((e: unknown) => e);

      expect((error as AuthError).code).toBe('invalid_configuration');
      expect((error as AuthError).details.expected).toBe('withPushedAuthorizationRequests()');
      expect(browser.assigned).toEqual([]);
    });
  });

  it('completes the callback in an app initializer, before the app starts', async () => {
    const browser = new FakeBrowser(`${APP_ORIGIN}/`, new FakeProvider());
    TestBed.configureTestingModule({ providers: [provideAuth(TEST_CONFIG), { provide: AUTH_BROWSER, useValue: browser }] });
    await TestBed.inject(ApplicationInitStatus).donePromise;
    expect(TestBed.inject(AuthService).isLoading()).toBeFalse();
  });
});
