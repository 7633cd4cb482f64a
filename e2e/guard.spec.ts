// 3. authGuard round-trip: /profile while anonymous → provider login → back on /profile.
import { escapeRegExp, expect, finishOnDemo, submitProviderLogin, test, USERS } from './fixtures';

test('guard: opening /profile anonymously logs in and returns to /profile', async ({
  page,
  env,
}) => {
  await page.goto(env.demoUrl + '/profile');
  // The guard must start the login: we end up on the provider's login form.
  await submitProviderLogin(page, env, USERS.alice);
  await finishOnDemo(page, env);
  await expect(page).toHaveURL(new RegExp(`^${escapeRegExp(env.demoUrl)}/profile(?:[?#].*)?$`));
  await expect(page.getByTestId('auth-status')).toHaveText('authenticated');
  await expect(page.getByTestId('profile-claims')).toBeVisible();
  await expect(page.getByTestId('profile-claims')).toContainText(/alice/i);
});
