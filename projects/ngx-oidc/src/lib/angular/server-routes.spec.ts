import { Component, PLATFORM_ID } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter, type CanActivateFn, type Routes } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { TEST_CONFIG } from '../../test-support/fake-browser';
import { authGuard } from './auth.guard';
import { provideAuth } from './provide-auth';
import { authGuardedPaths } from './server-routes';

@Component({ template: 'page' })
class Page {}

const otherGuard: CanActivateFn = () => true;

describe('authGuardedPaths', () => {
  it('lists nothing when no route uses authGuard', () => {
    expect(authGuardedPaths([])).toEqual([]);
    expect(
      authGuardedPaths([
        { path: '', component: Page },
        { path: 'open', component: Page, canActivate: [otherGuard] },
        { path: '**', redirectTo: '' },
      ]),
    ).toEqual([]);
  });

  it('lists the routes guarded by canActivate, canMatch or canActivateChild', () => {
    const routes: Routes = [
      { path: '', component: Page },
      { path: 'profile', component: Page, canActivate: [otherGuard, authGuard] },
      { path: 'orders/:id', component: Page, canMatch: [authGuard] },
      { path: 'settings', component: Page, canActivateChild: [authGuard], children: [] },
    ];
    expect(authGuardedPaths(routes)).toEqual(['profile', 'orders/:id', 'settings', 'settings/**']);
  });

  it('covers what lies below a guarded route: its children, and /** for the rest', () => {
    const routes: Routes = [
      {
        path: 'admin',
        canActivate: [authGuard],
        children: [
          { path: '', component: Page },
          { path: 'users/:id', component: Page },
        ],
      },
      { path: 'reports', canMatch: [authGuard], loadChildren: () => Promise.resolve([]) },
    ];
    expect(authGuardedPaths(routes)).toEqual(['admin', 'admin/**', 'admin/users/:id', 'reports', 'reports/**']);
  });

  it('follows nested routes to a guarded child and joins its path', () => {
    const routes: Routes = [
      {
        path: 'shop',
        children: [
          { path: '', component: Page },
          { path: 'cart', component: Page, canActivate: [authGuard] },
        ],
      },
      { path: '', children: [{ path: 'account', component: Page, canActivate: [authGuard] }] },
    ];
    expect(authGuardedPaths(routes)).toEqual(['shop/cart', 'account']);
  });

  it('uses /** for a guarded route with a matcher, and ignores guards on redirects', () => {
    const routes: Routes = [
      { path: 'docs', children: [{ matcher: () => null, component: Page, canActivate: [authGuard] }] },
      { path: 'old', redirectTo: 'new', canActivate: [authGuard] } as never,
    ];
    expect(authGuardedPaths(routes)).toEqual(['docs/**']);
  });

  it('recognises the guard by reference only', () => {
    const wrapped: CanActivateFn = (route, state) => authGuard(route, state);
    expect(authGuardedPaths([{ path: 'profile', component: Page, canActivate: [wrapped] }])).toEqual([]);
  });
});

describe('authGuard on the server', () => {
  it('refuses, and in development mode says which route to render in the browser', async () => {
    const warn = spyOn(console, 'warn');
    TestBed.configureTestingModule({
      providers: [
        { provide: PLATFORM_ID, useValue: 'server' },
        provideAuth(TEST_CONFIG),
        provideRouter([{ path: 'profile', component: Page, canActivate: [authGuard] }]),
      ],
    });
    const harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/profile?tab=2');
    expect(harness.routeNativeElement?.textContent ?? '').not.toContain('page');
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.calls.argsFor(0)[0]);
    expect(message).toContain('authGuard ran during server rendering of /profile?tab=2');
    expect(message).toContain('404');
    expect(message).toContain('RenderMode.Client');
    expect(message).toContain('authGuardedPaths(routes)');
  });
});
