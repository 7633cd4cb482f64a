// A dedicated OpenID Provider + demo API (projects/demo-backend, in-process, free ports) for the
// renewal and tab specs, which need short token lifetimes and request counters (/__stats) of
// their own. `test` here gives every test a fresh backend (`backend` fixture, configured with
// `test.use({ backendOptions: … })`), closed after the test whatever happens.
import type { BrowserContext, Page, Request } from '@playwright/test';
import type { E2eEnv } from './env';
import { decodeJwtPayload, expect, origin, test as base } from './fixtures';

/** Counters of the provider's `/__stats` (see projects/demo-backend/README.md). */
export interface ProviderStats {
  token: { authorization_code: number; refresh_token: number };
  authorize: number;
}

export interface RenewalBackendOptions {
  /** Lifetimes in seconds (provider defaults for the missing ones). */
  ttl?: { AccessToken?: number; IdToken?: number; RefreshToken?: number; Session?: number };
  /** The API's leeway for `exp`; default 0 so an expired token really is refused. */
  clockTolerance?: number;
}

export interface RenewalBackend {
  /** http://localhost:<port> (same-site with the demo, so silent authentication works). */
  readonly issuer: string;
  /** http://localhost:<port> of the API (demo API under /api, management API under /management). */
  readonly apiUrl: string;
  /** The same API as http://127.0.0.1:<port>. */
  readonly foreignApiUrl: string;
  readonly apiAudience: string;
  readonly managementAudience: string;
  /** GET /__stats. */
  stats(): Promise<ProviderStats>;
  /** POST /__stats/reset. */
  resetStats(): Promise<ProviderStats>;
  /** The backend's log lines so far. */
  logs(): string[];
  close(): Promise<void>;
}

/** The demo-env.json keys the renewal specs set (see projects/demo/src/app/demo-env.ts). */
export interface RenewalDemoEnv {
  renewal?: 'refresh_token' | 'silent';
  [key: string]: unknown;
}

/**
 * Starts a provider and an API on free loopback ports, for the e2e demo's origins. The caller
 * closes it (the `backend` fixture does).
 */
export async function startRenewalBackend(
  env: E2eEnv,
  options: RenewalBackendOptions = {},
): Promise<RenewalBackend> {
  const demo = new URL(env.demoUrl);
  const demoOrigins = [
    ...new Set([demo.origin, `${demo.protocol}//127.0.0.1:${demo.port}`, origin(env.demoUrl)]),
  ];
  const lines: string[] = [];
  const log = (line: string) => {
    lines.push(`${new Date().toISOString()} ${line}`);
    if (lines.length > 2000) lines.splice(0, lines.length - 2000);
  };
  const { provider, api: apiModule, warnings } = await loadBackendModules();
  warnings.forEach(log);
  const { startProvider, DEFAULT_API_AUDIENCE, DEFAULT_MANAGEMENT_AUDIENCE } = provider;
  const { startApi } = apiModule;
  const apiAudience = String(env.demoEnv.apiAudience ?? DEFAULT_API_AUDIENCE);
  const managementAudience = String(
    env.demoEnv['managementAudience'] ?? DEFAULT_MANAGEMENT_AUDIENCE,
  );

  const idp = await withProviderWarningsIn(log, () =>
    startProvider({
      port: 0,
      demoOrigins,
      apiAudience,
      managementAudience,
      ttl: options.ttl ?? {},
      log,
    }),
  );
  let api: Awaited<ReturnType<typeof startApi>>;
  try {
    api = await startApi({
      port: 0,
      issuer: idp.issuer,
      jwksUri: `http://127.0.0.1:${idp.port}/jwks`,
      audience: apiAudience,
      managementAudience,
      allowedOrigins: demoOrigins,
      clockTolerance: options.clockTolerance ?? 0,
      log,
    });
  } catch (err) {
    await idp.close();
    throw err;
  }

  // The provider listens on 127.0.0.1 only (localhost may resolve to ::1 in Node).
  const statsUrl = `http://127.0.0.1:${idp.port}/__stats`;
  const readStats = async (url: string, method: 'GET' | 'POST') => {
    const response = await fetch(url, { method });
    if (!response.ok) throw new Error(`${method} ${url}: HTTP ${response.status}`);
    return (await response.json()) as ProviderStats;
  };
  let closed = false;
  return {
    issuer: idp.issuer,
    apiUrl: api.url,
    foreignApiUrl: `http://127.0.0.1:${api.port}`,
    apiAudience,
    managementAudience,
    stats: () => readStats(statsUrl, 'GET'),
    resetStats: () => readStats(`${statsUrl}/reset`, 'POST'),
    logs: () => lines.slice(),
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.allSettled([api.close(), idp.close()]);
    },
  };
}

interface BackendModules {
  provider: typeof import('../projects/demo-backend/provider.mjs');
  api: typeof import('../projects/demo-backend/api.mjs');
  /** oidc-provider's warnings while its module loaded (logged by every backend of the worker). */
  warnings: string[];
}

let backendModules: Promise<BackendModules> | undefined;

/**
 * Loads the provider and API modules once per worker. The first load (oidc-provider, koa, jose,
 * through Playwright's module loader) takes 2–21 s on a busy machine: the `backendModules`
 * worker fixture pays it outside any test's timeout.
 */
function loadBackendModules(): Promise<BackendModules> {
  backendModules ??= (async () => {
    const warnings: string[] = [];
    const provider = await withProviderWarningsIn(
      (line) => warnings.push(line),
      () => import('../projects/demo-backend/provider.mjs'),
    );
    const api = await import('../projects/demo-backend/api.mjs');
    return { provider, api, warnings };
  })();
  backendModules.catch(() => (backendModules = undefined)); // a failed load is tried again
  return backendModules;
}

/**
 * Runs `fn` with oidc-provider's start-up warnings (development adapter, Node version) going to
 * `log` instead of the test output. Tests of one worker never overlap, so swapping
 * `console.warn` for the duration is safe.
 */
async function withProviderWarningsIn<T>(
  log: (line: string) => void,
  fn: () => Promise<T>,
): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    const text = args.map(String).join(' ');
    if (text.includes('oidc-provider WARNING')) log(text);
    else warn(...args);
  };
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}

/**
 * The e2e environment with the provider and API URLs of `backend`, for the fixtures' helpers
 * (`loginWithPassword`, `callApi`, …), which recognise the provider by `issuer`.
 */
export function backendEnv(env: E2eEnv, backend: RenewalBackend): E2eEnv {
  return {
    ...env,
    issuer: backend.issuer,
    apiUrl: backend.apiUrl,
    foreignApiUrl: backend.foreignApiUrl,
  };
}

/**
 * Serves `/demo-env.json` pointing the demo at `backend` (plus `overrides`) to a page, or to
 * every page of a context. Call before the first navigation. Returns the settings served.
 */
export async function routeBackendDemoEnv(
  target: Page | BrowserContext,
  env: E2eEnv,
  backend: RenewalBackend,
  overrides: RenewalDemoEnv = {},
): Promise<Record<string, unknown>> {
  const served = {
    ...env.demoEnv,
    authority: backend.issuer,
    apiUrl: backend.apiUrl,
    foreignApiUrl: backend.foreignApiUrl,
    apiAudience: backend.apiAudience,
    managementAudience: backend.managementAudience,
    ...overrides,
  };
  await target.route('**/demo-env.json', (route) => route.fulfill({ json: served }));
  return served;
}

/**
 * `test` with a fresh provider + API per test (`backend`), configured by `backendOptions`. The
 * backend's modules are loaded once per worker, before its first test starts (`backendModules`).
 */
export const test = base.extend<
  {
    backendOptions: RenewalBackendOptions;
    backend: RenewalBackend;
  },
  { backendModules: void }
>({
  // A worker fixture with a timeout of its own: its set-up does not count towards the 60 s of
  // the worker's first test (https://playwright.dev/docs/test-fixtures#fixture-timeout).
  backendModules: [
    async ({}, use) => {
      await loadBackendModules();
      await use();
    },
    { scope: 'worker', timeout: 120_000 },
  ],
  backendOptions: [{}, { option: true }],
  backend: async ({ env, backendOptions, backendModules: _loaded }, use, testInfo) => {
    const backend = await startRenewalBackend(env, backendOptions);
    try {
      await use(backend);
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach('backend.log', {
          body: backend.logs().join('\n'),
          contentType: 'text/plain',
        });
        await testInfo
          .attach('stats.json', {
            body: JSON.stringify(await backend.stats().catch((e) => String(e))),
            contentType: 'application/json',
          })
          .catch(() => undefined);
      }
      await backend.close();
    }
  },
});

export { expect };

/** The texts of the session card's event lines, newest first ([] when the card is hidden). */
export async function eventLines(page: Page): Promise<string[]> {
  return (await page.getByTestId('event').allTextContents()).map((t) => t.trim());
}

/** How many event lines say exactly `label`. */
export async function countEvents(page: Page, label: string): Promise<number> {
  return (await eventLines(page)).filter((line) => line === label).length;
}

/** The ISO time of `token-expiry` (without the ticking countdown). */
export async function tokenExpiryIso(page: Page): Promise<string> {
  const text = (await page.getByTestId('token-expiry').textContent()) ?? '';
  return text.split(' ')[0];
}

/** The exp (epoch seconds) of a JWT access token. */
export function jwtExp(token: string): number {
  return Number(decodeJwtPayload(token)['exp']);
}

/**
 * Keeps a reference to the demo's `AuthEventLog` entries (through Angular's dev-mode `ng`
 * debugging API and the session card's `events` signal), so the events can still be read after
 * the card is hidden (it is only shown while authenticated). Call while the card is shown;
 * returns false when the build has no `ng` debugging API (production build).
 */
export async function keepAuthEvents(page: Page): Promise<boolean> {
  await expect(page.locator('app-session-panel')).toBeVisible();
  return page.evaluate(() => {
    const w = window as unknown as {
      ng?: { getComponent(el: Element): unknown };
      __e2eAuthEvents?: () => readonly { type: string; code?: string }[];
    };
    const el = document.querySelector('app-session-panel');
    const panel = el && w.ng?.getComponent(el);
    const events = (panel as { events?: unknown } | null | undefined)?.events;
    if (typeof events !== 'function') return false;
    w.__e2eAuthEvents = events as () => readonly { type: string; code?: string }[];
    return true;
  });
}

/** The events kept by {@link keepAuthEvents}, newest first, as `type[ code]`. */
export async function keptAuthEvents(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const w = window as unknown as {
      __e2eAuthEvents?: () => readonly { type: string; code?: string }[];
    };
    return (w.__e2eAuthEvents?.() ?? []).map((e) => (e.code ? `${e.type} ${e.code}` : e.type));
  });
}

/** Requests whose URL starts with `prefix` sent by any page of `context` (also iframes). */
export function recordRequests(
  context: BrowserContext,
  filter: (r: Request) => boolean,
): Request[] {
  const seen: Request[] = [];
  context.on('request', (r) => {
    if (filter(r)) seen.push(r);
  });
  return seen;
}
