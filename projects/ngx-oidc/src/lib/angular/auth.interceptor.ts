import { HttpContextToken, HttpErrorResponse, type HttpEvent, type HttpHandlerFn, type HttpInterceptorFn, type HttpRequest } from '@angular/common/http';
import { DOCUMENT } from '@angular/common';
import { inject } from '@angular/core';
import { catchError, defer, from, switchMap, tap, type Observable } from 'rxjs';
import type { AllowedUrlMatcher } from '../core/allowed-url';
import type { AuthClient } from '../core/auth-client';
import { checkBearerChallenge, parseBearerChallenge, tokenForRetry } from '../core/bearer-challenge';
import { diagnoseToken } from '../core/diagnose-token';
import { AuthError } from '../core/errors';
import type { TokenRequest } from '../core/token-cache';
import { clientOf } from './auth-client';
import type { Dpop } from '../core/dpop/dpop';
import { explainDpopRefusal } from '../core/dpop/dpop-refusal';
import type { InterceptorDpop } from './dpop-requests';
import { AuthService } from './auth.service';

/** An allowlist entry of another provider than the main one (auth-providers.ts `RoutedEntry`). */
interface ProviderEntry {
  readonly ɵclient: AuthClient;
  readonly ɵservice: AuthService;
}

/**
 * Set on a request's `HttpContext` to send it without a token even when its URL is
 * allow-listed: `http.get(url, { context: new HttpContext().set(SKIP_AUTH, true) })`.
 */
export const SKIP_AUTH = new HttpContextToken<boolean>(() => false);

/**
 * Attaches `Authorization: Bearer <access token>` (with `withDpop()`: `Authorization: DPoP
 * <access token>` and a fresh `DPoP` proof, see below) to requests whose URL matches an
 * `allowedUrls` entry (of one provider, with `withAuthProvider()`: that provider's token) (same scheme, host and port, then a path prefix on a segment boundary),
 * and to nothing else: other origins, look-alike hosts, URLs with credentials and the
 * provider's own endpoints never see the token. An existing `Authorization` header is kept.
 * The token is the one for the entry's `audience` and `scope` (default: the login's), renewed
 * when it is about to expire.
 *
 * When the API answers 401 with `WWW-Authenticate: Bearer error="invalid_token"`, the token is
 * renewed once and the request retried once; requests that fail together share one renewal,
 * and a second 401 goes to the app.
 *
 * When it answers 401 with `Bearer error="insufficient_user_authentication"` (RFC 9470 step-up:
 * the token is fine but the user's authentication is too weak or too old), nothing is renewed or
 * retried and the session stays: the request fails with
 * `AuthError('insufficient_user_authentication')`, whose `details.stepUp` holds the `login()`
 * options the API asks for (`acrValues`, `maxAge`).
 *
 * With `withDpop()` (RFC 9449), the token is bound to the browser's key: each allow-listed
 * request (`httpResource` ones included) carries `Authorization: DPoP <token>` and a `DPoP`
 * proof made for it (`htm` its method, `htu` its absolute URL without query and fragment, `ath`
 * the token's hash, the last nonce of its origin), never a `Bearer` header: a proof that cannot be
 * made fails the request with `AuthError('dpop_unavailable')`. The `DPoP-Nonce` of every answer
 * is kept; a 401 `WWW-Authenticate: DPoP error="use_dpop_nonce"` is sent again once with a new
 * proof, and a 401 `DPoP error="invalid_token"` renews and retries like Bearer's.
 *
 * When nobody is logged in, an allow-listed request fails with `AuthError('not_authenticated')`,
 * unless its entry says `allowAnonymous`, in which case it is sent without a token.
 *
 * In development mode only, when an allow-listed API still answers 401 or 403 (after that
 * retry), the interceptor logs with `console.warn` what `diagnoseToken()` finds in the token it
 * sent (opaque, foreign `aud` or `iss`, expired, missing scope, …) with the API's
 * `error_description`, once per cause and API origin. Production builds drop this code.
 *
 * Register with `provideHttpClient(withInterceptors([authInterceptor]))`.
 */
export const authInterceptor: HttpInterceptorFn = (req, next) => {
  const auth = inject(AuthService);
  let client = clientOf(auth);
  const url = resolve(req.url, inject(DOCUMENT));
  const entry = client.matchAllowedUrl(url, req.method);
  // The app's own Authorization header is kept. Lower case: HttpHeaders lower-cases the name
  // it looks up, which allocates nothing when it already is. SKIP_AUTH is read last: reading a
  // context token that was never set stores its default in the request's context.
  if (!entry || req.headers.has('authorization') || req.context.get(SKIP_AUTH)) return next(req);
  // An entry of another provider (withAuthProvider()) names that provider's client.
  client = (entry as Partial<ProviderEntry>).ɵclient ?? client;
  const request: TokenRequest = { audience: entry.audience, scope: entry.scope };
  // Fast path: a fresh token in hand needs no promise, no scheduling.
  const cached = client.peekAccessToken(request);
  if (cached) return send(auth, client, req, next, cached, request, entry, url);
  return from(client.getAccessToken(request)).pipe(
    switchMap((token) => {
      // Getting the token may have taught the client the provider's endpoints: ask again.
      if (token && client.matchAllowedUrl(url, req.method)) return send(auth, client, req, next, token, request, entry, url);
      if (token) return next(req);
      if (entry.allowAnonymous) return next(req);
      throw new AuthError(
        'not_authenticated',
        (typeof ngDevMode === 'undefined' || ngDevMode)
          ? `No user is logged in, so ${req.method} ${req.url} was not sent (it needs an access token). Call login() first, or mark the allowedUrls entry allowAnonymous.`
          : '',
      );
    }),
  );
};

/**
 * Sends `req` with `token`; after a 401 invalid_token, renews once and retries once; a step-up
 * challenge fails with insufficient_user_authentication. What the rxjs callbacks below throw
 * reaches the subscriber as an error.
 */
function send(
  auth: AuthService,
  client: AuthClient,
  req: HttpRequest<unknown>,
  next: HttpHandlerFn,
  token: string,
  request: TokenRequest,
  entry: AllowedUrlMatcher,
  url: string,
  onRetry?: (token: string) => void,
): Observable<HttpEvent<unknown>> {
  // Behind ngDevMode so that production builds drop the call, and with it diagnose-token.
  if (typeof ngDevMode === 'undefined' || ngDevMode) {
    // Only this wrapper passes onRetry: without it, this is the outer call, which wraps the
    // real send (the recursive call) with the diagnosis of the token whose answer comes back.
    if (!onRetry) {
      return defer(() => {
        // The token of the request whose answer reaches the app: the first one, or the retry's.
        let sent = token;
        return send(auth, client, req, next, token, request, entry, url, (t) => (sent = t)).pipe(
          tap({ error: (error: unknown) => void reportRejection((entry as Partial<ProviderEntry>).ɵservice ?? auth, req, entry, sent, error, client.dpop?.()) }),
        );
      });
    }
  }
  // withDpop(): the request goes with a DPoP proof (dpop-requests.ts), never as Bearer.
  const dpop = client.dpop?.() as InterceptorDpop | undefined;
  const attempt = (sent: string, retried?: boolean): Observable<HttpEvent<unknown>> =>
    (dpop ? dpop.ɵsend(req, url, sent, next) : next(withToken(req, sent))).pipe(
      catchError((error: unknown) => {
        // Any answer but 401 invalid_token goes to the app as it is, and so does the retry's
        // own answer, a second 401 included. A step-up challenge (RFC 9470), to either, throws
        // insufficient_user_authentication instead; the session stays. With DPoP the challenge
        // is the DPoP scheme's (RFC 9449 §7.1).
        if (!(error instanceof HttpErrorResponse) || !checkBearerChallenge(error.status, error.headers?.get('WWW-Authenticate'), error, dpop?.scheme) || retried) throw error;
        // RFC 6750 §3.1: invalid_token means expired, revoked or malformed: renew once, retry once.
        // A renewal that fails with an AuthError says why (login_required: the session is over).
        return from(tokenForRetry(client, sent, request)).pipe(
          switchMap((renewed) => {
            if (!renewed) throw error;
            onRetry?.(renewed);
            return attempt(renewed, true);
          }),
        );
      }),
    );
  return attempt(token);
}

/** Per app (AuthService instance): the causes already logged, as "codes origin". */
let reported: WeakMap<AuthService, Set<string>> | undefined;

/**
 * Development mode: explains a 401/403 from an allow-listed API by diagnosing the token that
 * was sent against what the client knows, and with `withDpop()` the proof's key and what the
 * challenge says of DPoP (core/dpop/dpop-refusal.ts). Logs each cause once per API origin;
 * never throws, never logs the token.
 */
async function reportRejection(auth: AuthService, req: HttpRequest<unknown>, entry: AllowedUrlMatcher, token: string, error: unknown, dpop?: Dpop): Promise<void> {
  if (!(error instanceof HttpErrorResponse) || (error.status !== 401 && error.status !== 403)) return;
  try {
    // RFC 9449 §7.1: with DPoP the API's challenge is the DPoP scheme's.
    const challenge = parseBearerChallenge(error.headers?.get('WWW-Authenticate'), dpop?.scheme);
    const config = auth.configuration;
    const iss = auth.user()?.['iss'];
    const { findings } = diagnoseToken(token, {
      // The ID token's iss was checked to be the discovery document's issuer: prefer it.
      issuer: typeof iss === 'string' ? iss : config.authority,
      audience: entry.audience ?? config.audience,
      // RFC 6750 §3: with insufficient_scope, scope="..." names the scopes the API requires.
      requiredScopes: challenge['scope'],
      clientId: config.clientId,
      clockSkewSeconds: config.clockSkewSeconds,
      // The key this tab's proofs are signed with (none at hand: nothing to compare).
      dpopJkt: dpop && (await dpop.heldThumbprint()),
    });
    const hint = error.headers && explainDpopRefusal(error.status, error.headers, !!dpop);
    const url = new URL(req.url, globalThis.location?.href);
    const key = `${findings.map((f) => f.code).sort().join(',')}${hint ?? ''} ${url.origin}`;
    reported ??= new WeakMap();
    const seen = reported.get(auth) ?? new Set<string>();
    reported.set(auth, seen);
    if (seen.has(key)) return;
    seen.add(key);
    const answer = [challenge['error'], challenge['error_description'] && `"${challenge['error_description']}"`].filter(Boolean).join(': ');
    console.warn(
      `ngx-oidc: ${req.method} ${url.origin}${url.pathname} was refused with ${error.status}${answer ? ` (${answer})` : ''}. ` +
        (hint ? `${hint}\n` : '') +
        (findings.length
          ? `The access token sent (decoded, not verified) shows:\n${findings.map((f) => `- ${f.code}: ${f.message}`).join('\n')}`
          : 'The access token sent (decoded, not verified) meets what the client knows (issuer, audience, expiry, scope); see the API\'s logs.'),
    );
  } catch {
    // A diagnosis is a hint: it never changes what the app receives.
  }
}

/**
 * The URL as `HttpClient` sends it: its XHR and fetch backends resolve a relative URL against
 * `document.baseURI` (the `<base href>`, else the page's URL), not the origin. A URL that does
 * not resolve gets no token.
 */
function resolve(url: string, doc: Document): string {
  // Absolute already: the client parses it once and remembers the answer.
  if (/^https?:\/\//i.test(url)) return url;
  try {
    return new URL(url, doc.baseURI).href;
  } catch {
    return 'about:invalid';
  }
}

function withToken(req: HttpRequest<unknown>, token: string): HttpRequest<unknown> {
  return req.clone({ setHeaders: { Authorization: `Bearer ${token}` } });
}
