import {
  HttpClient,
  HttpErrorResponse,
  HttpHeaders,
  provideHttpClient,
  withInterceptors,
} from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component, inject, isSignal, type Signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter, Router } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import {
  AUTH_CONFIG,
  AuthError,
  authGuard,
  authInterceptor,
  AuthService,
  provideAuth,
  withSilentAuthentication,
  type AuthEvent,
} from 'ngx-oidc';
import { firstValueFrom, type Observable } from 'rxjs';
import {
  DEFAULT_TEST_USER,
  FakeAuthService,
  provideAuthTesting,
  type AuthServiceApi,
  type AuthTestingOptions,
} from 'ngx-oidc/testing';

// ---- The app under test: what an app would write, unaware of the fake. ------------------

@Component({
  selector: 'app-header',
  template: `
    @if (auth.isAuthenticated()) {
      <span class="name">{{ auth.user()?.name }}</span>
      <button class="logout" (click)="auth.logout()">Log out</button>
    } @else {
      <button class="login" (click)="auth.login()">Log in</button>
    }
    @if (auth.error(); as error) {
      <p class="error">{{ error.code }}</p>
    }
  `,
})
class HeaderComponent {
  readonly auth = inject(AuthService);
}

@Component({ template: 'secret page' })
class SecretPage {}

@Component({ template: 'login page' })
class LoginPage {}

const API = 'https://api.example.test';
/** What an app would give provideAuth(); provideAuthTesting() after it replaces it. */
const APP_CONFIG = { authority: 'https://login.app.test', clientId: 'app' };
const ORDERS = 'https://orders.example.test';

function setUp(options: AuthTestingOptions = {}): FakeAuthService {
  TestBed.configureTestingModule({
    providers: [
      provideAuthTesting({ allowedUrls: [API, { uri: ORDERS, audience: ORDERS }], ...options }),
      provideRouter([
        { path: 'secret', component: SecretPage, canActivate: [authGuard] },
        { path: 'login', component: LoginPage },
      ]),
      provideHttpClient(withInterceptors([authInterceptor])),
      provideHttpClientTesting(),
    ],
  });
  return TestBed.inject(FakeAuthService);
}

// Compile-time: the fake offers every public member of AuthService, with the same types.
type MissingFromFake = Exclude<keyof AuthService, keyof FakeAuthService>;
const noneMissing: [MissingFromFake] extends [never] ? true : false = true;

describe('provideAuthTesting', () => {
  describe('a component using AuthService', () => {
    it('shows the login button to an anonymous user, and the name once logged in', async () => {
      const auth = setUp();
      const fixture = TestBed.createComponent(HeaderComponent);
      await fixture.whenStable();
      const el: HTMLElement = fixture.nativeElement;
      expect(el.querySelector('.name')).toBeNull();

      (el.querySelector('button.login') as HTMLButtonElement).click();
      await fixture.whenStable();

      expect(auth.loginCalls).toEqual([{}]);
      expect(el.querySelector('.name')?.textContent).toBe('Test User');
      expect(el.querySelector('button.login')).toBeNull();
    });

    it('shows the configured user when starting authenticated, and logs out on click', async () => {
      const auth = setUp({ authenticated: true, user: { sub: 'alice', name: 'Alice' } });
      const fixture = TestBed.createComponent(HeaderComponent);
      await fixture.whenStable();
      const el: HTMLElement = fixture.nativeElement;
      expect(el.querySelector('.name')?.textContent).toBe('Alice');

      (el.querySelector('button.logout') as HTMLButtonElement).click();
      await fixture.whenStable();

      expect(auth.logoutCalls).toEqual([{}]);
      expect(el.querySelector('button.login')).not.toBeNull();
    });

    it('follows the controls: logIn(), logOut() and emitError()', async () => {
      const auth = setUp();
      const fixture = TestBed.createComponent(HeaderComponent);
      const el: HTMLElement = fixture.nativeElement;

      auth.logIn({ sub: 'bob', name: 'Bob' });
      await fixture.whenStable();
      expect(el.querySelector('.name')?.textContent).toBe('Bob');

      auth.logOut();
      auth.emitError(new AuthError('login_required', 'The session is over.'));
      await fixture.whenStable();
      expect(el.querySelector('button.login')).not.toBeNull();
      expect(el.querySelector('.error')?.textContent).toBe('login_required');
    });
  });

  describe('with the real authGuard', () => {
    it('lets an authenticated user through', async () => {
      const auth = setUp({ authenticated: true });
      const harness = await RouterTestingHarness.create();
      await harness.navigateByUrl('/secret');
      expect(harness.routeNativeElement?.textContent).toContain('secret page');
      expect(auth.loginCalls).toEqual([]);
    });

    it('starts the login for an anonymous user, carrying the requested URL, and stays put', async () => {
      const auth = setUp({ login: 'pending' });
      const harness = await RouterTestingHarness.create();
      await harness.navigateByUrl('/secret?tab=2');

      expect(TestBed.inject(Router).url).not.toContain('secret');
      expect(auth.loginCalls).toEqual([{ returnUrl: '/secret?tab=2' }]);
      expect(auth.isAuthenticated()).toBeFalse();
      expect(auth.loginState()).not.toBeNull();
    });

    it('lets the user through after the login completed', async () => {
      const auth = setUp();
      const harness = await RouterTestingHarness.create();
      await harness.navigateByUrl('/secret');
      expect(auth.isAuthenticated()).toBeTrue(); // login() simulated a completed login

      await harness.navigateByUrl('/secret');
      expect(harness.routeNativeElement?.textContent).toContain('secret page');
    });

    it('redirects to loginRoute when configured', async () => {
      const auth = setUp({ config: { loginRoute: '/login' } });
      const harness = await RouterTestingHarness.create();
      await harness.navigateByUrl('/secret');
      expect(TestBed.inject(Router).url).toBe('/login?returnUrl=%2Fsecret');
      expect(auth.loginCalls).toEqual([]);
    });

    it('fails the navigation with the error of the login it starts, and stays put', async () => {
      const auth = setUp({ login: new AuthError('discovery_failed', 'Provider down.') });
      await RouterTestingHarness.create();
      const rejection = await TestBed.inject(Router).navigateByUrl('/secret').then(() => undefined, (err: unknown) => err);
      expect((rejection as AuthError | undefined)?.code).toBe('discovery_failed');
      expect(TestBed.inject(Router).url).not.toContain('secret');
      expect(auth.error()?.code).toBe('discovery_failed');
    });

    it('sends the next navigation to the login after expireSession(), as after a real expiry', async () => {
      const auth = setUp({ authenticated: true, login: 'pending' });
      const harness = await RouterTestingHarness.create();
      await harness.navigateByUrl('/secret');
      expect(harness.routeNativeElement?.textContent).toContain('secret page');
      const seen: [AuthEvent['type'], string | undefined, boolean][] = [];
      auth.events$.subscribe((e) => seen.push([e.type, auth.error()?.code, auth.isAuthenticated()]));

      auth.expireSession();

      // The error is set and the user gone by the time the event is emitted.
      expect(seen).toEqual([['session_expired', 'session_expired', false]]);
      expect([auth.user(), auth.accessToken(), auth.idToken()]).toEqual([null, null, null]);
      await harness.navigateByUrl('/login');
      await harness.navigateByUrl('/secret');
      expect(auth.loginCalls).toEqual([{ returnUrl: '/secret' }]);
      expect(harness.routeNativeElement?.textContent ?? '').not.toContain('secret page');
    });

    it('waits for start-up before deciding', async () => {
      const auth = setUp({ loading: true });
      const harness = await RouterTestingHarness.create();
      const navigation = harness.navigateByUrl('/secret');
      await new Promise((resolve) => setTimeout(resolve));
      expect(auth.initializeCalls).toBe(1);
      expect(harness.routeNativeElement?.textContent ?? '').not.toContain('secret page');
      auth.logIn(); // start-up restored a session
      await navigation;
      expect(harness.routeNativeElement?.textContent).toContain('secret page');
    });
  });

  describe('with the real authInterceptor', () => {
    let http: HttpClient;
    let backend: HttpTestingController;

    function init(options: AuthTestingOptions = {}): FakeAuthService {
      const auth = setUp(options);
      http = TestBed.inject(HttpClient);
      backend = TestBed.inject(HttpTestingController);
      return auth;
    }

    afterEach(() => backend.verify());

    it("attaches the fake's access token to allow-listed URLs", async () => {
      init({ authenticated: true, accessToken: 'token-1' });
      const response = firstValueFrom(http.get(`${API}/orders`));
      await settle();
      const req = backend.expectOne(`${API}/orders`);
      expect(req.request.headers.get('Authorization')).toBe('Bearer token-1');
      req.flush({ ok: true });
      expect(await response).toEqual({ ok: true });
    });

    it('does not attach a token to other origins, look-alike hosts or the provider', async () => {
      init({ authenticated: true, allowedUrls: [API, 'https://auth.example.test/.well-known'] });
      const urls = [
        'https://other.example.test/x',
        `${API}.evil.test/x`,
        'https://auth.example.test/.well-known/openid-configuration',
      ];
      urls.forEach((url) => http.get(url).subscribe());
      await settle();
      for (const url of urls) {
        expect(backend.expectOne(url).request.headers.has('Authorization'))
          .withContext(url)
          .toBeFalse();
      }
    });

    it('uses the token set for an entry audience', async () => {
      const auth = init({ authenticated: true });
      auth.setAccessToken('orders-token', { audience: ORDERS });
      http.get(`${ORDERS}/1`).subscribe();
      await settle();
      expect(backend.expectOne(`${ORDERS}/1`).request.headers.get('Authorization')).toBe(
        'Bearer orders-token',
      );
      expect(auth.getAccessTokenCalls).toEqual([{ audience: ORDERS, scope: undefined }]);
    });

    it('fails an allow-listed request with not_authenticated when nobody is logged in', async () => {
      init();
      const error = await firstValueFrom(http.get(`${API}/orders`)).catch((e: unknown) => e);
      expect(error instanceof AuthError && error.code).toBe('not_authenticated');
      backend.expectNone(`${API}/orders`);
    });

    it('fails with the error given to setAccessTokenError()', async () => {
      const auth = init({ authenticated: true });
      auth.setAccessTokenError(new AuthError('consent_required', 'Consent needed.'));
      const error = await firstValueFrom(http.get(`${API}/orders`)).catch((e: unknown) => e);
      expect(error instanceof AuthError && error.code).toBe('consent_required');
    });

    it('retries once with a renewed token after 401 invalid_token', async () => {
      spyOn(console, 'warn'); // the interceptor's development diagnostics for a refused token
      const auth = init({ authenticated: true, accessToken: 'old' });
      const response = firstValueFrom(http.get(`${API}/me`));
      await settle();
      auth.setAccessToken('new'); // what the renewal will hand out
      backend.expectOne(`${API}/me`).flush(null, invalidToken());
      await settle();
      const retry = backend.expectOne(`${API}/me`);
      expect(retry.request.headers.get('Authorization')).toBe('Bearer new');
      retry.flush({ me: 'alice' });
      expect(await response).toEqual({ me: 'alice' });
      expect(auth.renewAfterRejectionCalls).toEqual([
        { rejectedToken: 'old', request: { audience: undefined, scope: undefined } },
      ]);
    });

    it("holds the retry's renewal while setAccessTokenPending(true), then retries with what is current", async () => {
      spyOn(console, 'warn'); // the interceptor's development diagnostics for a refused token
      const auth = init({ authenticated: true, accessToken: 'old' });
      const response = firstValueFrom(http.get(`${API}/me`));
      await settle();
      auth.setAccessTokenPending(true);
      backend.expectOne(`${API}/me`).flush(null, invalidToken());
      await settle();
      expect(auth.renewAfterRejectionCalls).toEqual([
        { rejectedToken: 'old', request: { audience: undefined, scope: undefined } },
      ]);
      backend.expectNone(`${API}/me`); // the retry waits for the renewal

      auth.setAccessToken('new');
      auth.setAccessTokenPending(false);
      await settle();
      const retry = backend.expectOne(`${API}/me`);
      expect(retry.request.headers.get('Authorization')).toBe('Bearer new');
      retry.flush({ me: 'alice' });
      expect(await response).toEqual({ me: 'alice' });
    });

    it('fails the retry with the error given to setAccessTokenError()', async () => {
      spyOn(console, 'warn'); // the interceptor's development diagnostics for a refused token
      const auth = init({ authenticated: true, accessToken: 'old' });
      const response = firstValueFrom(http.get(`${API}/me`)).catch((e: unknown) => e);
      await settle();
      auth.setAccessTokenError(new AuthError('login_required', 'Over.'));
      backend.expectOne(`${API}/me`).flush(null, invalidToken());
      const error = await response;
      expect(error instanceof AuthError && error.code).toBe('login_required');
      expect(auth.renewAfterRejectionCalls.length).toBe(1);
    });

    it('hands the 401 to the app when no other token is available', async () => {
      spyOn(console, 'warn'); // the interceptor's development diagnostics for a refused token
      init({ authenticated: true });
      const response = firstValueFrom(http.get(`${API}/me`)).catch((e: unknown) => e);
      await settle();
      backend.expectOne(`${API}/me`).flush(null, invalidToken());
      const error = await response;
      expect(error instanceof HttpErrorResponse && error.status).toBe(401);
    });
  });

  describe('parity with AuthService', () => {
    it('is what AuthService resolves to, and AUTH_CONFIG is a harmless configuration', () => {
      const auth = setUp({ config: { audience: 'https://api.example.test' } });
      const api: AuthServiceApi = auth;
      expect(noneMissing).toBeTrue();
      expect(TestBed.inject(AuthService) as unknown).toBe(api);
      expect(TestBed.inject(AUTH_CONFIG).clientId).toBe('ngx-oidc-testing');
      expect(auth.configuration.audience).toBe('https://api.example.test');
      expect(auth.configuration.scope).toBe('openid profile email'); // the library's defaults
      expect(auth.configuration.allowedUrls.map((m) => m.origin)).toEqual([API, ORDERS]);
    });

    it('rejects an invalid allowlist as provideAuth() would', () => {
      expect(() => setUp({ allowedUrls: ['https://*.example.test'] })).toThrowMatching(
        (e: unknown) => e instanceof AuthError && e.code === 'invalid_configuration',
      );
    });

    it('accepts options that need a feature once given it, as provideAuth() would', () => {
      const config = { silentRedirectUri: `${location.origin}/silent-callback.html` };
      expect(() => setUp({ config })).toThrowMatching(
        (e: unknown) =>
          e instanceof AuthError && e.details.expected === 'withSilentAuthentication()',
      );
      TestBed.resetTestingModule();
      const auth = setUp({ config, features: [withSilentAuthentication()] });
      expect(auth.configuration.silentRedirectUri).toBe(`${location.origin}/silent-callback.html`);
    });

    it("inherits the features of the app's provideAuth() given before it", () => {
      const config = { silentRedirectUri: `${location.origin}/silent-callback.html` };
      TestBed.configureTestingModule({
        providers: [
          provideAuth({ ...APP_CONFIG, ...config }, withSilentAuthentication()),
          provideAuthTesting({ config }),
        ],
      });
      const auth = TestBed.inject(FakeAuthService);
      expect(auth.configuration.silentRedirectUri).toBe(`${location.origin}/silent-callback.html`);
      expect(TestBed.inject(AUTH_CONFIG).clientId).toBe('ngx-oidc-testing'); // the harmless one wins
    });

    it('keeps every signal equal to its observable through every change', () => {
      const auth = setUp();
      const pairs: [Signal<unknown>, Observable<unknown>][] = [
        [auth.isLoading, auth.isLoading$],
        [auth.isAuthenticated, auth.isAuthenticated$],
        [auth.user, auth.user$],
        [auth.idToken, auth.idToken$],
        [auth.accessToken, auth.accessToken$],
        [auth.expiresAt, auth.expiresAt$],
        [auth.error, auth.error$],
        [auth.nonce, auth.nonce$],
        [auth.loginState, auth.loginState$],
        [auth.loginOutcome, auth.loginOutcome$],
      ];
      const latest = pairs.map(() => undefined as unknown);
      pairs.forEach(([, obs], i) => obs.subscribe((v) => (latest[i] = v)));
      const check = (step: string) =>
        pairs.forEach(([sig], i) => {
          expect(isSignal(sig)).toBeTrue();
          expect(latest[i]).withContext(`${step} #${i}`).toEqual(sig());
        });

      check('start');
      auth.loginBehavior = 'pending';
      void auth.login({ nonce: 'n-1' });
      expect(auth.nonce()).toBe('n-1');
      check('pending');
      auth.logIn(undefined, { accessToken: 'a', idToken: 'i', expiresAt: 42 });
      expect([
        auth.user(),
        auth.accessToken(),
        auth.idToken(),
        auth.expiresAt(),
        auth.nonce(),
      ]).toEqual([DEFAULT_TEST_USER, 'a', 'i', 42, null]);
      check('logged in');
      auth.setAccessToken('b', {}, { expiresAt: 43 });
      expect([auth.accessToken(), auth.expiresAt()]).toEqual(['b', 43]);
      check('renewed');
      auth.emitError(new AuthError('timeout', 'Slow.'));
      check('error');
      auth.clearError();
      expect(auth.error()).toBeNull();
      auth.setLoading(true);
      check('loading');
      auth.logOut();
      check('logged out');
    });

    it('starts from the options', async () => {
      const error = new AuthError('state_mismatch', 'No pending login.');
      const auth = setUp({
        authenticated: true,
        user: { sub: 'c' },
        accessToken: 'at',
        idToken: 'it',
        expiresAt: 7,
        error,
      });
      expect([
        auth.isLoading(),
        auth.isAuthenticated(),
        auth.user(),
        auth.accessToken(),
        auth.idToken(),
        auth.expiresAt(),
        auth.error(),
      ]).toEqual([false, true, { sub: 'c' }, 'at', 'it', 7, error]);
      expect(await auth.getAccessToken()).toBe('at');
      await expectAsync(auth.initialize()).toBeResolved();
    });
  });

  describe('events and errors', () => {
    function record(auth: FakeAuthService): AuthEvent['type'][] {
      const types: AuthEvent['type'][] = [];
      auth.events$.subscribe((e) => types.push(e.type));
      return types;
    }

    it('emits what the real service would for login, renewal, logout and expiry', async () => {
      const auth = setUp();
      const types = record(auth);
      await auth.login({ returnUrl: '/x' });
      auth.setAccessToken('t2', {}, { event: true });
      await auth.logout({ localOnly: true });
      auth.logIn();
      auth.expireSession(new AuthError('login_required', 'Over.'));
      auth.emitEvent({ type: 'session_synced' });
      expect(types).toEqual([
        'login_started',
        'login_completed',
        'token_renewed',
        'logged_out',
        'login_completed',
        'session_expired',
        'session_synced',
      ]);
      expect(auth.loginCalls).toEqual([{ returnUrl: '/x' }]);
      expect(auth.logoutCalls).toEqual([{ localOnly: true }]);
      expect(auth.error()?.code).toBe('login_required');
    });

    it('logs in through loginWithPopup() as the real one does: recorded, at once by default, with appState and no loginOutcome', async () => {
      const auth = setUp();
      const events: AuthEvent[] = [];
      auth.events$.subscribe((e) => events.push(e));
      await auth.loginWithPopup({ appState: 'cart', timeoutSeconds: 30 });
      expect(auth.isAuthenticated()).toBeTrue();
      expect(auth.loginWithPopupCalls).toEqual([{ appState: 'cart', timeoutSeconds: 30 }]);
      expect(auth.loginCalls).toEqual([]);
      expect(events).toEqual([{ type: 'login_started' }, { type: 'login_completed', appState: 'cart' }]);
      expect(auth.loginOutcome()).toBeNull();
    });

    it('leaves loginWithPopup() pending until logIn() or failLogin(), and fails it with an AuthError behaviour', async () => {
      const auth = setUp({ login: 'pending' });
      let done = false;
      const first = auth.loginWithPopup().then(() => (done = true));
      await Promise.resolve();
      expect(done).toBeFalse();
      expect(auth.loginState()).not.toBeNull();
      auth.logIn({ sub: 'alice' });
      await first;
      expect(auth.user()).toEqual({ sub: 'alice' });

      const closed = new AuthError('popup_closed', 'Closed.');
      const second = auth.loginWithPopup().catch((e: unknown) => e);
      auth.failLogin(closed);
      expect(await second).toBe(closed);

      auth.loginBehavior = new AuthError('popup_blocked', 'Blocked.');
      const types = record(auth);
      const error = await auth.loginWithPopup().catch((e: unknown) => e);
      expect((error as AuthError).code).toBe('popup_blocked');
      expect(auth.error()).toBe(error as AuthError);
      expect(types).toEqual(['login_failed']);
      expect(auth.user()).toEqual({ sub: 'alice' }); // the session stays
    });

    it("hands login()'s appState back on login_completed, as the real callback does", async () => {
      const auth = setUp();
      const events: AuthEvent[] = [];
      auth.events$.subscribe((e) => events.push(e));

      await auth.login({ appState: { step: 3 } });
      await auth.login();

      expect(events.filter((e) => e.type === 'login_completed')).toEqual([
        { type: 'login_completed', appState: { step: 3 } },
        { type: 'login_completed' },
      ]);
    });

    it('keeps the outcome of the last callback on loginOutcome: logIn() and failLogin()', async () => {
      const auth = setUp({ authenticated: true });
      const types = record(auth);
      expect(auth.loginOutcome()).toBeNull();

      const error = new AuthError('authorization_error', 'Cancelled.', { error: 'access_denied' });
      auth.failLogin(error);
      expect(auth.loginOutcome()).toEqual({ type: 'login_failed', error });
      expect(auth.error()).toBe(error);
      expect(auth.isAuthenticated()).withContext('a failed callback keeps the session').toBeTrue();

      auth.logIn(undefined, {}, { step: 3 });
      expect(auth.loginOutcome()).toEqual({ type: 'login_completed', appState: { step: 3 } });
      expect(types).toEqual(['login_failed', 'login_completed']);
    });

    it('fails login() with the configured error, sets error, and recovers', async () => {
      const auth = setUp();
      auth.loginBehavior = new AuthError('network_error', 'Offline.');
      await expectAsync(auth.login()).toBeRejectedWith(auth.loginBehavior);
      expect(auth.error()?.code).toBe('network_error');
      expect(auth.isAuthenticated()).toBeFalse();

      auth.loginBehavior = 'complete';
      await auth.login();
      expect(auth.isAuthenticated()).toBeTrue();
      expect(auth.error()).toBeNull();
    });

    it("keeps a pending login's nonce and state as given to login(), like the real service", async () => {
      const auth = setUp({ login: 'pending' });
      await auth.login({ nonce: 'my-nonce', state: 'my-state' });
      expect([auth.nonce(), auth.loginState()]).toEqual(['my-nonce', 'my-state']);
      await auth.login();
      expect([auth.nonce(), auth.loginState()]).toEqual(['fake-nonce-2', 'fake-state-2']);
      auth.logIn();
      expect([auth.nonce(), auth.loginState()]).toEqual([null, null]);
    });

    it('holds token calls while setAccessTokenPending(true), then answers with what is current', async () => {
      const auth = setUp({ authenticated: true, accessToken: 'old' });
      auth.setAccessTokenPending(true);
      let token: string | null | undefined;
      void auth.getAccessToken({ forceRefresh: true }).then((t) => (token = t));
      await settle();
      expect(token).toBeUndefined();
      expect(auth.getAccessTokenCalls).toEqual([{ forceRefresh: true }]);

      auth.setAccessToken('new');
      auth.setAccessTokenPending(false);
      await settle();
      expect(token).toBe('new');
      expect(await auth.getAccessToken()).toBe('new'); // answers at once again

      auth.setAccessTokenPending(true);
      const failed = auth.getAccessToken();
      auth.setAccessTokenError(new AuthError('login_required', 'Over.'));
      auth.setAccessTokenPending(false);
      await expectAsync(failed).toBeRejectedWith(
        jasmine.objectContaining({ code: 'login_required' }),
      );
    });

    it('refuses setAccessToken() while nobody is logged in', () => {
      const auth = setUp();
      expect(() => auth.setAccessToken('t')).toThrowError(TypeError);
    });

    it('touches neither storage nor the network', async () => {
      const setItem = spyOn(Storage.prototype, 'setItem').and.callThrough();
      const fetch = spyOn(window, 'fetch').and.callThrough();
      const auth = setUp();
      await auth.initialize();
      await auth.login();
      await auth.getAccessToken();
      await auth.logout();
      expect(setItem).not.toHaveBeenCalled();
      expect(fetch).not.toHaveBeenCalled();
    });
  });
});

/** Lets the interceptor's token promise settle so the request reaches the backend. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

function invalidToken() {
  return {
    status: 401,
    statusText: 'Unauthorized',
    headers: new HttpHeaders({ 'WWW-Authenticate': 'Bearer error="invalid_token"' }),
  };
}
