import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter, Router } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { setUpAuth, type AuthTestBed } from '../../test-support/fake-browser';
import { CLIENT_ID, FakeProvider, ISSUER } from '../../test-support/fake-provider';
import { saveSession } from '../core/session-store';
import { authGuard } from './auth.guard';

@Component({ template: 'secret page' })
class SecretPage {}

@Component({ template: 'login page' })
class LoginPage {}

describe('authGuard', () => {
  afterEach(() => sessionStorage.clear());

  async function setUp(authenticated: boolean, config: object = {}): Promise<AuthTestBed> {
    sessionStorage.clear();
    if (authenticated) {
      const now = Math.floor(Date.now() / 1000);
      saveSession(sessionStorage, CLIENT_ID, {
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
          { path: 'login', component: LoginPage },
        ]),
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

  it('redirects to the app\'s own login route when loginRoute is configured', async () => {
    const { browser } = await setUp(false, { loginRoute: '/login' });
    const harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/secret');
    expect(TestBed.inject(Router).url).toBe('/login?returnUrl=%2Fsecret');
    expect(browser.assigned).toEqual([]);
  });
});
