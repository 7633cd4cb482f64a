// Token renewal over time, against a provider with short lifetimes (e2e/renewal-backend.ts):
// ahead of expiry by refresh token or by silent authentication, one provider request per
// renewal, and an expired refresh token ending the session without a retry loop.
import type { Page, Request } from '@playwright/test';
import type { E2eEnv } from './env';
import {
  bearerToken,
  callApi,
  decodeJwtPayload,
  loginWithPassword,
  onProvider,
  storedDemoSession,
} from './fixtures';
import {
  backendEnv,
  countEvents,
  eventLines,
  expect,
  jwtExp,
  keepAuthEvents,
  keptAuthEvents,
  recordRequests,
  routeBackendDemoEnv,
  test,
  type RenewalBackend,
} from './renewal-backend';

// Every test has its own backend: spread them over the workers.
test.describe.configure({ mode: 'parallel' });

/** Waits until the session card lists `n` `token_renewed` events (short poll intervals). */
async function waitForRenewals(page: Page, n: number): Promise<void> {
  await expect
    .poll(() => countEvents(page, 'token_renewed'), {
      message: `${n} token_renewed event(s)`,
      timeout: 20_000,
      intervals: [100],
    })
    .toBeGreaterThanOrEqual(n);
}

/**
 * The API answers a call with a token that is not `oldToken`, without a retry (the renewed
 * token was already in place), and the API really refuses `oldToken` by now.
 */
async function expectApiWorksAfterExpiry(
  page: Page,
  env: E2eEnv,
  backend: RenewalBackend,
  oldToken: string,
): Promise<void> {
  const oldExp = jwtExp(oldToken);
  // Wait (bounded) until the first token has expired; the API has no clock tolerance.
  await expect
    .poll(() => Date.now() / 1000, { timeout: 20_000, message: 'the first token expires' })
    .toBeGreaterThan(oldExp + 1);
  const direct = await fetch(`${backend.foreignApiUrl}/api/messages`, {
    headers: { authorization: `Bearer ${oldToken}` },
  });
  expect(direct.status, 'the API refuses the login token by now').toBe(401);
  expect(direct.headers.get('www-authenticate')).toMatch(/error="invalid_token".*expired/);

  const sent: Request[] = [];
  const onRequest = (r: Request) => {
    if (r.method() === 'GET' && r.url() === `${backend.apiUrl}/api/messages`) sent.push(r);
  };
  page.on('request', onRequest);
  const request = await callApi(page, backendEnv(env, backend));
  await expect(page.getByTestId('api-result')).toHaveText(/^200 /);
  page.off('request', onRequest);
  const token = await bearerToken(request);
  expect(token, 'a renewed token').toBeTruthy();
  expect(token).not.toBe(oldToken);
  expect(jwtExp(token!)).toBeGreaterThan(oldExp);
  expect(decodeJwtPayload(token!)['aud']).toBe(backend.apiAudience);
  expect(sent.length, 'GET /api/messages requests for one click (no 401 retry)').toBe(1);
}

test.describe('renewal by refresh token', () => {
  test.use({ backendOptions: { ttl: { AccessToken: 6 } } });

  test('renews ahead of expiry with one refresh_token request per renewal; the API answers after the login token expired', async ({
    page,
    env,
    backend,
  }) => {
    await routeBackendDemoEnv(page, env, backend, { renewal: 'refresh_token' });
    await loginWithPassword(page, backendEnv(env, backend));
    const login = await storedDemoSession(page);
    const loginToken = login!.tokens.accessToken!;
    expect(login!.tokens['refreshToken'], 'a refresh token (offline_access)').toBeTruthy();
    expect(await backend.stats()).toEqual({
      token: { authorization_code: 1, refresh_token: 0 },
      authorize: 1,
    });

    // First renewal, ahead of expiry (lead: half the 6 s lifetime).
    await waitForRenewals(page, 1);
    expect((await backend.stats()).token.refresh_token, 'after the first renewal').toBe(1);
    await expect(page.getByTestId('auth-status')).toHaveText('authenticated');

    await waitForRenewals(page, 2);
    expect((await backend.stats()).token.refresh_token, 'after the second renewal').toBe(2);

    await expectApiWorksAfterExpiry(page, env, backend, loginToken);

    // Still one refresh per renewal, no failures, no new login or silent authentication.
    await expect
      .poll(async () => {
        const before = await countEvents(page, 'token_renewed');
        const stats = await backend.stats();
        const after = await countEvents(page, 'token_renewed');
        return before === after ? stats.token.refresh_token - after : 'renewing';
      })
      .toBe(0);
    const lines = await eventLines(page);
    expect(
      lines.filter((l) => l.startsWith('renew_failed')),
      lines.join(', '),
    ).toEqual([]);
    const stats = await backend.stats();
    expect(stats.token.authorization_code).toBe(1);
    expect(stats.authorize).toBe(1);
    await expect(page.getByTestId('auth-status')).toHaveText('authenticated');
  });
});

test.describe('renewal by silent authentication', () => {
  test.use({ backendOptions: { ttl: { AccessToken: 6 } } });

  test('renews ahead of expiry with one prompt=none authorize request per renewal and no refresh token', async ({
    page,
    env,
    backend,
  }) => {
    const silentFrames = recordRequests(page.context(), (r) =>
      r.url().startsWith(`${env.demoUrl}/silent-callback.html`),
    );
    const authorizeRequests = recordRequests(page.context(), (r) =>
      r.url().startsWith(`${backend.issuer}/auth?`),
    );
    await routeBackendDemoEnv(page, env, backend, { renewal: 'silent' });
    await loginWithPassword(page, backendEnv(env, backend));
    const login = await storedDemoSession(page);
    const loginToken = login!.tokens.accessToken!;
    expect(login!.tokens['refreshToken'], 'no refresh token without offline_access').toBeFalsy();
    expect(await backend.stats()).toEqual({
      token: { authorization_code: 1, refresh_token: 0 },
      authorize: 1,
    });

    await waitForRenewals(page, 1);
    expect(await backend.stats(), 'after the first renewal').toEqual({
      token: { authorization_code: 2, refresh_token: 0 },
      authorize: 2,
    });
    await waitForRenewals(page, 2);
    expect(await backend.stats(), 'after the second renewal').toEqual({
      token: { authorization_code: 3, refresh_token: 0 },
      authorize: 3,
    });
    await expect(page.getByTestId('auth-status')).toHaveText('authenticated');
    await expect(page.getByTestId('user-name')).toHaveText(/\S/);
    // The renewals were prompt=none requests answered on the silent-callback page.
    const silent = authorizeRequests.filter(
      (r) => new URL(r.url()).searchParams.get('prompt') === 'none',
    );
    expect(silent.length).toBeGreaterThanOrEqual(2);
    expect(silentFrames.length).toBeGreaterThanOrEqual(2);

    await expectApiWorksAfterExpiry(page, env, backend, loginToken);
    await expect
      .poll(async () => {
        const before = await countEvents(page, 'token_renewed');
        const stats = await backend.stats();
        const after = await countEvents(page, 'token_renewed');
        return before === after
          ? [stats.authorize - 1 - after, stats.token.refresh_token]
          : 'renewing';
      })
      .toEqual([0, 0]);
    const lines = await eventLines(page);
    expect(
      lines.filter((l) => l.startsWith('renew_failed')),
      lines.join(', '),
    ).toEqual([]);
  });
});

test.describe('expired refresh token', () => {
  // The refresh token's lifetime is absolute: it dies 6 s after the login, during the
  // second or third renewal.
  test.use({ backendOptions: { ttl: { AccessToken: 4, RefreshToken: 6 } } });

  test('ends the session with login_required, once: no renewal loop', async ({
    page,
    env,
    backend,
  }) => {
    // The expiry of every access token the provider issues to the page (the last one's matters).
    const issuedExp: Promise<number | undefined>[] = [];
    page.on('response', (response) => {
      if (
        response.request().method() === 'POST' &&
        onProvider(backendEnv(env, backend), response.url()) &&
        response.ok()
      ) {
        issuedExp.push(
          response
            .json()
            .then((body: { access_token?: unknown }) =>
              typeof body.access_token === 'string' ? jwtExp(body.access_token) : undefined,
            )
            .catch(() => undefined),
        );
      }
    });
    await routeBackendDemoEnv(page, env, backend, { renewal: 'refresh_token' });
    await loginWithPassword(page, backendEnv(env, backend));
    // The events log is only shown while authenticated: keep a handle on it.
    const kept = await keepAuthEvents(page);

    await expect(page.getByTestId('auth-status')).toHaveText('anonymous', { timeout: 30_000 });
    await expect(page.getByTestId('auth-error')).toHaveText('login_required');

    if (kept) {
      const events = await keptAuthEvents(page);
      expect(events.slice(0, 2), events.join(', ')).toEqual([
        'session_expired',
        'renew_failed login_required',
      ]);
      const renewed = events.filter((e) => e === 'token_renewed').length;
      expect(renewed, 'renewals before the refresh token expired').toBeGreaterThanOrEqual(1);
      expect(events.filter((e) => e.startsWith('renew_failed')).length).toBe(1);
      // Every successful renewal plus exactly one failed attempt.
      expect((await backend.stats()).token.refresh_token).toBe(renewed + 1);
    } else {
      test.info().annotations.push({
        type: 'note',
        description: 'no Angular dev-mode `ng` API: events after the session ended not checked',
      });
    }

    // Nothing retries the dead refresh token, nothing falls back to a login. Not a fixed wait:
    // the dead session's last access token expiring is the signal, one renewal interval (2 s
    // here) after the failed renewal. Every timer the library could have left running for that
    // session (its renewal ahead of expiry, its end at expiry) is due by then, by the page's own
    // clock: the check runs in the page, after the timers due before it, however busy the
    // machine. A renewal such a timer started holds the library's renewal lock until the
    // provider has answered (Web Locks, name from projects/ngx-oidc/src/lib/core/client.ts);
    // locks are granted in order, so taking it waits for that answer.
    const atEnd = await backend.stats();
    expect(atEnd.token.refresh_token).toBeGreaterThanOrEqual(2);
    const expiries = (await Promise.all(issuedExp)).filter((exp) => exp !== undefined);
    expect(expiries.length, 'access tokens issued: the login and its renewals').toBe(
      atEnd.token.refresh_token,
    );
    const lastExpiry = Math.max(...expiries) * 1000;
    await page.waitForFunction((at) => Date.now() > at, lastExpiry, { polling: 100 });
    await page.evaluate(
      (name) => navigator.locks.request(name, () => undefined),
      `ngx-oidc:renew:${backend.issuer} ngx-oidc-demo`,
    );
    expect(await backend.stats(), 'no provider request after the session ended').toEqual(atEnd);
    expect(atEnd.authorize).toBe(1);
    expect(atEnd.token.authorization_code).toBe(1);
    await expect(page.getByTestId('auth-status')).toHaveText('anonymous');
    expect(await storedDemoSession(page)).toBeNull();

    // The API is not called without a session.
    await page.getByTestId('api-call-button').click();
    await expect(page.getByTestId('api-result')).toHaveText('error not_authenticated');
  });
});
