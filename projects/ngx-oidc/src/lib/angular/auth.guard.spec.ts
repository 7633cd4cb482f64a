import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { NavigationError, provideRouter, Router } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { FakeBrowser, setUpAuth, type AuthTestBed } from '../../test-support/fake-browser';
import { ManualClock, ManualTimers } from '../../test-support/fake-platform';
import { APP_ORIGIN, CLIENT_ID, FakeProvider, ISSUER, SCOPE } from '../../test-support/fake-provider';
import { AuthError } from '../core/errors';
import { sessionKey, saveSession } from '../core/session-store';
import { AUTH_BROWSER } from './auth-browser';
import { authGuard } from './auth.guard';
import { AuthService } from './auth.service';

@Component({ template: 'secret page' })
class SecretPage {}

@Component({ template: 'login page' })
class LoginPage {}

/** A browser whose timers (the session's expiry) run when the test fires them. */
class TimedBrowser extends FakeBrowser {
  readonly manual = new ManualTimers(new ManualClock(Date.now()));
  override readonly setTimer = this.manual.setTimer;
}

describe('authGuard', () => {
  afterEach(() => sessionStorage.clear());

  async function setUp(authenticated: boolean, config: object = {}, browser?: FakeBrowser): Promise<AuthTestBed> {
    sessionStorage.clear();
    if (authenticated) {
      const now = Math.floor(Date.now() / 1000);
      saveSession(sessionStorage, SCOPE, {
        tokens: { idToken: 'id', accessToken: 'at', tokenType: 'Bearer', obtainedAt: Date.now(), scope: 'openid', requestedScope: 'openid', claims: { iss: ISSUER, sub: 'alice', aud: CLIENT_ID, iat: now, exp: now + 300 } },
        user: { sub: 'alice' },
      });
    }
    return setUpAuth({
      provider: new FakeProvider(),
      config: { storage: 'session', ...config },
      providers: [
        provideRouter([
          { path: 'secret', component: SecretPage, canActivate: [authGuard] },
          { path: 'matched', component: SecretPage, canMatch: [authGuard] },
          { path: 'other', component: SecretPage, canActivate: [authGuard] },
          { path: 'login', component: LoginPage },
        ]),
        ...(browser ? [{ provide: AUTH_BROWSER, useValue: browser }] : []),
      ],
    });
  }

  it('lets an authenticated user through', async () => {
    await setUp(true);
    const harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/secret');
    expect(harness.routeNativeElement?.textContent).toContain('secret page');
  });

  it('starts the login for an anonymous user, carrying the requested URL', async () => {
    const { browser } = await setUp(false);
    const harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/secret?tab=2');
    expect(TestBed.inject(Router).url).not.toContain('secret');
    expect(browser.assigned.length).toBe(1);
    expect(new URL(browser.assigned[0]).origin).toBe(ISSUER);
    const tx = Object.keys(sessionStorage).filter((k) => k.startsWith('ngx-oidc.tx.')).map((k) => JSON.parse(sessionStorage.getItem(k)!));
    expect(tx.map((t) => t.returnUrl)).toEqual(['/secret?tab=2']);
  });

  it('works as canMatch and carries the full requested URL', async () => {
    const { browser } = await setUp(false);
    const harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/matched?x=1').catch(() => undefined);
    expect(browser.assigned.length).toBe(1);
    const tx = Object.keys(sessionStorage).filter((k) => k.startsWith('ngx-oidc.tx.')).map((k) => JSON.parse(sessionStorage.getItem(k)!));
    expect(tx.map((t) => t.returnUrl)).toEqual(['/matched?x=1']);
  });

  it('fails the navigation with the error of the login it starts, and sets error', async () => {
    const provider = new FakeProvider();
    provider.on(`${ISSUER}/.well-known/openid-configuration`, () => 'network-error');
    const { auth } = await setUp(false, {}, new FakeBrowser(`${APP_ORIGIN}/`, provider));
    const router = TestBed.inject(Router);
    const navigationErrors: unknown[] = [];
    router.events.subscribe((e) => {
      if (e instanceof NavigationError) navigationErrors.push(e.error);
    });

    const rejection = await router.navigateByUrl('/secret').then(
      () => undefined,
      (err: unknown) => err,
    );

    expect(rejection).toBeInstanceOf(AuthError);
    expect((rejection as AuthError).code).toBe('network_error');
    expect(navigationErrors).toEqual([rejection]);
    expect(auth.error()).toBe(rejection as AuthError);
    expect(router.url).not.toContain('secret');
  });

  it('fails before the redirect with storage_error when sessionStorage cannot keep the login', async () => {
    // Disabled or full: the transaction would live in memory only and be gone when the provider
    // answers, which would then be a misleading state_mismatch.
    spyOn(Storage.prototype, 'setItem').and.throwError(new DOMException('full', 'QuotaExceededError'));
    const { auth, browser } = await setUp(false, { storage: 'memory' });
    const router = TestBed.inject(Router);

    const rejection = await router.navigateByUrl('/secret').then(
      () => undefined,
      (err: unknown) => err,
    );

    expect((rejection as AuthError).code).toBe('storage_error');
    expect(auth.error()?.code).toBe('storage_error');
    expect(browser.assigned).toEqual([]);
    await expectAsync(auth.login()).toBeRejectedWith(jasmine.objectContaining({ code: 'storage_error' }));
    expect(browser.assigned).toEqual([]);
  });

  it('redirects to the app\'s own login route when loginRoute is configured', async () => {
    const { browser } = await setUp(false, { loginRoute: '/login' });
    const harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/secret');
    expect(TestBed.inject(Router).url).toBe('/login?returnUrl=%2Fsecret');
    expect(browser.assigned).toEqual([]);
  });

  describe('after the session expired with nothing to renew it (no refresh token, no silent authentication)', () => {
    /** Shows the guarded page, then lets the access token expire. */
    async function expireOnPage(config: object = {}): Promise<{ browser: TimedBrowser; harness: RouterTestingHarness; events: string[] }> {
      const browser = new TimedBrowser(`${APP_ORIGIN}/`, new FakeProvider());
      await setUp(true, config, browser);
      const harness = await RouterTestingHarness.create();
      await harness.navigateByUrl('/secret');
      expect(harness.routeNativeElement?.textContent).toContain('secret page');
      const auth = TestBed.inject(AuthService);
      const events: string[] = [];
      auth.events$.subscribe((e) => events.push(e.type));

      browser.manual.fireNext(); // the access token's expiry

      expect(events).toEqual(['session_expired']);
      expect([auth.isAuthenticated(), auth.user(), auth.accessToken(), auth.idToken()]).toEqual([false, null, null, null]);
      expect(auth.error()?.code).toBe('session_expired');
      expect(sessionStorage.getItem(sessionKey(SCOPE))).toBeNull();
      return { browser, harness, events };
    }

    it('starts a login on the next navigation to a guarded route instead of rendering it', async () => {
      const { browser, harness } = await expireOnPage();

      await harness.navigateByUrl('/other');

      expect(TestBed.inject(Router).url).toBe('/secret');
      expect(browser.assigned.length).toBe(1);
      expect(new URL(browser.assigned[0]).origin).toBe(ISSUER);
      const tx = Object.keys(sessionStorage).filter((k) => k.startsWith('ngx-oidc.tx.')).map((k) => JSON.parse(sessionStorage.getItem(k)!));
      expect(tx.map((t) => t.returnUrl)).toEqual(['/other']);
    });

    it('redirects the next navigation to loginRoute when configured', async () => {
      const { browser, harness } = await expireOnPage({ loginRoute: '/login' });

      await harness.navigateByUrl('/other');

      expect(TestBed.inject(Router).url).toBe('/login?returnUrl=%2Fother');
      expect(harness.routeNativeElement?.textContent).toContain('login page');
      expect(browser.assigned).toEqual([]);
    });
  });
});
