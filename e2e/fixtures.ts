// Shared fixtures and helpers for the e2e specs.
import { test as base, expect, type Locator, type Page, type Request } from '@playwright/test';
import { readE2eEnv, type E2eEnv } from './env';

export { expect };

export const USERS = {
  alice: { username: 'alice', password: 'wonderland', name: 'Alice' },
  bob: { username: 'bob', password: 'builder', name: 'Bob' },
} as const;

export const test = base.extend<{}, { env: E2eEnv }>({
  env: [
    async ({}, use) => {
      await use(readE2eEnv());
    },
    { scope: 'worker' },
  ],
});

export function origin(url: string): string {
  return new URL(url).origin;
}

/** True when `url` is on the provider (issuer) origin. */
export function onProvider(env: E2eEnv, url: URL | string): boolean {
  return new URL(url.toString()).origin === origin(env.issuer);
}

/** True when `url` is on the demo app origin. */
export function onDemo(env: E2eEnv, url: URL | string): boolean {
  return new URL(url.toString()).origin === origin(env.demoUrl);
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The local provider's discovery document: tests read endpoints from it, never guess them. */
export async function providerDiscovery(page: Page, env: E2eEnv): Promise<Record<string, unknown>> {
  const response = await page.request.get(`${env.issuer}/.well-known/openid-configuration`);
  expect(response.status()).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

/** Decodes a JWT payload (no verification). */
export function decodeJwtPayload(jwt: string): Record<string, unknown> {
  const parts = jwt.split('.');
  if (parts.length !== 3)
    throw new Error(`not a JWS compact JWT (${parts.length} parts): ${jwt.slice(0, 40)}…`);
  return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
}

export function expectAudience(
  payload: Record<string, unknown>,
  audience: string | undefined,
): void {
  expect(audience, 'apiAudience in demo-env.json').toBeTruthy();
  const aud = payload['aud'];
  const auds = Array.isArray(aud) ? aud : [aud];
  expect(auds, `JWT aud ${JSON.stringify(aud)}`).toContain(audience);
}

/** Opens the demo home page and waits until the app has settled on "anonymous". */
export async function openDemoAnonymous(page: Page, env: E2eEnv): Promise<void> {
  await page.goto(env.demoUrl + '/');
  await expect(page.getByTestId('auth-status')).toHaveText('anonymous');
}

/** Waits until the page is on the provider and its login form is shown. */
export async function expectProviderLoginForm(page: Page, env: E2eEnv): Promise<void> {
  await page.waitForURL((url) => onProvider(env, url));
  await expect(page.locator('input[name=username]')).toBeVisible();
  await expect(page.locator('input[name=password]')).toBeVisible();
}

/**
 * Fills the provider's login form and submits it. Does not wait for the
 * redirect back (see `finishOnDemo`).
 */
export async function submitProviderLogin(
  page: Page,
  env: E2eEnv,
  user: { username: string; password: string } = USERS.alice,
): Promise<void> {
  await expectProviderLoginForm(page, env);
  await page.locator('input[name=username]').fill(user.username);
  await page.locator('input[name=password]').fill(user.password);
  const form = page.locator('form', { has: page.locator('input[name=password]') });
  await submitProviderPage(
    page,
    form.locator('button[type=submit], input[type=submit], button:not([type])').first(),
  );
}

/** Set on a provider page's window when the test submits it (see `submitProviderPage`). */
const SUBMITTED = '__e2eSubmitted';

/**
 * Clicks `submit`, which submits the provider page shown, after marking that page: until the
 * next page replaces it, `finishOnDemo` knows it is on its way out, however long the navigation
 * takes on a busy machine, and never takes it for an extra interaction page to confirm.
 */
export async function submitProviderPage(page: Page, submit: Locator): Promise<void> {
  await submit.waitFor();
  await page.evaluate((key) => {
    (window as unknown as Record<string, unknown>)[key] = true;
  }, SUBMITTED);
  await submit.click();
}

/** True while the page shown is one the test submitted (or is being replaced right now). */
async function isSubmittedPage(page: Page): Promise<boolean> {
  return page
    .evaluate((key) => (window as unknown as Record<string, unknown>)[key] === true, SUBMITTED)
    .catch(() => true);
}

/**
 * Waits until the browser is back on the demo. If the provider shows an extra
 * interaction page (consent) it is confirmed, with a warning in the log —
 * the demo backend is expected to skip consent for the first-party client.
 */
export async function finishOnDemo(page: Page, env: E2eEnv): Promise<void> {
  const deadline = Date.now() + 30_000;
  let confirmedConsent = false;
  while (Date.now() < deadline) {
    if (onDemo(env, page.url())) break;
    await page.waitForURL((url) => onDemo(env, url), { timeout: 3_000 }).catch(() => undefined);
    if (onDemo(env, page.url())) break;
    // Still on the provider: a consent page (a page the test did not submit, no password
    // field, a submit button)? The page the test submitted can stay for seconds on a busy
    // machine, and clicking it again would send its form twice.
    if (
      !confirmedConsent &&
      onProvider(env, page.url()) &&
      !(await isSubmittedPage(page)) &&
      (await page.locator('input[name=password]').count()) === 0
    ) {
      const submit = page
        .locator('form button[type=submit], form input[type=submit], form button:not([type])')
        .first();
      if (await submit.isVisible().catch(() => false)) {
        console.warn(
          `[e2e] provider showed an extra interaction page (${page.url()}); confirming it`,
        );
        confirmedConsent = true;
        await submitProviderPage(page, submit);
      }
    }
  }
  // Fails when the loop ran out of time on the provider. Only the URL counts here ('commit'):
  // the page's load event can come seconds later on a busy machine, and callers wait for the
  // app's own state (auth-status) next.
  await page.waitForURL((url) => onDemo(env, url), { timeout: 1_000, waitUntil: 'commit' });
}

/**
 * Clicks the demo's logout button and waits until the provider has ended its session and sent
 * the page back to the demo (RP-Initiated Logout round trip). The end is a state, not a URL: the
 * page is on the demo both before it leaves for the provider and after it comes back, and
 * click() may return before the browser reports the navigation (a busy machine), so waiting for
 * a demo URL could pass at once. The request that brings the page back (the provider's redirect
 * after its sign-out) only exists once the provider has ended its session.
 */
export async function logoutThroughProvider(page: Page, env: E2eEnv): Promise<void> {
  const sentBack = page.waitForRequest(
    (request) =>
      request.isNavigationRequest() &&
      request.frame() === page.mainFrame() &&
      onDemo(env, request.url()) &&
      onProvider(env, request.redirectedFrom()?.url() ?? 'about:blank'),
    { timeout: 30_000 },
  );
  await page.getByTestId('logout-button').click();
  await sentBack;
  await page.waitForURL((url) => onDemo(env, url), { waitUntil: 'commit' });
}

/** Full password login starting from the demo home page; ends authenticated. */
export async function loginWithPassword(
  page: Page,
  env: E2eEnv,
  user: { username: string; password: string } = USERS.alice,
): Promise<void> {
  await openDemoAnonymous(page, env);
  await page.getByTestId('login-button').click();
  await submitProviderLogin(page, env, user);
  await finishOnDemo(page, env);
  await expect(page.getByTestId('auth-status')).toHaveText('authenticated');
}

/** Clicks `api-call-button` and returns the GET request the browser sent to `<apiUrl>/api/messages`. */
export async function callApi(page: Page, env: E2eEnv): Promise<Request> {
  const requestPromise = page.waitForRequest(
    (r) => r.method() === 'GET' && r.url().startsWith(env.apiUrl + '/api/messages'),
  );
  await page.getByTestId('api-call-button').click();
  const request = await requestPromise;
  await expect(page.getByTestId('api-result')).toHaveText(/\S/);
  return request;
}

/** Returns the bearer token of a request, or undefined. */
export async function bearerToken(request: Request): Promise<string | undefined> {
  const authorization = (await request.allHeaders())['authorization'];
  const match = authorization?.match(/^Bearer\s+(.+)$/i);
  return match?.[1];
}

/** The settings the demo reads from `/demo-env.json` (see projects/demo/src/app/demo-env.ts). */
export interface DemoEnvOverrides {
  authority?: string;
  clientId?: string;
  apiUrl?: string;
  apiAudience?: string;
  foreignApiUrl?: string;
  responseType?: 'code' | 'id_token token' | 'id_token' | 'code id_token';
  nonce?: string;
  loadUserInfo?: boolean;
  /** Pushed authorization requests (`withPushedAuthorizationRequests({ mode })`); absent: none. */
  par?: 'auto' | 'required';
  /** DPoP-bound tokens (`withDpop()`); absent: Bearer. */
  dpop?: boolean;
}

/**
 * Serves this page its own `/demo-env.json`: the e2e run's settings with `overrides` on top.
 * Call before the first navigation; it holds for every page load of `page` (redirects too).
 * Returns the settings served.
 */
export async function routeDemoEnv(
  page: Page,
  env: E2eEnv,
  overrides: DemoEnvOverrides = {},
): Promise<Record<string, unknown>> {
  // The URLs come from the env vars of this run (readE2eEnv), not from the shared
  // e2e-env.json/demo-env.json files, which a concurrent run may have rewritten.
  const served = {
    ...env.demoEnv,
    authority: env.issuer,
    apiUrl: env.apiUrl,
    foreignApiUrl: env.foreignApiUrl,
    ...overrides,
  };
  await page.route('**/demo-env.json', (route) => route.fulfill({ json: served }));
  return served;
}

/**
 * Records the requests `page` sends to the provider origin after the navigation to the demo's
 * /callback starts. `untilNow()` freezes the list (call it as soon as "authenticated" shows).
 */
export function trackProviderRequestsAfterCallback(
  page: Page,
  env: E2eEnv,
): {
  callbackSeen: () => boolean;
  untilNow: () => Request[];
  describe: (list: Request[]) => string;
} {
  let callbackLoadedAt: number | undefined;
  const after: Request[] = [];
  page.on('request', (r) => {
    if (r.isNavigationRequest() && r.url().startsWith(env.demoUrl + '/callback')) {
      callbackLoadedAt = Date.now();
    } else if (callbackLoadedAt !== undefined && onProvider(env, r.url())) {
      after.push(r);
    }
  });
  return {
    callbackSeen: () => callbackLoadedAt !== undefined,
    untilNow: () => after.slice(),
    describe: (list) =>
      list.map((r) => `${r.method()} ${new URL(r.url()).pathname}`).join(', ') || '(none)',
  };
}

/** Every sessionStorage/localStorage entry of the page's origin. */
export async function webStorageEntries(
  page: Page,
): Promise<{ area: 'sessionStorage' | 'localStorage'; key: string; value: string }[]> {
  return page.evaluate(() => {
    const out: { area: 'sessionStorage' | 'localStorage'; key: string; value: string }[] = [];
    for (const [area, storage] of [
      ['sessionStorage', window.sessionStorage],
      ['localStorage', window.localStorage],
    ] as const) {
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i);
        if (key !== null) out.push({ area, key, value: storage.getItem(key) ?? '' });
      }
    }
    return out;
  });
}

/**
 * The demo's stored session (storage 'session', key `ngx-oidc.session.<issuer> <clientId>`,
 * see scopeName in projects/ngx-oidc/src/lib/core/session-store.ts), or null. Without `issuer`,
 * the one session of `clientId` at whatever issuer the page uses.
 */
export async function storedDemoSession(
  page: Page,
  clientId = 'ngx-oidc-demo',
  issuer?: string,
): Promise<{
  tokens: { idToken?: string; accessToken?: string; [key: string]: unknown };
  user: Record<string, unknown>;
} | null> {
  const raw = await page.evaluate(
    ([clientId, issuer]) => {
      const keys = Object.keys(window.sessionStorage).filter((key) =>
        issuer === undefined
          ? key.startsWith('ngx-oidc.session.') && key.endsWith(` ${clientId}`)
          : key === `ngx-oidc.session.${issuer} ${clientId}`,
      );
      return keys.length === 1 ? window.sessionStorage.getItem(keys[0]) : null;
    },
    [clientId, issuer] as const,
  );
  return raw === null ? null : JSON.parse(raw);
}

/**
 * Waits until the demo shows "authenticated" or an auth error, and fails at once with the
 * error's code and message in the latter case.
 */
export async function expectAuthenticatedOrShowError(page: Page): Promise<void> {
  const authenticated = page.getByTestId('auth-status').filter({ hasText: 'authenticated' });
  const authError = page.getByTestId('auth-error');
  await expect(authenticated.or(authError).first()).toBeVisible();
  if ((await authError.count()) > 0) {
    const message = await page.getByTestId('auth-error-message').textContent();
    expect(
      `${await authError.textContent()}: ${message}`,
      'auth error instead of "authenticated"',
    ).toBe('');
  }
  await expect(page.getByTestId('auth-status')).toHaveText('authenticated');
}
