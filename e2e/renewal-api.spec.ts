// The access tokens the interceptor sends, against a backend of their own
// (e2e/renewal-backend.ts, so /__stats counts only this test): a second audience's token got
// once and cached, and 20 concurrent 401 invalid_token answers sharing one renewal, without a
// loop when the API keeps refusing.
import type { Page, Request, Route } from '@playwright/test';
import {
  bearerToken,
  callApi,
  decodeJwtPayload,
  expectAudience,
  loginWithPassword,
  origin,
  storedDemoSession,
} from './fixtures';
import {
  backendEnv,
  expect,
  routeBackendDemoEnv,
  test,
  type RenewalBackend,
} from './renewal-backend';

test.describe.configure({ mode: 'parallel' });

const BURST = 20;

/** Clicks `management-call-button`; returns the request sent and waits for its answer. */
async function callManagement(page: Page, backend: RenewalBackend): Promise<Request> {
  const url = `${backend.apiUrl}/management/me`;
  const request = page.waitForRequest((r) => r.method() === 'GET' && r.url() === url);
  const response = page.waitForResponse((r) => r.request().method() === 'GET' && r.url() === url);
  await page.getByTestId('management-call-button').click();
  await response;
  await expect(page.getByTestId('management-result')).toHaveText(/^200 /);
  return request;
}

for (const renewal of ['refresh_token', 'silent'] as const) {
  test(`second audience (${renewal}): the management API gets its own token, fetched once and cached`, async ({
    page,
    env,
    backend,
  }) => {
    await routeBackendDemoEnv(page, env, backend, { renewal });
    await loginWithPassword(page, backendEnv(env, backend));
    const afterLogin = await backend.stats();
    expect(afterLogin).toEqual({
      token: { authorization_code: 1, refresh_token: 0 },
      authorize: 1,
    });

    const first = await callManagement(page, backend);
    const managementToken = await bearerToken(first);
    expect(managementToken, 'bearer token on GET /management/me').toBeTruthy();
    const claims = decodeJwtPayload(managementToken!);
    expectAudience(claims, backend.managementAudience);
    expect(String(claims['scope']).split(' ')).toContain('read:current_user');
    expect(claims['sub']).toBe('alice');
    // One provider request for the second token: a refresh grant naming the audience, or one
    // silent authentication.
    const afterFirst = await backend.stats();
    expect(afterFirst).toEqual(
      renewal === 'refresh_token'
        ? { token: { authorization_code: 1, refresh_token: 1 }, authorize: 1 }
        : { token: { authorization_code: 2, refresh_token: 0 }, authorize: 2 },
    );

    // The demo API still gets the login's token (its own audience), from the cache.
    const apiRequest = await callApi(page, backendEnv(env, backend));
    await expect(page.getByTestId('api-result')).toHaveText(/^200 /);
    const apiToken = await bearerToken(apiRequest);
    expect(apiToken).toBeTruthy();
    expect(apiToken).not.toBe(managementToken);
    expectAudience(decodeJwtPayload(apiToken!), backend.apiAudience);
    expect(decodeJwtPayload(apiToken!)['aud']).not.toContain(backend.managementAudience);
    expect(apiToken).toBe((await storedDemoSession(page))!.tokens.accessToken);

    // Once more: the cached management token, no provider request.
    const second = await callManagement(page, backend);
    expect(await bearerToken(second)).toBe(managementToken);
    expect(await backend.stats()).toEqual(afterFirst);
    await expect(page.getByTestId('auth-status')).toHaveText('authenticated');
  });
}

/**
 * Makes `navigator.locks` unavailable, as in a browser without the Web Locks API or a page
 * outside a secure context: the library then has only its in-tab single-flight.
 */
async function hideWebLocks(page: Page): Promise<void> {
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'locks', {
      configurable: true,
      get: () => undefined,
    });
  });
}

interface SeenRequest {
  n: number;
  token: string | undefined;
  answered: 401 | 'api';
}

/**
 * Answers the first `rejectFirst` GETs of `<apiUrl>/api/messages` with 401 invalid_token
 * (CORS headers included), passes the rest to the real API; records every GET.
 */
async function rejectApiRequests(
  page: Page,
  env: { demoUrl: string },
  backend: RenewalBackend,
  rejectFirst: number,
): Promise<SeenRequest[]> {
  const url = `${backend.apiUrl}/api/messages`;
  const seen: SeenRequest[] = [];
  await page.route(
    (u) => u.href === url,
    async (route: Route) => {
      const request = route.request();
      if (request.method() !== 'GET') return route.fallback();
      const n = seen.length + 1;
      const authorization = (await request.allHeaders())['authorization'];
      const token = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
      const entry: SeenRequest = { n, token, answered: n <= rejectFirst ? 401 : 'api' };
      seen.push(entry);
      if (entry.answered === 'api') return route.continue();
      return route.fulfill({
        status: 401,
        headers: {
          'Access-Control-Allow-Origin': origin(env.demoUrl),
          'Access-Control-Expose-Headers': 'WWW-Authenticate',
          'WWW-Authenticate': 'Bearer error="invalid_token", error_description="expired"',
          'Cache-Control': 'no-store',
        },
        contentType: 'application/json',
        body: JSON.stringify({ error: 'invalid_token', error_description: 'expired' }),
      });
    },
  );
  return seen;
}

for (const locks of ['with', 'without'] as const) {
  test(`${BURST} concurrent 401 invalid_token (${locks} Web Locks): one refresh, all ${BURST} retried once with the new token`, async ({
    page,
    env,
    backend,
  }) => {
    if (locks === 'without') await hideWebLocks(page);
    await routeBackendDemoEnv(page, env, backend, { renewal: 'refresh_token' });
    await loginWithPassword(page, backendEnv(env, backend));
    const loginToken = (await storedDemoSession(page))!.tokens.accessToken!;
    const seen = await rejectApiRequests(page, env, backend, BURST);
    await backend.resetStats();

    await page.getByTestId('burst-call-button').click();
    await expect(page.getByTestId('burst-result')).toHaveText(`${BURST} × 200`, {
      timeout: 20_000,
    });

    expect(await backend.stats()).toEqual({
      token: { authorization_code: 0, refresh_token: 1 },
      authorize: 0,
    });
    expect(seen.length, 'GET /api/messages requests: 20 rejected + 20 retries').toBe(2 * BURST);
    const rejected = seen.slice(0, BURST);
    const retried = seen.slice(BURST);
    expect(
      rejected.every((r) => r.token === loginToken),
      'the rejected requests carried the login token',
    ).toBe(true);
    const renewedToken = (await storedDemoSession(page))!.tokens.accessToken!;
    expect(renewedToken).not.toBe(loginToken);
    expect(
      retried.map((r) => r.token),
      'every retry carried the renewed token',
    ).toEqual(Array(BURST).fill(renewedToken));
    expectAudience(decodeJwtPayload(renewedToken), backend.apiAudience);
    await expect(page.getByTestId('auth-status')).toHaveText('authenticated');
  });
}

test(`an API that keeps answering 401 invalid_token: ${BURST} × 401 after one refresh, no loop`, async ({
  page,
  env,
  backend,
}) => {
  await routeBackendDemoEnv(page, env, backend, { renewal: 'refresh_token' });
  await loginWithPassword(page, backendEnv(env, backend));
  const loginToken = (await storedDemoSession(page))!.tokens.accessToken!;
  const seen = await rejectApiRequests(page, env, backend, Number.POSITIVE_INFINITY);
  await backend.resetStats();

  await page.getByTestId('burst-call-button').click();
  await expect(page.getByTestId('burst-result')).toHaveText(`${BURST} × 401`, {
    timeout: 20_000,
  });
  expect((await backend.stats()).token.refresh_token).toBe(1);
  expect(seen.length, 'each request sent once and retried once').toBe(2 * BURST);
  const renewedToken = (await storedDemoSession(page))!.tokens.accessToken!;
  expect(seen.slice(0, BURST).every((r) => r.token === loginToken)).toBe(true);
  expect(seen.slice(BURST).every((r) => r.token === renewedToken && r.token !== loginToken)).toBe(
    true,
  );

  // Nothing else goes out afterwards: no renewal, no request. Not a fixed wait: one more call,
  // which the API refuses too, is the signal. Its renewal takes its turn after any renewal the
  // burst still had going (the library's renewals share one Web Lock, granted in order, and one
  // in-tab flight), so a loop shows up before its answer does: as a third refresh, or as
  // requests between the burst's and this call's. The call itself gets one renewal and one
  // retry, like each request of the burst.
  await page.getByTestId('api-call-button').click();
  // Shown once the retry's answer is in (the first answer goes to the renewal, not to the app).
  await expect(page.getByTestId('api-result')).toHaveText(/^401 /);
  expect(seen.length, 'the burst, then the call and its retry').toBe(2 * BURST + 2);
  expect(seen[2 * BURST].token, "the call carries the burst's renewed token").toBe(renewedToken);
  const callRenewed = (await storedDemoSession(page))!.tokens.accessToken!;
  expect(callRenewed).not.toBe(renewedToken);
  expect(seen[2 * BURST + 1].token, 'its retry carries the token renewed for it').toBe(
    callRenewed,
  );
  expect(await backend.stats()).toEqual({
    token: { authorization_code: 0, refresh_token: 2 },
    authorize: 0,
  });
  // The renewal itself worked: the user stays logged in.
  await expect(page.getByTestId('auth-status')).toHaveText('authenticated');
});
