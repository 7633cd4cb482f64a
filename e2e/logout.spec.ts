// 5. Logout ends the app session and the provider session.
import type { Request } from '@playwright/test';
import {
  expect,
  expectProviderLoginForm,
  finishOnDemo,
  loginWithPassword,
  logoutThroughProvider,
  onDemo,
  onProvider,
  submitProviderLogin,
  test,
} from './fixtures';

/** The request and the ones it was redirected from, first request first. */
function redirectChain(request: Request): Request[] {
  const chain: Request[] = [];
  for (let r: Request | null = request; r; r = r.redirectedFrom()) chain.unshift(r);
  return chain;
}

test('logout: back on the demo anonymous, and the provider asks for credentials again', async ({
  page,
  env,
}) => {
  await loginWithPassword(page, env);

  await logoutThroughProvider(page, env);
  await expect(page.getByTestId('auth-status')).toHaveText('anonymous');
  await expect(page.getByTestId('login-button')).toBeVisible();

  // The provider session is gone: no silent SSO, the login form is shown again...
  const demoNavigations: Request[] = [];
  page.on('request', (request) => {
    if (
      request.isNavigationRequest() &&
      request.frame() === page.mainFrame() &&
      onDemo(env, request.url())
    ) {
      demoNavigations.push(request);
    }
  });
  await page.getByTestId('login-button').click();
  await expectProviderLoginForm(page, env);
  // ...and it stays there (no redirect back to the demo without credentials). Not a fixed wait:
  // submitting the credentials is the signal. The only navigation back to the demo since the
  // login click is the callback that answers them (its redirect chain starts with the form's
  // POST on the provider).
  await submitProviderLogin(page, env);
  await finishOnDemo(page, env);
  await expect(page.getByTestId('auth-status')).toHaveText('authenticated');
  expect(
    demoNavigations.map((r) => new URL(r.url()).pathname),
    'navigations to the demo since the login click',
  ).toEqual(['/callback']);
  const start = redirectChain(demoNavigations[0])[0];
  expect(
    `${start.method()} ${onProvider(env, start.url()) ? 'on the provider' : start.url()}`,
    'the request the callback answers',
  ).toBe('POST on the provider');
});
