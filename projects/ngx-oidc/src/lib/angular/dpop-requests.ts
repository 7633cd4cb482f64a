import { HttpErrorResponse, type HttpEvent, type HttpHandlerFn, type HttpHeaders, type HttpRequest } from '@angular/common/http';
import { catchError, defer, switchMap, tap, type Observable } from 'rxjs';
import type { Dpop } from '../core/dpop/dpop';

/**
 * The {@link Dpop} of a client as `withDpop()` makes it: with the way `authInterceptor` sends a
 * request through `HttpClient`. Only `withDpop()` imports this module, so an app without DPoP
 * does not ship it.
 * @internal
 */
export interface InterceptorDpop extends Dpop {
  /**
   * Sends `req` to the resource server with `token`: `Authorization: DPoP <token>` and a fresh
   * proof for `url` (`htm` the request's method, `htu` `url` without query and fragment, `ath`
   * the token's hash, the origin's last nonce). The `DPoP-Nonce` of every answer, success or
   * error, is kept; a 401 `WWW-Authenticate: DPoP error="use_dpop_nonce"` is sent again once,
   * with a new proof carrying the new nonce (RFC 9449 §9); a second challenge goes to the app.
   * A proof that cannot be made fails the request with that `AuthError` (`dpop_unavailable`):
   * the token is never sent as `Bearer` instead.
   * @param url The request's URL, absolute, as `HttpClient` sends it.
   */
  readonly ɵsend: (req: HttpRequest<unknown>, url: string, token: string, next: HttpHandlerFn) => Observable<HttpEvent<unknown>>;
}

/**
 * Gives `dpop` the {@link InterceptorDpop.ɵsend} of `authInterceptor`.
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 * @internal
 */
export function withDpopRequests(dpop: Dpop): InterceptorDpop {
  const send = (req: HttpRequest<unknown>, url: string, token: string, next: HttpHandlerFn, retried?: boolean): Observable<HttpEvent<unknown>> =>
    // defer: the proof is made when the request is sent (and again for every retry, an app's
    // retry() included), so that iat and jti are fresh and the nonce the latest (§11.1).
    defer(() => dpop.proofFor(req.method, url, token)).pipe(
      switchMap((proof) => next(req.clone({ setHeaders: { Authorization: `${dpop.scheme} ${token}`, DPoP: proof } }))),
      // §8.2, §9: any answer may carry the nonce to use next (response and header events).
      tap((event) => {
        const headers = (event as { headers?: HttpHeaders }).headers;
        if (headers) dpop.noteNonce(url, headers);
      }),
      catchError((error: unknown) => {
        if (!(error instanceof HttpErrorResponse)) throw error;
        dpop.noteNonce(url, error.headers);
        if (retried || !dpop.nonceChallenged(error.status, error.headers)) throw error;
        return send(req, url, token, next, true);
      }),
    );
  return Object.assign(dpop, { ɵsend: send });
}
