import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component, PLATFORM_ID } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter, Router } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { firstValueFrom } from 'rxjs';
import { TEST_CONFIG } from '../../test-support/fake-browser';
import { authGuard } from './auth.guard';
import { authInterceptor } from './auth.interceptor';
import { AuthService } from './auth.service';
import { withDpop } from './features';
import { provideAuth } from './provide-auth';

@Component({ template: 'secret page' })
class SecretPage {}

describe('on the server (PLATFORM_ID server)', () => {
  let fetchSpy: jasmine.Spy;

  beforeEach(() => {
    sessionStorage.clear();
    fetchSpy = spyOn(window, 'fetch').and.callThrough();
    spyOn(Storage.prototype, 'setItem').and.callThrough();
    TestBed.configureTestingModule({
      providers: [
        { provide: PLATFORM_ID, useValue: 'server' },
        provideAuth(TEST_CONFIG),
        provideRouter([{ path: 'secret', component: SecretPage, canActivate: [authGuard] }]),
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
      ],
    });
  });

  it('starts anonymous without touching storage, the network or the address bar', async () => {
    const replaceState = spyOn(history, 'replaceState').and.callThrough();
    const auth = TestBed.inject(AuthService);
    await auth.initialize();
    expect(auth.isAuthenticated()).toBeFalse();
    expect(auth.isLoading()).toBeFalse();
    expect(Storage.prototype.setItem).not.toHaveBeenCalled();
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(replaceState).not.toHaveBeenCalled();
  });

  it('renders no protected page and starts no login from the guard', async () => {
    const harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/secret');
    expect(harness.routeNativeElement?.textContent ?? '').not.toContain('secret page');
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('does not redirect to the app\'s login route either: the browser decides after hydration', async () => {
    TestBed.resetTestingModule();
    TestBed.configureTestingModule({
      providers: [
        { provide: PLATFORM_ID, useValue: 'server' },
        provideAuth({ ...TEST_CONFIG, loginRoute: '/login' }),
        provideRouter([
          { path: 'secret', component: SecretPage, canActivate: [authGuard] },
          { path: 'login', component: SecretPage },
        ]),
      ],
    });
    const harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/secret');
    expect(TestBed.inject(Router).url).not.toContain('/login');
    expect(harness.routeNativeElement?.textContent ?? '').not.toContain('secret page');
  });

  it('does not redirect on login(), and sends no token from the interceptor', async () => {
    const auth = TestBed.inject(AuthService);
    await auth.login(); // would fetch discovery, then leave the page, in a browser
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(auth.nonce()).toBeNull();
    const error = await firstValueFrom(TestBed.inject(HttpClient).get('https://api.example.com/v1/x')).catch((e: unknown) => e);
    expect(error).toEqual(jasmine.objectContaining({ code: 'not_authenticated' }));
    TestBed.inject(HttpTestingController).expectNone('https://api.example.com/v1/x');
  });

  it('with withDpop(): makes no key, opens neither IndexedDB nor a channel, and sends nothing', async () => {
    const open = spyOn(indexedDB, 'open').and.callThrough();
    const generateKey = spyOn(crypto.subtle, 'generateKey').and.callThrough();
    const Channel = spyOn(window, 'BroadcastChannel').and.callThrough();
    TestBed.resetTestingModule();
    TestBed.configureTestingModule({
      providers: [
        { provide: PLATFORM_ID, useValue: 'server' },
        provideAuth(TEST_CONFIG, withDpop()),
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
      ],
    });
    const auth = TestBed.inject(AuthService);
    await auth.initialize();
    await auth.login();
    const error = await firstValueFrom(TestBed.inject(HttpClient).get('https://api.example.com/v1/x')).catch((e: unknown) => e);
    expect(error).toEqual(jasmine.objectContaining({ code: 'not_authenticated' }));
    await auth.logout();
    expect(auth.isAuthenticated()).toBeFalse();
    expect(open).not.toHaveBeenCalled();
    expect(generateKey).not.toHaveBeenCalled();
    expect(Channel).not.toHaveBeenCalled();
    expect(fetchSpy).not.toHaveBeenCalled();
    TestBed.inject(HttpTestingController).expectNone('https://api.example.com/v1/x');
  });
});
