// 6. A callback whose `state` was tampered with is rejected.
import type { Page } from '@playwright/test';
import type { E2eEnv } from './env';
import {
  expect,
  onProvider,
  openDemoAnonymous,
  submitProviderLogin,
  test,
  USERS,
} from './fixtures';

/**
 * Starts a login, signs in at the provider and returns the callback URL
 * (with code + state) without letting the demo process it.
 *
 * The provider answers the login with a redirect to /callback; Playwright does
 * not route redirect targets, so the demo's scripts are kept from loading
 * instead: the callback page stays inert and its URL can be taken.
 */
async function captureCallbackUrl(page: Page, env: E2eEnv): Promise<URL> {
  await openDemoAnonymous(page, env);
  await page.getByTestId('login-button').click();
  await page.waitForURL((url) => onProvider(env, url));

  const demoOrigin = new URL(env.demoUrl).origin;
  await page.route(
    (url) => url.origin === demoOrigin && /\.m?js$/.test(url.pathname),
    (route) => route.abort('blockedbyclient'),
  );
  await submitProviderLogin(page, env, USERS.alice);
  await page.waitForURL((url) => url.href.startsWith(env.demoUrl + '/callback'), {
    waitUntil: 'commit',
  });
  const callbackUrl = new URL(page.url());
  await page.unrouteAll({ behavior: 'wait' });

  expect(callbackUrl.searchParams.get('state'), `state in ${callbackUrl}`).toBeTruthy();
  expect(callbackUrl.searchParams.get('code'), `code in ${callbackUrl}`).toBeTruthy();
  return callbackUrl;
}

test('tampered state: callback with a modified state shows state_mismatch and stays anonymous', async ({
  page,
  env,
}) => {
  const tampered = await captureCallbackUrl(page, env);
  const state = tampered.searchParams.get('state')!;
  // Same length, different value.
  tampered.searchParams.set('state', state.slice(0, -1) + (state.endsWith('A') ? 'B' : 'A'));

  await page.goto(tampered.href);
  await expect(page.getByTestId('auth-error')).toHaveText('state_mismatch');
  await expect(page.getByTestId('auth-status')).toHaveText('anonymous');
  const userName = page.getByTestId('user-name');
  if ((await userName.count()) > 0) {
    await expect(userName).toHaveText(/^\s*$/);
  }
});

test('control: the same captured callback URL, unmodified, completes the login', async ({
  page,
  env,
}) => {
  const callbackUrl = await captureCallbackUrl(page, env);
  await page.goto(callbackUrl.href);
  await expect(page.getByTestId('auth-status')).toHaveText('authenticated');
  await expect(page.getByTestId('user-name')).toContainText('Alice');
  const authError = page.getByTestId('auth-error');
  if ((await authError.count()) > 0) {
    await expect(authError).toHaveText(/^\s*$/);
  }
});
