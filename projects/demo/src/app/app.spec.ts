import { provideHttpClient } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter, Router } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { AUTH_CONFIG, AuthError, withImplicitFlow, withSilentAuthentication } from 'ngx-oidc';
import { FakeAuthService, provideAuthTesting } from 'ngx-oidc/testing';

import { App } from './app';
import { createAuthConfig } from './app.config';
import { routes } from './app.routes';
import { DEFAULT_DEMO_ENV, DEMO_ENV } from './demo-env';

const ALICE = { sub: 'alice', name: 'Alice Liddell' };

/** The demo's routes and settings, with ngx-oidc/testing's fake for AuthService. */
function providers() {
  return [
    provideRouter(routes),
    provideHttpClient(),
    provideHttpClientTesting(),
    provideAuthTesting({
      // A real login leaves the app for the provider: here it stays in progress.
      login: 'pending',
      // The features app.config.ts gives provideAuth(), which the demo's configuration needs.
      features: [withImplicitFlow(), withSilentAuthentication()],
    }),
    { provide: DEMO_ENV, useValue: DEFAULT_DEMO_ENV },
    // After provideAuthTesting(), so the fake resolves (and checks) the demo's own
    // configuration, for the origin the tests run on (the silent redirect URI must be on it).
    { provide: AUTH_CONFIG, useValue: createAuthConfig(DEFAULT_DEMO_ENV, location.origin) },
  ];
}

describe('App', () => {
  let auth: FakeAuthService;

  beforeEach(() => {
    TestBed.configureTestingModule({
      imports: [App],
      providers: providers(),
    });
    auth = TestBed.inject(FakeAuthService);
  });

  async function render(): Promise<HTMLElement> {
    const fixture = TestBed.createComponent(App);
    await fixture.whenStable();
    return fixture.nativeElement as HTMLElement;
  }

  function byTestId(root: HTMLElement, id: string): HTMLElement | null {
    return root.querySelector(`[data-testid="${id}"]`);
  }

  it('shows "anonymous" and only the login button when nobody is logged in', async () => {
    const root = await render();
    expect(byTestId(root, 'auth-status')?.textContent).toBe('anonymous');
    expect(byTestId(root, 'login-button')).not.toBeNull();
    expect(byTestId(root, 'logout-button')).toBeNull();
    expect(byTestId(root, 'user-name')).toBeNull();
    expect(byTestId(root, 'auth-error')).toBeNull();
  });

  it('starts a login from the login button', async () => {
    const root = await render();
    byTestId(root, 'login-button')!.click();
    expect(auth.loginCalls).toEqual([{}]);
  });

  it('shows "authenticated", the user name and the logout button when logged in', async () => {
    auth.logIn(ALICE);
    const root = await render();
    expect(byTestId(root, 'auth-status')?.textContent).toBe('authenticated');
    expect(byTestId(root, 'user-name')?.textContent).toBe('Alice Liddell');
    expect(byTestId(root, 'logout-button')).not.toBeNull();
    expect(byTestId(root, 'login-button')).toBeNull();
  });

  it('logs out from the logout button and shows "anonymous" again', async () => {
    auth.logIn(ALICE);
    const fixture = TestBed.createComponent(App);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    byTestId(root, 'logout-button')!.click();
    await fixture.whenStable();
    expect(auth.logoutCalls).toEqual([{}]);
    expect(byTestId(root, 'auth-status')?.textContent).toBe('anonymous');
    expect(byTestId(root, 'user-name')).toBeNull();
  });

  it('shows the error code and, separately, its message', async () => {
    auth.emitError(new AuthError('state_mismatch', 'The callback state matches no login.'));
    const root = await render();
    expect(byTestId(root, 'auth-error')?.textContent).toBe('state_mismatch');
    expect(byTestId(root, 'auth-error-message')?.textContent).toBe(
      'The callback state matches no login.',
    );
  });
});

describe('routes', () => {
  let auth: FakeAuthService;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: providers() });
    auth = TestBed.inject(FakeAuthService);
  });

  for (const url of ['/callback', '/callback?code=x&state=y', '/no-such-page']) {
    it(`redirects ${url} to /`, async () => {
      const harness = await RouterTestingHarness.create();
      await harness.navigateByUrl(url);
      expect(TestBed.inject(Router).url).toBe('/');
    });
  }

  it('offers the API calls on the home page (right where the login returns to)', async () => {
    const harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/');
    expect(
      harness.routeNativeElement?.querySelector('[data-testid="api-call-button"]'),
    ).not.toBeNull();
    expect(
      harness.routeNativeElement?.querySelector('[data-testid="foreign-call-button"]'),
    ).not.toBeNull();
  });

  it('shows the token controls only when authenticated, the events log always', async () => {
    const harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/');
    expect(harness.routeNativeElement?.querySelector('[data-testid="events-log"]')).not.toBeNull();
    expect(harness.routeNativeElement?.querySelector('[data-testid="renew-button"]')).toBeNull();
    expect(harness.routeNativeElement?.querySelector('[data-testid="token-expiry"]')).toBeNull();
    auth.logIn(ALICE);
    await harness.fixture.whenStable();
    for (const id of ['token-expiry', 'renew-button', 'renew-result', 'events-log']) {
      expect(harness.routeNativeElement?.querySelector(`[data-testid="${id}"]`))
        .withContext(id)
        .not.toBeNull();
    }
    expect(
      harness.routeNativeElement?.querySelector('[data-testid="management-call-button"]'),
    ).not.toBeNull();
  });

  it('guards /profile: anonymous, it starts a login that returns to /profile', async () => {
    const harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/profile');
    expect(auth.loginCalls).toEqual([{ returnUrl: '/profile' }]);
    expect(TestBed.inject(Router).url).not.toBe('/profile');
  });

  it('opens /profile when authenticated', async () => {
    auth.logIn(ALICE);
    const harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/profile');
    expect(TestBed.inject(Router).url).toBe('/profile');
    expect(
      harness.routeNativeElement?.querySelector('[data-testid="profile-claims"]'),
    ).not.toBeNull();
  });
});
