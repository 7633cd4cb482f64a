import { isPlatformServer } from '@angular/common';
import { inject, PLATFORM_ID } from '@angular/core';
import {
  Router,
  type CanActivateFn,
  type CanMatchFn,
  type RouterStateSnapshot,
  type UrlSegment,
  type UrlTree,
} from '@angular/router';
import { AuthService } from './auth.service';

/**
 * Lets authenticated users through. For anyone else it does its documented job: with
 * `loginRoute` configured it redirects there (`?returnUrl=<requested URL>`); otherwise it
 * starts the provider login with the requested URL as `returnUrl`, so the user comes back to
 * the page first asked for. Waits for start-up (callback processing) before deciding.
 *
 * When that login cannot start (the provider's discovery is unreachable, session storage is
 * unusable, …), the guard does not answer a silent `false`: `error` / `error$` hold the typed
 * `AuthError`, and the guard rejects with it, so the navigation fails with a `NavigationError`
 * whose `error` is that `AuthError` (the `navigateByUrl()` promise rejects with it). Handle it
 * with `withNavigationErrorHandler()` in `provideRouter()`, e.g. by redirecting to an error page.
 *
 * Usable as `canActivate`, `canActivateChild` and `canMatch`.
 *
 * During server rendering nobody is authenticated and no login can start: the guard answers
 * `false`, so protected content is never rendered on the server. Angular SSR answers a refused
 * navigation with a 404 (and prerendering fails on it), so a server-rendered app renders its
 * guarded routes in the browser: `RenderMode.Client` for each path of
 * `authGuardedPaths(routes)` in `app.routes.server.ts` (what `ng add ngx-oidc` sets
 * up). The server then sends the app's shell and the guard decides in the browser. In
 * development mode the guard warns when it runs on the server.
 */
export const authGuard: CanActivateFn & CanMatchFn = async (_route, stateOrSegments): Promise<boolean | UrlTree> => {
  if (isPlatformServer(inject(PLATFORM_ID))) {
    if (typeof ngDevMode === 'undefined' || ngDevMode) warnServerRendering(inject(Router), stateOrSegments);
    return false;
  }
  const auth = inject(AuthService);
  const router = inject(Router);
  await auth.initialize();
  if (auth.isAuthenticated()) return true;
  const requested = Array.isArray(stateOrSegments)
    ? (router.currentNavigation()?.extractedUrl.toString() ?? '/' + stateOrSegments.map((s) => s.path).join('/'))
    : stateOrSegments.url;
  const loginRoute = auth.configuration.loginRoute;
  if (loginRoute) {
    return router.createUrlTree([loginRoute], { queryParams: { returnUrl: requested } });
  }
  // login() has set error/error$; its rejection fails the navigation with the same AuthError.
  await auth.login({ returnUrl: requested });
  return false;
};

/** Explains, in development mode, why a guarded route answers 404 from the server. */
function warnServerRendering(router: Router, stateOrSegments: RouterStateSnapshot | UrlSegment[]): void {
  const url = Array.isArray(stateOrSegments)
    ? (router.currentNavigation()?.extractedUrl.toString() ?? '/' + stateOrSegments.map((s) => s.path).join('/'))
    : stateOrSegments.url;
  console.warn(
    `ngx-oidc: authGuard ran during server rendering of ${url} and refused it (the server knows no user), ` +
      `so Angular SSR answers 404 (prerendering fails: "The content returned was empty"). ` +
      `Render this route in the browser: ` +
      `in app.routes.server.ts, ...authGuardedPaths(routes).map((path) => ({ path, renderMode: RenderMode.Client })) ` +
      `before the '**' entry (import { authGuardedPaths } from 'ngx-oidc').`,
  );
}
