// Request counts and login timing against the real local provider (projects/demo-backend), with
// the demo app built in production mode into bench/.out/demo, in headless Chromium.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startApi } from '../../projects/demo-backend/api.mjs';
import { CLIENT_ID, startProvider } from '../../projects/demo-backend/provider.mjs';
import { DEFAULT_API_AUDIENCE, DEFAULT_MANAGEMENT_AUDIENCE } from '../../projects/demo-backend/resources.mjs';
import { BENCH, NG, ROOT } from './bundle.mjs';
import { serveStatic, summarize } from './browser.mjs';

const DEMO_OUT = join(BENCH, '.out', 'demo');
const DEMO_BROWSER = join(DEMO_OUT, 'browser');

function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of readdirSync(path)) max = Math.max(max, newest(join(path, e)));
  return max;
}

/** Builds the demo (production) into bench/.out/demo unless the build is newer than its sources. */
export function ensureDemoBuild(log = console.log) {
  const index = join(DEMO_BROWSER, 'index.html');
  const sources = [join(ROOT, 'projects', 'demo', 'src'), join(ROOT, 'projects', 'ngx-oidc', 'src'), join(ROOT, 'angular.json')];
  if (existsSync(index) && sources.every((s) => newest(s) < statSync(index).mtimeMs)) return 0;
  const started = Date.now();
  log('building the demo (production) into bench/.out/demo');
  const r = spawnSync(process.execPath, [NG, 'build', 'demo', '--configuration', 'production', '--output-path', DEMO_OUT, '--progress=false'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NG_CLI_ANALYTICS: 'false' },
  });
  if (r.status !== 0) throw new Error(`demo build failed:\n${r.stdout}\n${r.stderr}`);
  return (Date.now() - started) / 1000;
}

/** Records, in the page, the performance.now() at which auth-status first reads "authenticated". */
function recordAuthenticatedAt() {
  const check = () => {
    const el = document.querySelector('[data-testid="auth-status"]');
    if (el && el.textContent.trim() === 'authenticated' && window.__authAt === undefined) {
      window.__authAt = performance.now();
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true, characterData: true });
}

export async function providerFigures(browser, { runs = 20, log = console.log } = {}) {
  const demoBuildSeconds = ensureDemoBuild(log);
  let demoEnv = {};
  let overrides = {};
  const demo = await serveStatic(DEMO_BROWSER, { '/demo-env.json': () => ({ ...demoEnv, ...overrides }) });
  const origins = [demo.url, `http://127.0.0.1:${demo.port}`];
  const quiet = () => undefined;
  const idp = await startProvider({ port: 0, demoOrigins: origins, log: quiet });
  const api = await startApi({
    port: 0,
    issuer: idp.issuer,
    jwksUri: `http://127.0.0.1:${idp.port}/jwks`,
    audience: DEFAULT_API_AUDIENCE,
    managementAudience: DEFAULT_MANAGEMENT_AUDIENCE,
    allowedOrigins: origins,
    log: quiet,
  });
  demoEnv = {
    authority: idp.issuer,
    clientId: CLIENT_ID,
    apiUrl: api.url,
    apiAudience: DEFAULT_API_AUDIENCE,
    foreignApiUrl: `http://127.0.0.1:${api.port}`,
    managementAudience: DEFAULT_MANAGEMENT_AUDIENCE,
    renewal: 'refresh_token',
  };
  const idpOrigin = new URL(idp.issuer).origin;

  /** One login of alice in a fresh context; returns counts and times, and the page (still open). */
  async function login() {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(recordAuthenticatedAt);
    const seen = { phase: 'before', callback: [], reload: [], renewal: [] };
    page.on('request', (r) => {
      if (r.isNavigationRequest() && r.url().startsWith(demo.url + '/callback')) seen.phase = 'callback';
      else if (seen.phase !== 'before' && new URL(r.url()).origin === idpOrigin) {
        seen[seen.phase].push(`${r.method()} ${new URL(r.url()).pathname}`);
      }
    });
    await page.goto(demo.url + '/');
    await page.getByTestId('auth-status').filter({ hasText: 'anonymous' }).waitFor();
    await page.getByTestId('login-button').click();
    await page.waitForURL((u) => u.origin === idpOrigin);
    await page.locator('input[name=username]').fill('alice');
    await page.locator('input[name=password]').fill('wonderland');
    await page.locator('form', { has: page.locator('input[name=password]') }).locator('button').first().click();
    const ms = await authenticatedMs(page);
    const callbackRequests = seen.callback.slice();
    return { context, page, seen, ms, callbackRequests };
  }

  /** ms from the document's fetchStart to auth-status "authenticated" (recorded in the page). */
  async function authenticatedMs(page) {
    await page.waitForFunction(() => window.__authAt !== undefined || document.querySelector('[data-testid="auth-error"]'), null, { timeout: 30_000 });
    const r = await page.evaluate(() => ({
      at: window.__authAt,
      error: document.querySelector('[data-testid="auth-error-message"]')?.textContent,
      fetchStart: performance.getEntriesByType('navigation')[0].fetchStart,
      // User Timing entries the library publishes while it completes a callback.
      ownMs: performance.getEntriesByName('ngx-oidc:callback:own-time').at(-1)?.detail?.ms,
      spanMs: performance.getEntriesByName('ngx-oidc:callback').at(-1)?.duration,
    }));
    if (r.at === undefined) throw new Error(`login failed in the demo: ${r.error}`);
    lastCallbackTiming = { ownMs: r.ownMs, spanMs: r.spanMs };
    return r.at - r.fetchStart;
  }

  let lastCallbackTiming = {};
  const callbackMs = [];
  const callbackOwnMs = [];
  const callbackSpanMs = [];
  const reloadMs = [];
  const renewMs = [];
  const counts = { code: [], reload: [], renewal: [], implicit: [] };
  const lists = {};
  try {
    for (let i = 0; i <= runs; i++) {
      const { context, page, seen, ms, callbackRequests } = await login();
      const callbackTiming = lastCallbackTiming;
      // Reload with a still-valid session (storage 'session').
      seen.phase = 'reload';
      await page.reload();
      const reloadTime = await authenticatedMs(page);
      const reloadRequests = seen.reload.slice();
      // One renewal (refresh token), through the demo's "Renew" button.
      seen.phase = 'renewal';
      const t0 = Date.now();
      await page.getByTestId('renew-button').click();
      await page.getByTestId('renew-result').filter({ hasText: /\S/ }).waitFor();
      const renewText = (await page.getByTestId('renew-result').textContent()).trim();
      const renewTime = Date.now() - t0;
      if (renewText !== 'renewed') throw new Error(`renewal failed: ${renewText}`);
      const renewalRequests = seen.renewal.slice();
      await context.close();
      if (i === 0) continue; // warm-up (server JIT, first provider keys), not counted
      callbackMs.push(ms);
      if (typeof callbackTiming.ownMs === 'number') callbackOwnMs.push(callbackTiming.ownMs);
      if (typeof callbackTiming.spanMs === 'number') callbackSpanMs.push(callbackTiming.spanMs);
      reloadMs.push(reloadTime);
      renewMs.push(renewTime);
      counts.code.push(callbackRequests.length);
      counts.reload.push(reloadRequests.length);
      counts.renewal.push(renewalRequests.length);
      lists.code = callbackRequests;
      lists.reload = reloadRequests;
      lists.renewal = renewalRequests;
    }
    overrides = { responseType: 'id_token token' };
    for (let i = 0; i < 3; i++) {
      const { context, callbackRequests } = await login();
      counts.implicit.push(callbackRequests.length);
      lists.implicit = callbackRequests;
      await context.close();
    }
  } finally {
    overrides = {};
    await api.close?.();
    await idp.close?.();
    await demo.close();
  }
  const maxOf = (a) => Math.max(...a);
  return {
    demoBuildSeconds,
    requests: {
      codeCallback: { max: maxOf(counts.code), all: [...new Set(counts.code)], requests: lists.code },
      implicitCallback: { max: maxOf(counts.implicit), all: [...new Set(counts.implicit)], requests: lists.implicit },
      reloadValidSession: { max: maxOf(counts.reload), all: [...new Set(counts.reload)], requests: lists.reload },
      renewal: { max: maxOf(counts.renewal), all: [...new Set(counts.renewal)], requests: lists.renewal },
    },
    time: {
      callbackToAuthenticated: summarize(callbackMs),
      callbackLibrarySpan: callbackSpanMs.length ? summarize(callbackSpanMs) : undefined,
      callbackLibraryOwn: callbackOwnMs.length ? summarize(callbackOwnMs) : undefined,
      reloadToAuthenticated: summarize(reloadMs),
      renewalButtonToRenewed: summarize(renewMs),
    },
  };
}
