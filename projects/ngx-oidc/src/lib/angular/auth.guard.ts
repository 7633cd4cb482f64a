import { isPlatformServer } from '@angular/common';
import { inject, PLATFORM_ID } from '@angular/core';
import { Router, type CanActivateFn, type CanMatchFn, type UrlTree } from '@angular/router';
import { AuthService } from './auth.service';

/**
 * Lets authenticated users through. For anyone else it does its documented job: with
 * `loginRoute` configured it redirects there (`?returnUrl=<requested URL>`); otherwise it
 * starts the provider login with the requested URL as `returnUrl`, so the user comes back to
 * the page first asked for. Waits for start-up (callback processing) before deciding.
 *
 * Usable as `canActivate`, `canActivateChild` and `canMatch`.
 *
 * During server rendering nobody is authenticated and no login can start: the guard answers
 * `false`, so protected content is never rendered on the server; the browser decides after
 * hydration.
 */
export const authGuard: CanActivateFn & CanMatchFn = async (_route, stateOrSegments): Promise<boolean | UrlTree> => {
  if (isPlatformServer(inject(PLATFORM_ID))) return false;
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
  try {
    await auth.login({ returnUrl: requested });
  } catch {
    // login() already emitted the typed error on error$; stay where we are.
  }
  return false;
};
