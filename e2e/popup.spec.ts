// Popup login (issue #13 item 1): AuthService.loginWithPopup() against the local provider, with
// and without Cross-Origin-Opener-Policy on its pages (the per-login `coop=same-origin` switch of
// projects/demo-backend, which the demo's "Popup login" card sets). The app page never navigates:
// a value set on its window survives the login.
import type { Page } from '@playwright/test';
import { expect, onProvider, openDemoAnonymous, submitProviderLogin, test, USERS } from './fixtures';
import type { E2eEnv } from './env';

/** Marks the app page's window: a reload or a navigation would lose the mark. */
async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { e2eMark?: string }).e2eMark = 'kept'));
}

async function pageMark(page: Page): Promise<string | undefined> {
  return page.evaluate(() => (window as unknown as { e2eMark?: string }).e2eMark);
}

/** Opens the demo anonymously, optionally with COOP and a timeout for the next popup login. */
async function openDemo(page: Page, env: E2eEnv, options: { coop?: boolean; timeoutSeconds?: number } = {}): Promise<void> {
  await openDemoAnonymous(page, env);
  if (options.coop) await page.getByTestId('popup-coop').check();
  if (options.timeoutSeconds) await page.getByTestId('popup-timeout').fill(String(options.timeoutSeconds));
  await markPage(page);
}

/** Clicks "Log in in a popup" and returns the popup, once it shows the provider's login form. */
async function openPopup(page: Page, env: E2eEnv, button = 'popup-login-button'): Promise<Page> {
  const popupOpened = page.waitForEvent('popup');
  await page.getByTestId(button).click();
  const popup = await popupOpened;
  await popup.waitForURL((url) => onProvider(env, url));
  await expect(popup.locator('input[name=password]')).toBeVisible();
  return popup;
}

for (const coop of [false, true]) {
  test.describe(coop ? 'with COOP on the provider pages' : 'without COOP', () => {
    test('logs in in a popup without the app page navigating', async ({ page, env }) => {
      await openDemo(page, env, { coop });
      const appUrl = page.url();
      const coopHeaders: string[] = [];
      page.context().on('response', (response) => {
        const header = response.headers()['cross-origin-opener-policy'];
        if (header && onProvider(env, response.url())) coopHeaders.push(header);
      });
      const popup = await openPopup(page, env, 'popup-login-card-button');
      const closed = popup.waitForEvent('close');
      await submitProviderLogin(popup, env, USERS.alice);
      // The popup's callback page hands the answer over and closes its window.
      await closed;
      await expect(page.getByTestId('auth-status')).toHaveText('authenticated');
      await expect(page.getByTestId('user-name')).toContainText(USERS.alice.name);
      await expect(page.getByTestId('popup-login-status')).toHaveText('completed');
      expect(await pageMark(page)).toBe('kept');
      expect(page.url()).toBe(appUrl);
      expect(coopHeaders.length > 0).toBe(coop);
      if (coop) expect(coopHeaders.every((h) => h === 'same-origin')).toBe(true);
    });
  });
}

test('the user closing the popup on the provider ends the login with popup_closed at once (no COOP)', async ({ page, env }) => {
  await openDemo(page, env);
  // The app's clock, moved by the test: the app looks at its popup every 500 ms, and a person
  // closes it after the app saw it on the provider at two looks in a row (not within the first
  // second).
  await page.clock.install();
  const popup = await openPopup(page, env);
  await page.clock.runFor(1_500);
  await popup.close();
  // Seen on the provider, then closed: known at the next looks, not at the timeout (300 s).
  await page.clock.runFor(1_000);
  await expect(page.getByTestId('auth-error')).toHaveText('popup_closed', { timeout: 5_000 });
  await expect(page.getByTestId('auth-status')).toHaveText('anonymous');
  expect(await pageMark(page)).toBe('kept');
});

test('with COOP, the user closing the popup ends the login with popup_closed at the timeout', async ({ page, env }) => {
  await openDemo(page, env, { coop: true, timeoutSeconds: 4 });
  const popup = await openPopup(page, env);
  await popup.close();
  // The severed popup read as closed since the provider's first page: only the timeout tells.
  await expect(page.getByTestId('popup-login-status')).toHaveText('pending');
  await expect(page.getByTestId('auth-error')).toHaveText('popup_closed', { timeout: 15_000 });
  await expect(page.getByTestId('popup-login-error')).toHaveText('popup_closed');
  await expect(page.getByTestId('auth-status')).toHaveText('anonymous');
});

test('a blocked popup fails with popup_blocked, and the app stays', async ({ page, env }) => {
  await openDemo(page, env);
  // What a popup blocker does: window.open returns null.
  await page.evaluate(() => (window.open = () => null));
  let popups = 0;
  page.on('popup', () => popups++);
  await page.getByTestId('popup-login-button').click();
  await expect(page.getByTestId('auth-error')).toHaveText('popup_blocked');
  await expect(page.getByTestId('auth-status')).toHaveText('anonymous');
  expect(popups).toBe(0);
  expect(await pageMark(page)).toBe('kept');
});
