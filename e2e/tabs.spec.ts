// Two tabs of the demo (two pages of one browser context, storage 'session' = per tab): a login
// in one reaches the other, renewals are shared (one provider request per round, whichever tab's
// timer or button asked), and a logout ends both. Backend of their own (e2e/renewal-backend.ts).
import type { BrowserContext, Page, Request, Route } from '@playwright/test';
import type { E2eEnv } from './env';
import {
  finishOnDemo,
  loginWithPassword,
  onDemo,
  onProvider,
  submitProviderLogin,
} from './fixtures';
import {
  backendEnv,
  countEvents,
  eventLines,
  expect,
  routeBackendDemoEnv,
  test,
  tokenExpiryIso,
  type RenewalBackend,
} from './renewal-backend';

test.describe.configure({ mode: 'parallel' });

/**
 * Opens tab B on the demo (anonymous), logs in in tab A (the fixture's page) and waits until
 * tab B follows without a login of its own.
 */
async function loginInTabAFollowedByB(
  context: BrowserContext,
  tabA: Page,
  env: E2eEnv,
  backend: RenewalBackend,
): Promise<Page> {
  await routeBackendDemoEnv(context, env, backend, { renewal: 'refresh_token' });
  const tabB = await context.newPage();
  await tabB.goto(env.demoUrl + '/');
  await expect(tabB.getByTestId('auth-status')).toHaveText('anonymous');

  await loginWithPassword(tabA, backendEnv(env, backend));
  await expect(tabB.getByTestId('auth-status')).toHaveText('authenticated');
  await expect(tabB.getByTestId('user-name')).toHaveText(
    (await tabA.getByTestId('user-name').textContent()) ?? '',
  );
  await expect.poll(() => eventLines(tabB)).toContain('session_synced');
  expect(await backend.stats(), 'one login for both tabs').toEqual({
    token: { authorization_code: 1, refresh_token: 0 },
    authorize: 1,
  });
  return tabB;
}

/** The `token-expiry` time both tabs show, once they agree and it differs from `previous`. */
async function nextSharedExpiry(tabA: Page, tabB: Page, previous: string): Promise<string> {
  let shared = '';
  await expect
    .poll(
      async () => {
        const [a, b] = [await tokenExpiryIso(tabA), await tokenExpiryIso(tabB)];
        shared = a === b && a !== previous ? a : '';
        return shared !== '';
      },
      {
        message: `both tabs show a new token expiry (after ${previous})`,
        timeout: 20_000,
        intervals: [100],
      },
    )
    .toBe(true);
  return shared;
}

test.describe('renewal with two tabs', () => {
  // Renewal every 5 s (half the lifetime); both tabs' timers fire at the same moment.
  test.use({ backendOptions: { ttl: { AccessToken: 10 } } });

  test('a login in tab A reaches tab B; both renew together with one refresh per round', async ({
    context,
    page: tabA,
    env,
    backend,
  }) => {
    const tabB = await loginInTabAFollowedByB(context, tabA, env, backend);
    let expiry = await nextSharedExpiry(tabA, tabB, '');

    for (let round = 1; round <= 2; round++) {
      expiry = await nextSharedExpiry(tabA, tabB, expiry);
      expect(
        (await backend.stats()).token.refresh_token,
        `refresh requests after round ${round}`,
      ).toBe(round);
    }
    // The tab that renewed says token_renewed, the other one session_synced.
    const renewedEvents =
      (await countEvents(tabA, 'token_renewed')) + (await countEvents(tabB, 'token_renewed'));
    expect(renewedEvents, 'token_renewed events in both tabs together').toBe(
      (await backend.stats()).token.refresh_token,
    );
    for (const tab of [tabA, tabB]) {
      await expect(tab.getByTestId('auth-status')).toHaveText('authenticated');
      const lines = await eventLines(tab);
      expect(
        lines.filter((l) => l.startsWith('renew_failed') || l === 'session_expired'),
        lines.join(', '),
      ).toEqual([]);
    }
    expect((await backend.stats()).token.authorization_code).toBe(1);
  });
});

test('the renew buttons of both tabs at once: one refresh request', async ({
  context,
  page: tabA,
  env,
  backend,
}) => {
  const tabB = await loginInTabAFollowedByB(context, tabA, env, backend);
  const before = await nextSharedExpiry(tabA, tabB, '');

  // Hold tab A's refresh request until tab B's renewal is under way too.
  let held = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  await context.route(
    (url) => url.origin === backend.issuer && url.pathname === '/token',
    async (route: Route) => {
      if (
        new URLSearchParams(route.request().postData() ?? '').get('grant_type') === 'refresh_token'
      ) {
        held++;
        await gate;
      }
      await route.fallback();
    },
  );
  const baseline = await backend.resetStats();
  expect(baseline.token.refresh_token).toBe(0);

  await tabA.getByTestId('renew-button').click();
  await expect.poll(() => held, { message: 'tab A sent a refresh request' }).toBe(1);
  await tabB.getByTestId('renew-button').click();
  await expect(tabA.getByTestId('renew-button')).toBeDisabled();
  await expect(tabB.getByTestId('renew-button')).toBeDisabled();
  release();

  await expect(tabA.getByTestId('renew-result')).toHaveText('renewed');
  await expect(tabB.getByTestId('renew-result')).toHaveText('renewed');
  expect(held, 'refresh requests sent by the browser').toBe(1);
  expect((await backend.stats()).token.refresh_token).toBe(1);
  const after = await nextSharedExpiry(tabA, tabB, before);
  expect(after > before, `${after} later than ${before}`).toBe(true);
  for (const tab of [tabA, tabB]) {
    await expect(tab.getByTestId('auth-status')).toHaveText('authenticated');
  }
});

test('logout in tab A ends the session in tab B too', async ({
  context,
  page: tabA,
  env,
  backend,
}) => {
  const tabB = await loginInTabAFollowedByB(context, tabA, env, backend);
  expect(await eventLines(tabB)).toEqual(['session_synced']);

  // The end of tab A's logout round trip is a state, not a URL: tab A is on the demo's '/' both
  // before it leaves for the provider and after the provider sends it back, and click() may
  // return before the browser reports the navigation (a busy machine). Waiting for '/' then
  // passed at once, and the next login's reload aborted the logout on its way: the provider's
  // session survived, no login form came, and the test timed out. The request that brings tab A
  // back (the redirect of POST /session/end/confirm) only exists once the provider has ended
  // its session.
  const sentBack = tabA.waitForRequest(
    (request: Request) =>
      request.isNavigationRequest() &&
      onDemo(env, request.url()) &&
      new URL(request.url()).pathname === '/' &&
      onProvider(backendEnv(env, backend), request.redirectedFrom()?.url() ?? 'about:blank'),
  );
  await tabA.getByTestId('logout-button').click();
  await expect(tabB.getByTestId('auth-status')).toHaveText('anonymous');
  await sentBack;
  await tabA.waitForURL((url) => onDemo(env, url) && new URL(url).pathname === '/', {
    waitUntil: 'commit',
  });
  await expect(tabA.getByTestId('auth-status')).toHaveText('anonymous');
  expect(backend.logs().some((line) => line.includes('[idp] logout alice'))).toBe(true);
  // Tab B sends nothing without a session.
  await tabB.getByTestId('api-call-button').click();
  await expect(tabB.getByTestId('api-result')).toHaveText('error not_authenticated');

  // Log in again in tab A, from where it is (no reload): tab B's events log (kept since its
  // start, hidden while anonymous) shows the logout between the two synchronisations.
  await tabA.getByTestId('login-button').click();
  await submitProviderLogin(tabA, backendEnv(env, backend));
  await finishOnDemo(tabA, backendEnv(env, backend));
  await expect(tabA.getByTestId('auth-status')).toHaveText('authenticated');
  await expect(tabB.getByTestId('auth-status')).toHaveText('authenticated');
  await expect
    .poll(() => eventLines(tabB))
    .toEqual(['session_synced', 'logged_out', 'session_synced']);
  expect(await backend.stats()).toEqual({
    token: { authorization_code: 2, refresh_token: 0 },
    authorize: 2,
  });
});

test('the tab channel carries no refresh token, and a forged session posted on it is ignored', async ({
  context,
  page: tabA,
  env,
  backend,
}) => {
  // Any script of the origin can listen to the channel and post on it; this one records.
  const channel = `ngx-oidc:${backend.issuer} ngx-oidc-demo`;
  await context.addInitScript((name) => {
    const heard: unknown[] = [];
    (window as unknown as { heard: unknown[] }).heard = heard;
    new BroadcastChannel(name).onmessage = (event) => heard.push(event.data);
  }, channel);
  await routeBackendDemoEnv(context, env, backend, { renewal: 'refresh_token' });
  const tabB = await context.newPage();
  await tabB.goto(env.demoUrl + '/');
  await expect(tabB.getByTestId('auth-status')).toHaveText('anonymous');

  // A forged ID token for mallory with an attacker's access token.
  const refused = tabB.waitForEvent('console', (msg) => msg.type() === 'warning' && msg.text().startsWith('ngx-oidc:'));
  await tabB.evaluate(
    ({ name, issuer }) => {
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: issuer, sub: 'mallory', aud: 'ngx-oidc-demo', iat: now, exp: now + 3600 };
      const tokens = {
        idToken: 'x.y.z',
        accessToken: 'attacker-token',
        tokenType: 'Bearer',
        obtainedAt: Date.now(),
        expiresAt: Date.now() + 3600_000,
        scope: 'openid',
        requestedScope: 'openid',
        claims,
      };
      new BroadcastChannel(name).postMessage({ type: 'session', holder: true, session: { id: 'forged', user: claims, tokens } });
    },
    { name: channel, issuer: backend.issuer },
  );
  expect((await refused).text()).toContain('ngx-oidc:');
  await expect(tabB.getByTestId('auth-status')).toHaveText('anonymous');

  // The real login reaches tab B; tab B's renewal is done by tab A, which holds the refresh token.
  await loginWithPassword(tabA, backendEnv(env, backend));
  await expect(tabB.getByTestId('auth-status')).toHaveText('authenticated');
  await expect(tabB.getByTestId('user-name')).not.toHaveText('mallory');
  await tabB.getByTestId('renew-button').click();
  await expect(tabB.getByTestId('renew-result')).toHaveText('renewed');
  expect((await backend.stats()).token.refresh_token, 'refreshed by tab A for tab B').toBe(1);

  type Heard = { type: string; session?: { id: string; tokens: Record<string, unknown> } };
  const heard = (await tabB.evaluate(() => (window as unknown as { heard: unknown[] }).heard)) as Heard[];
  const sessions = heard.filter((m) => m.type === 'session' && m.session?.id !== 'forged');
  expect(sessions.length, 'the login and the renewal crossed the channel').toBeGreaterThanOrEqual(2);
  for (const message of sessions) {
    expect(message.session!.tokens['accessToken']).toEqual(expect.any(String));
    expect(message.session!.tokens).not.toHaveProperty('refreshToken');
  }
});
