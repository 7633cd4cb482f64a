// The bench lab: the REAL ngx-oidc (dist/ngx-oidc) against an in-page fake OpenID Provider
// (an AUTH_BROWSER platform whose fetch answers discovery, JWKS, token and revocation requests
// from memory with real RS256-signed ID tokens, made with jose in this page). bench/lib/lab-runs.mjs
// drives it through window.lab: interceptor overhead, guard decision time, callback completion
// (ID token validation with warm JWKS) and memory over many renewals and login/logout cycles.
import {
  HttpBackend,
  HttpClient,
  HttpResponse,
  provideHttpClient,
  withFetch,
  withInterceptors,
  type HttpInterceptorFn,
  type HttpRequest,
} from '@angular/common/http';
import {
  createEnvironmentInjector,
  type EnvironmentInjector,
  type EnvironmentProviders,
  type Provider,
  runInInjectionContext,
} from '@angular/core';
import { createApplication } from '@angular/platform-browser';
import { provideRouter, type ActivatedRouteSnapshot, type RouterStateSnapshot } from '@angular/router';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose';
import {
  ɵAUTH_BROWSER as AUTH_BROWSER,
  ɵAUTH_CLIENT as AUTH_CLIENT,
  ɵoidcClientFactory as oidcClientFactory,
  AUTH_CONFIG,
  authGuard,
  authInterceptor,
  AuthService,
  provideAuth,
  withDpop,
  type ɵAuthBrowser as AuthBrowser,
  type AuthConfig,
} from 'ngx-oidc';
import { firstValueFrom, of } from 'rxjs';

const ISSUER = 'https://idp.bench.test';
const CLIENT_ID = 'bench-spa';
const API = 'https://api.bench.test/v1';
const ORIGIN = location.origin;

interface Keys {
  privateKey: CryptoKey;
  jwk: JWK;
}
let keys: Keys;
const codes = new Map<string, { nonce: string | null }>();
let lastAssigned = '';
const counters = { discovery: 0, jwks: 0, token: 0, refresh: 0, revoke: 0 };

/**
 * What is still pending or open in the page: timers (set, neither fired nor cleared) and the
 * tabs' BroadcastChannels. A logged-out, destroyed app must leave none behind (issue #6 §4).
 * The lab platform has no setTimer, so the library's timers are the page's setTimeout.
 */
const live = { timers: new Set<ReturnType<typeof setTimeout>>(), channels: 0 };
const realSetTimeout = window.setTimeout.bind(window);
const realClearTimeout = window.clearTimeout.bind(window);
window.setTimeout = ((fn: TimerHandler, ms?: number, ...args: unknown[]) => {
  const id = realSetTimeout(() => {
    live.timers.delete(id);
    if (typeof fn === 'function') (fn as (...a: unknown[]) => void)(...args);
  }, ms);
  live.timers.add(id);
  return id;
}) as typeof window.setTimeout;
window.clearTimeout = ((id?: ReturnType<typeof setTimeout>) => {
  if (id !== undefined) live.timers.delete(id);
  realClearTimeout(id);
}) as typeof window.clearTimeout;

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const rand = () => crypto.getRandomValues(new Uint8Array(16)).reduce((s, b) => s + b.toString(16).padStart(2, '0'), '');

async function idToken(nonce: string | null): Promise<string> {
  const jwt = new SignJWT({ name: 'Alice Liddell', email: 'alice@example.com', ...(nonce ? { nonce } : {}) })
    .setProtectedHeader({ alg: 'RS256', kid: 'bench-key', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(CLIENT_ID)
    .setSubject('alice')
    .setIssuedAt()
    .setExpirationTime('1h');
  return jwt.sign(keys.privateKey);
}

/** The fake provider. */
async function providerFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  if (url.origin !== ISSUER) return json({ error: 'not found' }, 404);
  switch (url.pathname) {
    case '/.well-known/openid-configuration':
      counters.discovery++;
      return json({
        issuer: ISSUER,
        authorization_endpoint: `${ISSUER}/authorize`,
        token_endpoint: `${ISSUER}/token`,
        jwks_uri: `${ISSUER}/jwks`,
        end_session_endpoint: `${ISSUER}/logout`,
        revocation_endpoint: `${ISSUER}/revoke`,
        response_types_supported: ['code', 'id_token token', 'id_token', 'code id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        grant_types_supported: ['authorization_code', 'refresh_token', 'implicit'],
      });
    case '/jwks':
      counters.jwks++;
      return json({ keys: [keys.jwk] });
    case '/revoke':
      counters.revoke++;
      return new Response(null, { status: 200 });
    case '/token': {
      const body = new URLSearchParams(String(init?.body ?? ''));
      const grant = body.get('grant_type');
      let nonce: string | null = null;
      if (grant === 'authorization_code') {
        counters.token++;
        const entry = codes.get(body.get('code') ?? '');
        if (!entry) return json({ error: 'invalid_grant' }, 400);
        codes.delete(body.get('code')!);
        nonce = entry.nonce;
      } else if (grant === 'refresh_token') {
        counters.refresh++;
      } else {
        return json({ error: 'unsupported_grant_type' }, 400);
      }
      // withDpop() (the 'dpop' mode of lab.http): a request with a proof gets a DPoP token
      // (the proof itself is not checked here; the e2e tests and the unit tests do that).
      const dpop = new Headers(init?.headers).has('DPoP');
      return json({
        access_token: `at-${rand()}`,
        token_type: dpop ? 'DPoP' : 'Bearer',
        expires_in: 300,
        refresh_token: `rt-${rand()}`,
        scope: 'openid profile email offline_access',
        id_token: await idToken(nonce),
      });
    }
  }
  return json({ error: 'not found' }, 404);
}

/** One tab of the app: its own href, sending "redirects" to the fake provider. */
function platform(href: string): AuthBrowser & { href(): string } {
  let current = href;
  return {
    origin: ORIGIN,
    href: () => current,
    assign: (url: string) => {
      lastAssigned = url;
    },
    replaceUrl: (url: string) => {
      current = new URL(url, current).href;
    },
    fetch: providerFetch as AuthBrowser['fetch'],
    warn: (message: string) => console.warn(message),
    openChannel: (name: string) => {
      const channel = new BroadcastChannel(name);
      live.channels++;
      return {
        post: (message: unknown) => channel.postMessage(message),
        onMessage: (listener: (m: unknown) => void) => channel.addEventListener('message', (e) => listener(e.data)),
        close: () => {
          live.channels--;
          channel.close();
        },
      };
    },
    withLock: <T>(name: string, fn: () => Promise<T>) => navigator.locks.request(name, fn) as Promise<T>,
  };
}

const CONFIG: AuthConfig = {
  authority: ISSUER,
  clientId: CLIENT_ID,
  scope: 'openid profile email offline_access',
  allowedUrls: [API],
};

let root: EnvironmentInjector;

/** `dpop`: the app set up with `provideAuth(config, withDpop())` (a real key in IndexedDB). */
function tab(href: string, extra: (Provider | EnvironmentProviders)[] = [], dpop = false): EnvironmentInjector {
  return createEnvironmentInjector(
    [
      dpop ? provideAuth(CONFIG, withDpop()) : { provide: AUTH_CONFIG, useValue: CONFIG },
      { provide: AUTH_BROWSER, useValue: platform(href) },
      // AUTH_CLIENT is provided in root: each tab needs its own, made from this tab's config.
      { provide: AUTH_CLIENT, useFactory: () => oidcClientFactory() },
      AuthService,
      provideRouter([]),
      ...extra,
    ],
    root,
  );
}

/** The provider's answer to the last authorization request: the callback URL. */
function authorize(): string {
  const req = new URL(lastAssigned);
  if (!req.href.startsWith(`${ISSUER}/authorize`)) throw new Error(`not an authorization request: ${lastAssigned}`);
  const code = rand();
  codes.set(code, { nonce: req.searchParams.get('nonce') });
  const back = new URL(req.searchParams.get('redirect_uri')!);
  back.searchParams.set('code', code);
  back.searchParams.set('state', req.searchParams.get('state')!);
  return back.href;
}

/** login() in one tab, the callback in a second one; returns the authenticated tab and the callback's ms. */
async function loggedInTab(extra: (Provider | EnvironmentProviders)[] = [], dpop = false): Promise<{ injector: EnvironmentInjector; callbackMs: number }> {
  const first = tab(`${ORIGIN}/profile`, [], dpop);
  const auth1 = first.get(AuthService);
  await auth1.initialize();
  await auth1.login();
  first.destroy();
  const callbackUrl = authorize();
  const injector = tab(callbackUrl, extra, dpop);
  const auth = injector.get(AuthService);
  const t0 = performance.now();
  await auth.initialize();
  const callbackMs = performance.now() - t0;
  if (!auth.isAuthenticated()) throw new Error(`not authenticated after the callback: ${auth.error()?.code} ${auth.error()?.message}`);
  return { injector, callbackMs };
}

/**
 * The demo API, in process: HttpClient's real FetchBackend (`withFetch()`) sends its requests
 * here instead of to the network. Answers every GET of the API with a small JSON body, as a
 * real response (headers, body stream) that FetchBackend reads and parses as usual; other
 * URLs go to the real fetch. Remembers the last Authorization header for the probes.
 */
const networkFetch = globalThis.fetch.bind(globalThis);
let apiAuthorization: string | null = null;
globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (!url.startsWith(`${API}/`)) return networkFetch(input, init);
  apiAuthorization = new Headers(init?.headers).get('authorization');
  return Promise.resolve(new Response('{"messages":[]}', { status: 200, headers: { 'content-type': 'application/json' } }));
};

const instantBackend: HttpBackend = {
  handle: (_req: HttpRequest<unknown>) => of(new HttpResponse({ status: 200, body: null })),
};

/** `dpop`: authInterceptor with withDpop() (a DPoP proof signed per request). */
type HttpMode = 'without' | 'floor' | 'with' | 'dpop';
/**
 * `instant`: an HttpBackend that answers synchronously, so only HttpClient's front half and the
 * interceptors run (a micro-benchmark of the interceptor itself). `fetch`: HttpClient whole, its
 * FetchBackend included, against the in-process API above.
 */
type HttpBackendKind = 'instant' | 'fetch';

/** The reference: the least an interceptor that adds a header can do. */
const floorInterceptor: HttpInterceptorFn = (req, next) => next(req.clone({ setHeaders: { Authorization: 'Bearer x' } }));

const lab = {
  counters,
  /** Timers pending and tab channels open right now, after the page settled for `settleMs`. */
  async leftovers(settleMs = 50): Promise<{ timers: number; channels: number }> {
    await new Promise((resolve) => realSetTimeout(resolve, settleMs));
    return { timers: live.timers.size, channels: live.channels };
  },
  async ready(): Promise<void> {
    const pair = await generateKeyPair('RS256', { extractable: true });
    keys = { privateKey: pair.privateKey as CryptoKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: 'bench-key', alg: 'RS256', use: 'sig' } };
    root = (await createApplication({ providers: [] })).injector;
  },

  /** n full login (login() + callback) / logout cycles, each in fresh injectors that are destroyed afterwards. */
  async loginLogoutCycles(n: number): Promise<number[]> {
    const callbackMs: number[] = [];
    for (let i = 0; i < n; i++) {
      const { injector, callbackMs: ms } = await loggedInTab();
      callbackMs.push(ms);
      const auth = injector.get(AuthService);
      await auth.logout();
      if (auth.isAuthenticated()) throw new Error('still authenticated after logout');
      injector.destroy();
    }
    return callbackMs;
  },

  renewTab: undefined as EnvironmentInjector | undefined,
  /** n renewals by refresh token in one long-lived authenticated tab. */
  async renewals(n: number): Promise<void> {
    lab.renewTab ??= (await loggedInTab()).injector;
    const auth = lab.renewTab.get(AuthService);
    for (let i = 0; i < n; i++) {
      const before = auth.accessToken();
      const token = await auth.getAccessToken({ forceRefresh: true });
      if (!token || token === before) throw new Error(`renewal ${i} gave no new token`);
    }
  },

  /**
   * ms for n sequential GETs through HttpClient (see {@link HttpBackendKind}): `without` any
   * interceptor, with the `floor` (a minimal interceptor that only adds a fixed Authorization
   * header: what any header-adding interceptor pays), `with` authInterceptor (authenticated), or
   * `dpop`: authInterceptor with withDpop() (`Authorization: DPoP` and a new proof per request,
   * signed with the real non-extractable key from IndexedDB).
   */
  httpTabs: {} as Record<string, HttpClient>,
  async http(n: number, mode: HttpMode, backend: HttpBackendKind = 'instant'): Promise<number> {
    const key = `${mode} ${backend}`;
    if (!lab.httpTabs[key]) {
      const interceptors = mode === 'with' || mode === 'dpop' ? [withInterceptors([authInterceptor])] : mode === 'floor' ? [withInterceptors([floorInterceptor])] : [];
      const client = (probe?: HttpBackend): (Provider | EnvironmentProviders)[] =>
        backend === 'fetch'
          ? [provideHttpClient(withFetch(), ...interceptors)]
          : [provideHttpClient(...interceptors), { provide: HttpBackend, useValue: probe ?? instantBackend }];
      // The same app each way (ngx-oidc set up, a user logged in): only the interceptors differ.
      const { injector } = await loggedInTab(client(), mode === 'dpop');
      lab.httpTabs[key] = injector.get(HttpClient);
      // Check once that the token goes out (and only then).
      let sent: string | null = null;
      let proof: string | null = null;
      const probe: HttpBackend = {
        handle: (req) => {
          sent = req.headers.get('Authorization');
          proof = req.headers.get('DPoP');
          return of(new HttpResponse({ status: 200, body: null }));
        },
      };
      const probeInjector = createEnvironmentInjector(client(probe), injector);
      apiAuthorization = null;
      const body = await firstValueFrom(probeInjector.get(HttpClient).get(`${API}/messages`));
      probeInjector.destroy();
      if (backend === 'fetch') {
        sent = apiAuthorization;
        if (JSON.stringify(body) !== '{"messages":[]}') throw new Error(`in-process API answered ${JSON.stringify(body)}`);
      }
      const expected = mode === 'with' ? /^Bearer at-/ : mode === 'dpop' ? /^DPoP at-/ : mode === 'floor' ? /^Bearer x$/ : null;
      if (expected ? !expected.test(sent ?? '') : sent !== null) throw new Error(`Authorization header ${JSON.stringify(sent)} (mode ${key})`);
      // The fetch backend's probe reads only the Authorization header; the instant one sees the proof.
      if (backend === 'instant' && (mode === 'dpop') !== (proof !== null)) throw new Error(`DPoP header ${JSON.stringify(proof)} (mode ${key})`);
    }
    const http = lab.httpTabs[key];
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await firstValueFrom(http.get(`${API}/messages`));
    return performance.now() - t0;
  },

  guardTab: undefined as EnvironmentInjector | undefined,
  /** ms for n authGuard decisions for an authenticated user. */
  async guard(n: number): Promise<number> {
    lab.guardTab ??= (await loggedInTab()).injector;
    const injector = lab.guardTab;
    const route = {} as ActivatedRouteSnapshot;
    const state = { url: '/profile' } as RouterStateSnapshot;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      let result = runInInjectionContext(injector, () => authGuard(route, state)) as unknown;
      if (result instanceof Promise) result = await result;
      else if (result && typeof (result as { subscribe?: unknown }).subscribe === 'function') result = await firstValueFrom(result as never);
      if (result !== true) throw new Error(`guard said ${String(result)}`);
    }
    return performance.now() - t0;
  },

  /** ms for n jose jwtVerify calls of one ID token with a local (warm) JWKS (performance.now() is coarse: batch). */
  async joseVerify(n: number): Promise<number> {
    const token = await idToken('n');
    const jwks = createLocalJWKSet({ keys: [keys.jwk] });
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await jwtVerify(token, jwks, { issuer: ISSUER, audience: CLIENT_ID });
    return performance.now() - t0;
  },
};

(window as unknown as { lab: typeof lab }).lab = lab;
document.body.dataset['labReady'] = 'loading';
lab.ready().then(
  () => (document.body.dataset['labReady'] = 'yes'),
  (err) => {
    console.error(err);
    document.body.dataset['labReady'] = `error: ${String(err)}`;
  },
);
