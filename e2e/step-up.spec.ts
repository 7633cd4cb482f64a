// Step-up authentication (issue #13 item 4) against the real local provider and API: the demo's
// "Sensitive action" page (/step-up) calls GET /api/step-up, which wants the acr of a sign-in with
// the one-time code; the RFC 9470 challenge becomes the demo's "Verify with a second step", and
// a login with acrRequired for an acr the provider does not deliver fails with acr_not_satisfied.
import type { Page, Request, Response } from '@playwright/test';
import type { E2eEnv } from './env';
import {
  bearerToken,
  callApi,
  decodeJwtPayload,
  expect,
  finishOnDemo,
  loginWithPassword,
  onProvider,
  storedDemoSession,
  submitProviderPage,
  test,
} from './fixtures';

// projects/demo-backend/acr.mjs: ACR_PASSWORD, ACR_MFA, ONE_TIME_CODE.
const ACR_PASSWORD = 'urn:ngx-oidc:acr:password';
const ACR_MFA = 'urn:ngx-oidc:acr:mfa';
const ONE_TIME_CODE = '123456';
/** Not in the provider's acr_values_supported: it answers with the session's level instead. */
const UNKNOWN_ACR = 'urn:ngx-oidc:acr:hardware-key';

/** The next browser navigation to the provider's authorization endpoint (`/auth`, not a resume). */
function nextAuthorization(page: Page, env: E2eEnv): Promise<Request> {
  return page.waitForRequest(
    (r) =>
      r.isNavigationRequest() && onProvider(env, r.url()) && new URL(r.url()).pathname === '/auth',
  );
}

/** The next answer of the demo API's `GET /api/step-up`. */
function nextStepUpAnswer(page: Page, env: E2eEnv): Promise<Response> {
  return page.waitForResponse(
    (r) => r.request().method() === 'GET' && r.url() === `${env.apiUrl}/api/step-up`,
  );
}

/** A link of the demo's main navigation. */
function nav(page: Page, name: string) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });
}

/** Logs alice in with her password and opens the "Sensitive action" page through the nav. */
async function openStepUpPageWithPassword(page: Page, env: E2eEnv): Promise<void> {
  await loginWithPassword(page, env);
  await nav(page, 'Sensitive action').click();
  await page.waitForURL(`${env.demoUrl}/step-up`);
  await expect(page.getByTestId('current-acr')).toHaveText(ACR_PASSWORD);
}

test('step-up: /api/step-up refuses a password sign-in, the one-time code raises it, the call then succeeds', async ({
  page,
  env,
}) => {
  await openStepUpPageWithPassword(page, env);

  // 1. The API refuses the password login's token with the RFC 9470 challenge (§3) ...
  const refused = nextStepUpAnswer(page, env);
  await page.getByTestId('step-up-call-button').click();
  const refusal = await refused;
  expect(refusal.status()).toBe(401);
  const challenge = refusal.headers()['www-authenticate'] ?? '';
  expect(challenge).toContain('error="insufficient_user_authentication"');
  expect(challenge).toContain(`acr_values="${ACR_MFA}"`);
  const weakToken = decodeJwtPayload((await bearerToken(refusal.request()))!);
  expect(weakToken['acr']).toBe(ACR_PASSWORD);

  // 2. ... which the interceptor surfaces as a typed error (no renewal, no retry), and the demo
  //    shows what the API asks for. The session stays.
  await expect(page.getByTestId('step-up-result')).toHaveText(
    'error insufficient_user_authentication',
  );
  await expect(page.getByTestId('step-up-prompt')).toBeVisible();
  await expect(page.getByTestId('step-up-required-acr')).toHaveText(ACR_MFA);
  await expect(page.getByTestId('step-up-required-max-age')).toHaveCount(0);
  await expect(page.getByTestId('auth-status')).toHaveText('authenticated');

  // 3. "Verify with a second step": a login with the challenge's acr_values. The provider knows
  //    alice, so it shows only the one-time-code page, not the password page.
  const authorization = nextAuthorization(page, env);
  await page.getByTestId('step-up-button').click();
  const authorizeUrl = new URL((await authorization).url());
  expect(authorizeUrl.searchParams.get('acr_values')).toBe(ACR_MFA);
  await expect(page.getByTestId('otp-code')).toBeVisible();
  await expect(page.getByTestId('otp-account')).toContainText('Alice');
  await expect(page.locator('input[name=password]')).toHaveCount(0);
  await page.getByTestId('otp-code').fill(ONE_TIME_CODE);
  const retried = nextStepUpAnswer(page, env);
  await submitProviderPage(page, page.getByTestId('otp-submit'));
  await finishOnDemo(page, env);

  // 4. Back on the page (returnUrl), the refused call is sent again and passes.
  await page.waitForURL(`${env.demoUrl}/step-up`);
  await expect(page.getByTestId('auth-status')).toHaveText('authenticated');
  const success = await retried;
  expect(success.status()).toBe(200);
  const strongToken = decodeJwtPayload((await bearerToken(success.request()))!);
  expect(strongToken['acr']).toBe(ACR_MFA);
  expect(strongToken['sub']).toBe(weakToken['sub']);
  await expect(page.getByTestId('step-up-result')).toHaveText(/^200 /);
  await expect(page.getByTestId('step-up-result')).toContainText(`"acr":"${ACR_MFA}"`);
  await expect(page.getByTestId('step-up-prompt')).toHaveCount(0);
  await expect(page.getByTestId('current-acr')).toHaveText(ACR_MFA);
  await expect(page.getByTestId('auth-error')).toHaveCount(0);

  // The ID token's acr is in the user info too.
  await nav(page, 'Profile').click();
  await expect(page.getByTestId('id-token-acr')).toHaveText(ACR_MFA);
});

test('acrRequired: a login that comes back without the required acr fails with acr_not_satisfied, and the session stays', async ({
  page,
  env,
}) => {
  await openStepUpPageWithPassword(page, env);
  const before = await storedDemoSession(page);
  expect(before, 'stored session after the password login').not.toBeNull();

  // A level the provider does not know: OpenID Connect Core 1.0 §3.1.2.1 makes acr_values a
  // voluntary request, so it signs alice in again from her session, with the password acr.
  await expect(page.getByTestId('required-acr-input')).toHaveValue(UNKNOWN_ACR);
  const authorization = nextAuthorization(page, env);
  const callback = page.waitForRequest(
    (r) => r.isNavigationRequest() && r.url().startsWith(`${env.demoUrl}/callback`),
  );
  await page.getByTestId('require-acr-button').click();
  expect(new URL((await authorization).url()).searchParams.get('acr_values')).toBe(UNKNOWN_ACR);
  await callback;

  // ngx-oidc refuses the ID token (its acr is not the one required) and installs nothing of it.
  await expect(page.getByTestId('auth-error')).toHaveText('acr_not_satisfied');
  await expect(
    page.getByTestId('event').filter({ hasText: 'login_failed acr_not_satisfied' }),
  ).toHaveCount(1);
  await expect(page.getByTestId('auth-status')).toHaveText('authenticated');
  await expect(page.getByTestId('user-name')).toContainText('Alice');
  const after = await storedDemoSession(page);
  expect(after?.tokens.idToken, 'the session from before, unchanged').toBe(before!.tokens.idToken);
  expect(after?.tokens.accessToken).toBe(before!.tokens.accessToken);

  // The previous login's token still works.
  await callApi(page, env);
  await expect(page.getByTestId('api-result')).toHaveText(/^\s*200/);
  await nav(page, 'Sensitive action').click();
  await expect(page.getByTestId('current-acr')).toHaveText(ACR_PASSWORD);
});
