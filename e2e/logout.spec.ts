// 5. Logout ends the app session and the provider session.
import {
  expect,
  expectProviderLoginForm,
  loginWithPassword,
  onDemo,
  onProvider,
  test,
} from './fixtures';

test('logout: back on the demo anonymous, and the provider asks for credentials again', async ({
  page,
  env,
}) => {
  await loginWithPassword(page, env);

  await page.getByTestId('logout-button').click();
  // Either straight back to the demo, or via a provider sign-out confirmation page.
  await page.waitForURL((url) => onDemo(env, url) || onProvider(env, url));
  if (onProvider(env, page.url())) {
    const confirm = page
      .locator('form button[type=submit], form input[type=submit], form button:not([type])')
      .first();
    await page
      .waitForURL((url) => onDemo(env, url), { timeout: 3_000 })
      .catch(async () => {
        if (onProvider(env, page.url()) && (await confirm.isVisible())) {
          console.warn(
            `[e2e] provider showed a sign-out confirmation page (${page.url()}); confirming it`,
          );
          await confirm.click();
        }
      });
  }
  await page.waitForURL((url) => onDemo(env, url));
  await expect(page.getByTestId('auth-status')).toHaveText('anonymous');
  await expect(page.getByTestId('login-button')).toBeVisible();

  // The provider session is gone: no silent SSO, the login form is shown again.
  await page.getByTestId('login-button').click();
  await expectProviderLoginForm(page, env);
  // ...and it stays there (no instant redirect back to the demo).
  await page.waitForTimeout(1_000);
  expect(onProvider(env, page.url()), `still on the provider: ${page.url()}`).toBe(true);
  await expect(page.locator('input[name=password]')).toBeVisible();
});
