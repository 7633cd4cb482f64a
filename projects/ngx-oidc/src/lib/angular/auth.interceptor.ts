import { HttpContextToken, type HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { from, switchMap, throwError } from 'rxjs';
import { AuthError } from '../core/errors';
import { AuthService } from './auth.service';

/**
 * Set on a request's `HttpContext` to send it without a token even when its URL is
 * allow-listed: `http.get(url, { context: new HttpContext().set(SKIP_AUTH, true) })`.
 */
export const SKIP_AUTH = new HttpContextToken<boolean>(() => false);

/**
 * Attaches `Authorization: Bearer <access token>` to requests whose URL matches an
 * `allowedUrls` entry (same scheme, host and port, then a path prefix on a segment boundary),
 * and to nothing else: other origins, look-alike hosts, URLs with credentials and the
 * provider's own endpoints never see the token. An existing `Authorization` header is kept.
 *
 * When nobody is logged in, an allow-listed request fails with `AuthError('login_required')`,
 * unless its entry says `allowAnonymous`, in which case it is sent without a token.
 *
 * Register with `provideHttpClient(withInterceptors([authInterceptor]))`.
 */
export const authInterceptor: HttpInterceptorFn = (req, next) => {
  if (req.context.get(SKIP_AUTH) || req.headers.has('Authorization')) return next(req);
  const auth = inject(AuthService);
  const entry = auth.matchAllowedUrl(req.url, req.method);
  if (!entry) return next(req);
  return from(auth.getAccessToken()).pipe(
    switchMap((token) => {
      if (token) return next(req.clone({ setHeaders: { Authorization: `Bearer ${token}` } }));
      if (entry.allowAnonymous) return next(req);
      return throwError(
        () => new AuthError('login_required', `No user is logged in, so ${req.method} ${req.url} was not sent (it needs an access token). Call login() first, or mark the allowedUrls entry allowAnonymous.`),
      );
    }),
  );
};
