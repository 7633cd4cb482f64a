// 1. password login and 2. social login, each ending with an authorized API call.
import type { Request } from '@playwright/test';
import {
  bearerToken,
  callApi,
  decodeJwtPayload,
  expect,
  expectAudience,
  finishOnDemo,
  onProvider,
  openDemoAnonymous,
  submitProviderLogin,
  submitProviderPage,
  test,
  USERS,
} from './fixtures';

test('password login: alice signs in, gets an API-audience JWT and calls the API', async ({
  page,
  env,
}, testInfo) => {
  // Record the requests the browser sends to the provider after the callback URL is loaded.
  let callbackLoadedAt: number | undefined;
  const providerRequestsAfterCallback: Request[] = [];
  page.on('request', (r) => {
    if (r.isNavigationRequest() && r.url().startsWith(env.demoUrl + '/callback')) {
      callbackLoadedAt = Date.now();
    } else if (callbackLoadedAt !== undefined && onProvider(env, r.url())) {
      providerRequestsAfterCallback.push(r);
    }
  });

  await openDemoAnonymous(page, env);
  await page.getByTestId('login-button').click();
  await submitProviderLogin(page, env, USERS.alice);
  await finishOnDemo(page, env);
  await expect(page.getByTestId('auth-status')).toHaveText('authenticated');
  const authenticatedAt = Date.now();
  const counted = providerRequestsAfterCallback.length;
  await expect(page.getByTestId('user-name')).toContainText('Alice');

  // Request count from loading /callback to "authenticated" (logged, not asserted yet).
  const summary =
    `${counted} request(s) to the provider between loading /callback and "authenticated"` +
    (callbackLoadedAt
      ? ` (${authenticatedAt - callbackLoadedAt} ms)`
      : ' (callback navigation not seen)') +
    `: ${providerRequestsAfterCallback
      .slice(0, counted)
      .map((r) => `${r.method()} ${new URL(r.url()).pathname}`)
      .join(', ')}`;
  console.log(`[e2e] ${summary}`);
  testInfo.annotations.push({ type: 'provider-requests-after-callback', description: summary });

  const apiRequest = await callApi(page, env);
  const token = await bearerToken(apiRequest);
  expect(token, 'Authorization: Bearer header on the API request').toBeTruthy();
  const payload = decodeJwtPayload(token!);
  expectAudience(payload, env.demoEnv.apiAudience);
  await expect(page.getByTestId('api-result')).toHaveText(/^\s*200/);
});

test('social login: Carol signs in through the fake social provider and calls the API', async ({
  page,
  env,
}) => {
  await openDemoAnonymous(page, env);
  await page.getByTestId('login-button').click();
  await page.waitForURL((url) => onProvider(env, url));
  await page.getByTestId('social-login').click();
  await submitProviderPage(page, page.getByTestId('social-accept'));
  await finishOnDemo(page, env);
  await expect(page.getByTestId('auth-status')).toHaveText('authenticated');
  await expect(page.getByTestId('user-name')).toContainText('Carol');

  const apiRequest = await callApi(page, env);
  const token = await bearerToken(apiRequest);
  expect(token, 'Authorization: Bearer header on the API request').toBeTruthy();
  const payload = decodeJwtPayload(token!);
  expectAudience(payload, env.demoEnv.apiAudience);
  expect(payload['sub']).toBe('demosocial|carol');
  await expect(page.getByTestId('api-result')).toHaveText(/^\s*200/);
});
