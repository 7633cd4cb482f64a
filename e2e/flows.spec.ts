// 8. One positive run per response type against the real local provider (oidc-provider), with
//    the number of requests the callback page sends to the provider before "authenticated":
//    discovery and JWKS are fetched before the redirect, so only the code flow's token POST
//    is left (implicit flows: nothing).
import type { Page, Request } from '@playwright/test';
import type { E2eEnv } from './env';
import {
  bearerToken,
  callApi,
  decodeJwtPayload,
  expect,
  expectAudience,
  expectAuthenticatedOrShowError,
  finishOnDemo,
  onProvider,
  openDemoAnonymous,
  routeDemoEnv,
  storedDemoSession,
  submitProviderLogin,
  test,
  trackProviderRequestsAfterCallback,
  USERS,
  type DemoEnvOverrides,
} from './fixtures';

/**
 * Logs alice in with the demo configured by `overrides`. Returns the authorization request the
 * browser sent and the provider requests sent between loading /callback and "authenticated".
 */
async function loginAlice(
  page: Page,
  env: E2eEnv,
  overrides: DemoEnvOverrides,
): Promise<{ authorizeUrl: URL; afterCallback: Request[]; describe: (l: Request[]) => string }> {
  await routeDemoEnv(page, env, overrides);
  const tracker = trackProviderRequestsAfterCallback(page, env);
  const authorizeRequests: URL[] = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (onProvider(env, url) && url.searchParams.has('response_type')) authorizeRequests.push(url);
  });

  await openDemoAnonymous(page, env);
  await page.getByTestId('login-button').click();
  await submitProviderLogin(page, env, USERS.alice);
  await finishOnDemo(page, env);
  await expectAuthenticatedOrShowError(page);
  const afterCallback = tracker.untilNow();
  expect(tracker.callbackSeen(), 'navigation to /callback seen').toBe(true);
  await expect(page.getByTestId('user-name')).toContainText('Alice');
  await expect(page.getByTestId('auth-error')).toHaveCount(0);
  expect(authorizeRequests.length, 'authorization requests').toBeGreaterThan(0);
  return { authorizeUrl: authorizeRequests[0], afterCallback, describe: tracker.describe };
}

test('implicit "id_token token": alice logs in without any request after the callback and calls the API with a JWT', async ({
  page,
  env,
}) => {
  const { authorizeUrl, afterCallback, describe } = await loginAlice(page, env, {
    responseType: 'id_token token',
  });
  expect(authorizeUrl.searchParams.get('response_type')).toBe('id_token token');
  expect(authorizeUrl.searchParams.has('code_challenge'), 'no PKCE without a code').toBe(false);
  expect(
    afterCallback,
    `provider requests after /callback: ${describe(afterCallback)}`,
  ).toHaveLength(0);

  const apiRequest = await callApi(page, env);
  const token = await bearerToken(apiRequest);
  expect(token, 'Authorization: Bearer header on the API request').toBeTruthy();
  expectAudience(decodeJwtPayload(token!), env.demoEnv.apiAudience);
  await expect(page.getByTestId('api-result')).toHaveText(/^\s*200/);
  expect((await storedDemoSession(page))?.tokens.accessToken).toBe(token);
});

test('implicit "id_token": alice logs in without any request after the callback; no access token, so the API call is refused', async ({
  page,
  env,
}) => {
  const { authorizeUrl, afterCallback, describe } = await loginAlice(page, env, {
    responseType: 'id_token',
  });
  expect(authorizeUrl.searchParams.get('response_type')).toBe('id_token');
  expect(
    afterCallback,
    `provider requests after /callback: ${describe(afterCallback)}`,
  ).toHaveLength(0);

  const session = await storedDemoSession(page);
  expect(session?.tokens.idToken, 'ID token kept').toBeTruthy();
  expect(session?.tokens.accessToken, 'no access token in this flow').toBeUndefined();

  const apiRequests: Request[] = [];
  page.on('request', (r) => {
    if (r.url().startsWith(env.apiUrl + '/api/messages')) apiRequests.push(r);
  });
  await page.getByTestId('api-call-button').click();
  // A misuse of the API (responseType "id_token" has no access token): a TypeError naming it.
  await expect(page.getByTestId('api-result')).toHaveText(/^error .*responseType/);
  expect(apiRequests, 'API requests sent').toHaveLength(0);
});

test('code flow (default): exactly one request after the callback, the token POST', async ({
  page,
  env,
  request,
}) => {
  const discovery = await (
    await request.get(`${env.issuer}/.well-known/openid-configuration`)
  ).json();
  const { authorizeUrl, afterCallback, describe } = await loginAlice(page, env, {});
  expect(authorizeUrl.searchParams.get('response_type')).toBe('code');
  expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
  expect(
    afterCallback.map((r) => `${r.method()} ${r.url().split('?')[0]}`),
    `provider requests after /callback: ${describe(afterCallback)}`,
  ).toEqual([`POST ${discovery.token_endpoint}`]);

  const apiRequest = await callApi(page, env);
  const token = await bearerToken(apiRequest);
  expect(token, 'Authorization: Bearer header on the API request').toBeTruthy();
  expectAudience(decodeJwtPayload(token!), env.demoEnv.apiAudience);
  await expect(page.getByTestId('api-result')).toHaveText(/^\s*200/);
});
