// Several providers in one app (#13 item 2): the demo's main provider and its second provider,
// "partner" (withAuthProvider('partner', …), the Partner page), both run by the demo backend
// (partnerAuthority in demo-env.json; its own port, cookies and keys). The same demo user logs in
// to both; each API gets its own provider's token; logging out of one leaves the other; a
// callback that mixes one provider's state with the other's iss (RFC 9207) is refused.
import type { Page, Request } from '@playwright/test';
import type { E2eEnv } from './env';
import {
  bearerToken,
  callApi,
  decodeJwtPayload,
  expect,
  expectProviderLoginForm,
  finishOnDemo,
  loginWithPassword,
  onDemo,
  onProvider,
  openDemoAnonymous,
  submitProviderLogin,
  test,
} from './fixtures';

/** The partner's issuer, as the backend wrote it to demo-env.json. */
function partnerIssuer(env: E2eEnv): string {
  const issuer = env.demoEnv['partnerAuthority'];
  expect(typeof issuer, 'partnerAuthority in demo-env.json').toBe('string');
  return issuer as string;
}

/** The same helpers' view of the run, with the partner as "the provider". */
function atPartner(env: E2eEnv): E2eEnv {
  return { ...env, issuer: partnerIssuer(env) };
}

/** Opens the Partner page through the app's navigation (no reload). */
async function openPartnerPage(page: Page): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Partner' })
    .click();
  await expect(page.getByTestId('partner-authority')).toBeVisible();
}

/** From the Partner page: logs in to the partner (its own login page) and comes back to it. */
async function loginToPartner(page: Page, env: E2eEnv): Promise<void> {
  await page.getByTestId('partner-login-button').click();
  await expect(page.getByTestId('idp-name')).toHaveText('Partner identity provider');
  await submitProviderLogin(page, atPartner(env));
  await finishOnDemo(page, atPartner(env));
  await expect(page.getByTestId('partner-status')).toHaveText('authenticated');
}

/** Clicks the Partner page's API button; returns the request sent to `<apiUrl>/partner/me`. */
async function callPartnerApi(page: Page, env: E2eEnv): Promise<Request> {
  const sent = page.waitForRequest(
    (r) => r.method() === 'GET' && r.url() === `${env.apiUrl}/partner/me`,
  );
  await page.getByTestId('partner-call-api').click();
  const request = await sent;
  await expect(page.getByTestId('partner-api-result')).toHaveText(/\S/);
  return request;
}

/** The `iss` of the bearer token a request carried. */
async function issuerOf(request: Request): Promise<unknown> {
  const token = await bearerToken(request);
  expect(token, `Authorization header of ${request.url()}`).toBeTruthy();
  return decodeJwtPayload(token!)['iss'];
}

/**
 * Clicks `button` and waits for the logout round trip through `provider` to end: the request that
 * brings the page back from the provider's end-session page (see logout.spec.ts: the page is on
 * the demo before and after, so a demo URL proves nothing).
 */
async function logOut(page: Page, env: E2eEnv, provider: E2eEnv, button: string): Promise<void> {
  const sentBack = page.waitForRequest(
    (request) =>
      request.isNavigationRequest() &&
      request.frame() === page.mainFrame() &&
      onDemo(env, request.url()) &&
      onProvider(provider, request.redirectedFrom()?.url() ?? 'about:blank'),
    { timeout: 30_000 },
  );
  await page.getByTestId(button).click();
  await sentBack;
  await page.waitForURL((url) => onDemo(env, url), { waitUntil: 'commit' });
}

/** Opens the API page through the app's navigation and calls the main provider's API. */
async function callMainApi(page: Page, env: E2eEnv): Promise<Request> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API' }).click();
  return callApi(page, env);
}

test.describe('several providers in one app', () => {
  test("log in to both; each API gets its own provider's token; logging out of the partner leaves the main session", async ({
    page,
    env,
  }) => {
    await loginWithPassword(page, env);
    await openPartnerPage(page);
    await expect(page.getByTestId('partner-status')).toHaveText('anonymous');
    await expect(page.getByTestId('partner-main-status')).toHaveText('authenticated');

    await loginToPartner(page, env);
    await expect(page).toHaveURL(/\/partner$/);
    await expect(page.getByTestId('partner-user-name')).toHaveText('Alice Liddell');
    // The main provider's session is still there.
    await expect(page.getByTestId('auth-status')).toHaveText('authenticated');

    // The partner API takes only the partner's tokens, and gets one.
    const partnerCall = await callPartnerApi(page, env);
    expect(await issuerOf(partnerCall)).toBe(partnerIssuer(env));
    await expect(page.getByTestId('partner-api-result')).toHaveText(/^200 /);
    await expect(page.getByTestId('partner-api-result')).toContainText(partnerIssuer(env));

    // The main API gets the main provider's token.
    const mainCall = await callMainApi(page, env);
    expect(await issuerOf(mainCall)).toBe(env.issuer);
    await expect(page.getByTestId('api-result')).toHaveText(/^200 /);

    // Logging out of the partner (its end-session page, then back to the app).
    await openPartnerPage(page);
    await logOut(page, env, atPartner(env), 'partner-logout-button');
    await expect(page.getByTestId('auth-status')).toHaveText('authenticated');
    await openPartnerPage(page);
    await expect(page.getByTestId('partner-status')).toHaveText('anonymous');
    const sent: string[] = [];
    page.on('request', (r) => {
      if (r.url().startsWith(`${env.apiUrl}/partner/`)) sent.push(r.url());
    });
    await page.getByTestId('partner-call-api').click();
    // Nobody is logged in to the partner: the interceptor does not send the request at all.
    await expect(page.getByTestId('partner-api-result')).toHaveText('error not_authenticated');
    expect(sent).toEqual([]);
    const again = await callMainApi(page, env);
    expect(await issuerOf(again)).toBe(env.issuer);
    await expect(page.getByTestId('api-result')).toHaveText(/^200 /);
  });

  test('logging out of the main provider leaves the partner session', async ({ page, env }) => {
    await loginWithPassword(page, env);
    await openPartnerPage(page);
    await loginToPartner(page, env);

    await logOut(page, env, env, 'logout-button');
    await expect(page.getByTestId('auth-status')).toHaveText('anonymous');
    await openPartnerPage(page);
    await expect(page.getByTestId('partner-status')).toHaveText('authenticated');
    const partnerCall = await callPartnerApi(page, env);
    expect(await issuerOf(partnerCall)).toBe(partnerIssuer(env));
    await expect(page.getByTestId('partner-api-result')).toHaveText(/^200 /);
  });

  /**
   * Starts a login with `start` and waits for `provider`'s login form: returns the `state` the
   * authorization request carried (the login stays pending in the app's session storage).
   */
  async function pendingState(
    page: Page,
    provider: E2eEnv,
    start: () => Promise<void>,
  ): Promise<string> {
    const authorize = page.waitForRequest(
      (r) =>
        r.isNavigationRequest() &&
        onProvider(provider, r.url()) &&
        new URL(r.url()).pathname === '/auth',
    );
    await start();
    const state = new URL((await authorize).url()).searchParams.get('state');
    expect(state, 'state of the authorization request').toBeTruthy();
    await expectProviderLoginForm(page, provider);
    return state!;
  }

  test("RFC 9207 mix-up: the partner's state with the main provider's iss is refused (iss_parameter_mismatch), nothing redeemed", async ({
    page,
    env,
  }) => {
    const tokenRequests: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname.endsWith('/token'))
        tokenRequests.push(r.url());
    });
    await openDemoAnonymous(page, env);
    await openPartnerPage(page);
    // An attacker's answer (RFC 9207 §1): the partner's login's state, the main provider's iss.
    const state = await pendingState(page, atPartner(env), () =>
      page.getByTestId('partner-login-button').click(),
    );
    const callback = new URL(`${env.demoUrl}/callback`);
    callback.search = new URLSearchParams({
      code: 'code-of-the-other-provider',
      state,
      iss: env.issuer,
    }).toString();

    await page.goto(callback.toString());
    await expect(page.getByTestId('auth-status')).toHaveText('anonymous');
    await openPartnerPage(page);
    await expect(page.getByTestId('partner-error')).toHaveText('iss_parameter_mismatch');
    await expect(page.getByTestId('partner-status')).toHaveText('anonymous');
    // Refused by the partner's client only, once: the main provider shows no error.
    await expect(page.getByTestId('auth-error')).toHaveCount(0);
    expect(tokenRequests).toEqual([]);
  });

  test("RFC 9207 mix-up, the other way: the main provider's state with the partner's iss is refused", async ({
    page,
    env,
  }) => {
    const tokenRequests: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname.endsWith('/token'))
        tokenRequests.push(r.url());
    });
    await openDemoAnonymous(page, env);
    const state = await pendingState(page, env, () => page.getByTestId('login-button').click());
    const callback = new URL(`${env.demoUrl}/callback`);
    callback.search = new URLSearchParams({
      code: 'code-of-the-other-provider',
      state,
      iss: partnerIssuer(env),
    }).toString();

    await page.goto(callback.toString());
    await expect(page.getByTestId('auth-error')).toHaveText('iss_parameter_mismatch');
    await expect(page.getByTestId('auth-status')).toHaveText('anonymous');
    await openPartnerPage(page);
    await expect(page.getByTestId('partner-status')).toHaveText('anonymous');
    await expect(page.getByTestId('partner-error')).toHaveCount(0);
    expect(tokenRequests).toEqual([]);
  });
});
