import type { Route, Routes } from '@angular/router';
import { authGuard } from './auth.guard';

/** The guard lists of a route that can hold {@link authGuard}. */
const GUARD_FIELDS = ['canActivate', 'canActivateChild', 'canMatch'] as const;

function isGuarded(route: Route): boolean {
  // A redirect never activates, so its guards never run.
  if (route.redirectTo !== undefined) return false;
  return GUARD_FIELDS.some((field) => (route[field] as readonly unknown[] | undefined)?.includes(authGuard));
}

function join(parent: string, path: string): string {
  return [parent, path].filter(Boolean).join('/');
}

/**
 * The paths of the routes that {@link authGuard} protects, in the form of Angular SSR's server
 * routes (`ServerRoute.path`): each guarded route's full path, and `<path>/**` for what lies
 * below it (its `children`, or what its `loadChildren` loads). The guard is recognised by
 * reference (`canActivate`, `canActivateChild` or `canMatch` lists `authGuard` itself, not a
 * function calling it). Nested routes are followed; routes inside `loadChildren` are not (they
 * load asynchronously): guard their parent route, or list their paths yourself.
 *
 * For `app.routes.server.ts` of a server-rendered app. During server rendering nobody is
 * logged in and the guard refuses, which Angular SSR answers with a 404 (and prerendering fails
 * on it); rendered in the browser instead (`RenderMode.Client`), the server sends the app's
 * shell and the guard decides there, with the stored session or a login. Derived from the app's
 * routes, so a route guarded later is covered without another edit.
 *
 * ```ts
 * import { RenderMode, type ServerRoute } from '@angular/ssr';
 * import { authGuardedPaths } from 'ngx-oidc';
 * import { routes } from './app.routes';
 *
 * export const serverRoutes: ServerRoute[] = [
 *   { path: 'callback', renderMode: RenderMode.Client },
 *   ...authGuardedPaths(routes).map((path): ServerRoute => ({ path, renderMode: RenderMode.Client })),
 *   { path: '**', renderMode: RenderMode.Prerender },
 * ];
 * ```
 *
 * @param routes The app's routes, as given to `provideRouter()`.
 * @returns The paths, without a leading slash, parameters as written (`orders/:id`); a path is
 *   listed once. Empty when no route uses {@link authGuard}.
 * @see https://angular.dev/guide/ssr#configuring-server-routes
 */
export function authGuardedPaths(routes: Routes): string[] {
  const paths = new Set<string>();
  const visit = (list: Routes, parent: string, guardedParent: boolean): void => {
    for (const route of list) {
      // A route with a matcher has no path of its own: everything below its parent counts.
      const path = route.matcher ? join(parent, '**') : join(parent, route.path ?? '');
      const guarded = guardedParent || isGuarded(route);
      if (guarded) {
        paths.add(path);
        if ((route.children || route.loadChildren) && !path.endsWith('**')) paths.add(join(path, '**'));
      }
      if (route.children && !route.matcher) visit(route.children, path, guarded);
    }
  };
  visit(routes, '', false);
  return [...paths];
}
