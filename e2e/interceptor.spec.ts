// 4. The interceptor attaches the token only to allow-listed URLs.
import type { Request } from '@playwright/test';
import { expect, loginWithPassword, onProvider, test } from './fixtures';

test('interceptor: bearer token only for the allow-listed API, never for the token endpoint', async ({
  page,
  env,
  request,
}) => {
  const discovery = await (
    await request.get(`${env.issuer}/.well-known/openid-configuration`)
  ).json();
  const tokenEndpoint: string = discovery.token_endpoint;
  expect(tokenEndpoint, 'token_endpoint in discovery').toBeTruthy();

  const sent: Request[] = [];
  page.context().on('request', (r) => sent.push(r));

  await loginWithPassword(page, env);

  await page.getByTestId('api-call-button').click();
  await expect(page.getByTestId('api-result')).toHaveText(/^\s*200/);
  await page.getByTestId('foreign-call-button').click();
  await expect(page.getByTestId('foreign-result')).toHaveText(/\S/);

  const isGet = (r: Request, base: string) =>
    r.method() === 'GET' && r.url().startsWith(base + '/api/messages');
  const apiRequests = sent.filter((r) => isGet(r, env.apiUrl));
  const foreignRequests = sent.filter((r) => isGet(r, env.foreignApiUrl));
  expect(apiRequests.length, 'GET <apiUrl>/api/messages sent').toBeGreaterThan(0);
  expect(foreignRequests.length, 'GET <foreignApiUrl>/api/messages sent').toBeGreaterThan(0);

  for (const r of apiRequests) {
    expect((await r.allHeaders())['authorization'], `authorization on ${r.url()}`).toMatch(
      /^Bearer \S+/,
    );
  }
  for (const r of foreignRequests) {
    expect((await r.allHeaders())['authorization'], `authorization on ${r.url()}`).toBeUndefined();
  }

  const tokenRequests = sent.filter((r) => r.url().split('?')[0] === tokenEndpoint);
  expect(tokenRequests.length, `requests to ${tokenEndpoint}`).toBeGreaterThan(0);
  for (const r of tokenRequests) {
    expect(
      (await r.allHeaders())['authorization'] ?? '',
      `authorization on ${r.method()} ${r.url()}`,
    ).not.toMatch(/^Bearer/i);
  }
  // No request to the provider at all carries our bearer token.
  for (const r of sent.filter(
    (r) => onProvider(env, r.url()) && r.url().split('?')[0] !== discovery.userinfo_endpoint,
  )) {
    expect(
      (await r.allHeaders())['authorization'] ?? '',
      `authorization on ${r.method()} ${r.url()}`,
    ).not.toMatch(/^Bearer/i);
  }
});
