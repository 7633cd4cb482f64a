import { HttpContextToken, HttpErrorResponse, type HttpHandlerFn, type HttpInterceptorFn, type HttpRequest } from '@angular/common/http';
import { inject } from '@angular/core';
import { catchError, from, switchMap, throwError } from 'rxjs';
import { AuthError } from '../core/errors';
import type { TokenRequest } from '../core/token-cache';
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
 * The token is the one for the entry's `audience` and `scope` (default: the login's), renewed
 * when it is about to expire.
 *
 * When the API answers 401 with `WWW-Authenticate: Bearer error="invalid_token"`, the token is
 * renewed once and the request retried once; requests that fail together share one renewal,
 * and a second 401 goes to the app.
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
  const request: TokenRequest = { audience: entry.audience, scope: entry.scope };
  return from(auth.getAccessToken(request)).pipe(
    switchMap((token) => {
      if (token) return sendWithRetry(auth, req, next, token, request);
      if (entry.allowAnonymous) return next(req);
      return throwError(
        () =>
          new AuthError(
            'login_required',
            `No user is logged in, so ${req.method} ${req.url} was not sent (it needs an access token). Call login() first, or mark the allowedUrls entry allowAnonymous.`,
          ),
      );
    }),
  );
};

function sendWithRetry(auth: AuthService, req: HttpRequest<unknown>, next: HttpHandlerFn, token: string, request: TokenRequest) {
  return next(withToken(req, token)).pipe(
    catchError((error: unknown) => {
      if (!isInvalidToken(error)) return throwError(() => error);
      // RFC 6750 §3.1: invalid_token means expired, revoked or malformed: renew once, retry once.
      return from(auth.renewAfterRejection(token, request)).pipe(
        // A renewal that fails says why (login_required: the session is over).
        catchError((renewError: unknown) => throwError(() => (renewError instanceof AuthError ? renewError : error))),
        // The retry's own answer, a second 401 included, goes to the app as it is.
        switchMap((renewed) => (renewed && renewed !== token ? next(withToken(req, renewed)) : throwError(() => error))),
      );
    }),
  );
}

function withToken(req: HttpRequest<unknown>, token: string): HttpRequest<unknown> {
  return req.clone({ setHeaders: { Authorization: `Bearer ${token}` } });
}

function isInvalidToken(error: unknown): boolean {
  if (!(error instanceof HttpErrorResponse) || error.status !== 401) return false;
  const challenge = error.headers?.get('WWW-Authenticate') ?? '';
  return /^\s*Bearer\b/i.test(challenge) && /\berror\s*=\s*"?invalid_token"?/i.test(challenge);
}
