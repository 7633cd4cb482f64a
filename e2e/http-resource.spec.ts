// httpResource (signal-based HTTP, @angular/common/http) sends its requests through HttpClient,
// so authInterceptor decides about the token exactly as for HttpClient.get(): the allow-listed
// API gets the bearer token, another origin never does. Also: the demo runs without zone.js.
import type { Page, Request } from '@playwright/test';
import {
  bearerToken,
  decodeJwtPayload,
  expect,
  expectAudience,
  loginWithPassword,
  openDemoAnonymous,
  test,
} from './fixtures';

/** Collects every GET the page sends to `url` (exactly). */
function collectGets(page: Page, url: string): Request[] {
  const sent: Request[] = [];
  page.context().on('request', (r) => {
    if (r.method() === 'GET' && r.url() === url) sent.push(r);
  });
  return sent;
}

test('httpResource: bearer token for the allow-listed API, none for another origin', async ({
  page,
  env,
}) => {
  const apiUrl = `${env.apiUrl}/api/messages`;
  const foreignUrl = `${env.foreignApiUrl}/api/messages`;

  await loginWithPassword(page, env);
  // Client-side navigation: the page (and its session) stays as it is.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API' }).click();
  await expect(page.getByTestId('resource-api-status')).toHaveText('idle');
  await expect(page.getByTestId('resource-foreign-status')).toHaveText('idle');

  const apiSent = collectGets(page, apiUrl);
  const foreignSent = collectGets(page, foreignUrl);

  // Allow-listed: sent with the access token; the API answers 200 with what it saw.
  await page.getByTestId('resource-api-load-button').click();
  await expect(page.getByTestId('resource-api-status')).toHaveText('resolved');
  const result = page.getByTestId('resource-api-result');
  await expect(result).toHaveText(/^200 \{/);
  const seen = JSON.parse((await result.textContent())!.replace(/^200 /, '')) as {
    sub?: unknown;
    scope?: unknown;
  };
  expect(seen.sub, 'sub the API read from the token').toBe('alice');
  expect(String(seen.scope).split(' ')).toContain('read:messages');

  expect(apiSent.length, `GET ${apiUrl} sent`).toBe(1);
  const token = await bearerToken(apiSent[0]);
  expect(token, `bearer token on GET ${apiUrl}`).toBeTruthy();
  expectAudience(decodeJwtPayload(token!), env.demoEnv.apiAudience);

  // Another origin (the same API under 127.0.0.1), not allow-listed: no Authorization header,
  // so the API answers 401 "no access token".
  await page.getByTestId('resource-foreign-load-button').click();
  await expect(page.getByTestId('resource-foreign-status')).toHaveText('error');
  await expect(page.getByTestId('resource-foreign-result')).toHaveText(/^401 no access token/);
  expect(foreignSent.length, `GET ${foreignUrl} sent`).toBe(1);
  expect(
    (await foreignSent[0].allHeaders())['authorization'],
    `authorization on ${foreignUrl}`,
  ).toBeUndefined();

  // A reload sends the token again.
  const reloaded = page.waitForResponse(
    (r) => r.request().method() === 'GET' && r.url() === apiUrl,
  );
  await page.getByTestId('resource-api-load-button').click();
  expect((await reloaded).status(), 'status of the reload').toBe(200);
  await expect(page.getByTestId('resource-api-status')).toHaveText('resolved');
  expect(apiSent.length, `GET ${apiUrl} sent`).toBe(2);
  expect(await bearerToken(apiSent[1]), 'bearer token on the reload').toBeTruthy();
});

test('httpResource: anonymous, the interceptor refuses to send the allow-listed call', async ({
  page,
  env,
}) => {
  const apiUrl = `${env.apiUrl}/api/messages`;
  const apiSent = collectGets(page, apiUrl);
  await openDemoAnonymous(page, env);
  // Zoneless (Angular's default since v21): zone.js is not loaded, the UI updates through
  // signals alone.
  expect(await page.evaluate(() => 'Zone' in globalThis), 'zone.js loaded').toBe(false);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API' }).click();
  await page.getByTestId('resource-api-load-button').click();
  await expect(page.getByTestId('resource-api-status')).toHaveText('error');
  await expect(page.getByTestId('resource-api-result')).toHaveText('error not_authenticated');
  expect(apiSent.length, `GET ${apiUrl} sent`).toBe(0);
});
