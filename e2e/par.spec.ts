// Pushed Authorization Requests (RFC 9126, issue #13 item 3): with demo-env.json's `par` switch the
// demo logs in through withPushedAuthorizationRequests({ mode: 'required' }) against the local
// provider's PAR endpoint; without it (every other e2e test) the parameters stay in the URL.
import type { Page, Request } from '@playwright/test';
import {
  bearerToken,
  callApi,
  decodeJwtPayload,
  expect,
  expectAudience,
  expectProviderLoginForm,
  finishOnDemo,
  onProvider,
  openDemoAnonymous,
  providerDiscovery,
  routeDemoEnv,
  submitProviderLogin,
  test,
  USERS,
} from './fixtures';
import type { E2eEnv } from './env';

/** The provider's endpoints, from its discovery document (not guessed). */
async function providerEndpoints(
  page: Page,
  env: E2eEnv,
): Promise<{ authorization: string; par: string }> {
  const discovery = await providerDiscovery(page, env);
  const authorization = discovery['authorization_endpoint'];
  const par = discovery['pushed_authorization_request_endpoint'];
  expect(typeof authorization, 'authorization_endpoint').toBe('string');
  expect(typeof par, 'pushed_authorization_request_endpoint').toBe('string');
  return { authorization: authorization as string, par: par as string };
}

/** Sorted names of a URL's query parameters. */
function parameterNames(url: string): string[] {
  return [...new URL(url).searchParams.keys()].sort();
}

/**
 * Records, in order, the POSTs to the PAR endpoint and the browser's navigations to the
 * authorization endpoint (not its `/auth/<uid>` resumes after the login page).
 */
function trackAuthorizationRequests(
  page: Page,
  env: E2eEnv,
  endpoints: { authorization: string; par: string },
) {
  const seen: { kind: 'push' | 'authorize'; request: Request }[] = [];
  const authorizationPath = new URL(endpoints.authorization).pathname;
  page.on('request', (request) => {
    if (!onProvider(env, request.url())) return;
    const url = new URL(request.url());
    if (request.method() === 'POST' && url.href.split('?')[0] === endpoints.par) {
      seen.push({ kind: 'push', request });
    } else if (request.isNavigationRequest() && url.pathname === authorizationPath) {
      seen.push({ kind: 'authorize', request });
    }
  });
  return seen;
}

test('PAR required: the login is pushed first and the browser carries only client_id and request_uri', async ({
  page,
  env,
}) => {
  const endpoints = await providerEndpoints(page, env);
  await routeDemoEnv(page, env, { par: 'required' });
  const seen = trackAuthorizationRequests(page, env, endpoints);
  // Passes the push through unchanged, keeping a copy of the provider's answer (its body is
  // gone from the browser once the page navigates away).
  let answer: ((value: { status: number; body: string }) => void) | undefined;
  const pushAnswer = new Promise<{ status: number; body: string }>((r) => (answer = r));
  await page.route(endpoints.par, async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    const response = await route.fetch();
    const body = await response.text();
    answer!({ status: response.status(), body });
    await route.fulfill({ response, body });
  });

  await openDemoAnonymous(page, env);
  await expect(page.getByTestId('par-mode')).toContainText('required');
  await page.getByTestId('login-button').click();

  // 1. The parameters went to the PAR endpoint (RFC 9126 §2.1), as a public client.
  const pushed = await pushAnswer;
  expect(pushed.status, `PAR endpoint status (${pushed.body})`).toBe(201);
  const { request_uri: requestUri, expires_in: expiresIn } = JSON.parse(pushed.body) as {
    request_uri: string;
    expires_in: number;
  };
  expect(requestUri).toMatch(/^urn:ietf:params:oauth:request_uri:/);
  expect(expiresIn).toBeGreaterThan(0);
  await expectProviderLoginForm(page, env);
  const pushedParams = new URLSearchParams(seen[0]?.request.postData() ?? '');
  expect(pushedParams.get('client_id')).toBe(env.demoEnv.clientId ?? 'ngx-oidc-demo');
  expect(pushedParams.get('response_type')).toBe('code');
  expect(pushedParams.get('redirect_uri')).toBe(`${env.demoUrl}/callback`);
  expect(pushedParams.get('code_challenge_method')).toBe('S256');
  for (const name of ['state', 'nonce', 'code_challenge', 'scope']) {
    expect(pushedParams.get(name), `pushed ${name}`).toBeTruthy();
  }
  expect(pushedParams.has('client_secret'), 'a public client sends no secret').toBe(false);

  // 2. Then, and only then, the browser went to the authorization endpoint with nothing else
  //    (RFC 9126 §4).
  expect(seen.map((s) => s.kind)).toEqual(['push', 'authorize']);
  const authorizeUrl = seen[1].request.url();
  expect(authorizeUrl.split('?')[0]).toBe(endpoints.authorization);
  expect(parameterNames(authorizeUrl)).toEqual(['client_id', 'request_uri']);
  const query = new URL(authorizeUrl).searchParams;
  expect(query.get('client_id')).toBe(pushedParams.get('client_id'));
  expect(query.get('request_uri')).toBe(requestUri);
  for (const secret of [pushedParams.get('state')!, pushedParams.get('nonce')!]) {
    expect(authorizeUrl, 'state and nonce stay out of the URL').not.toContain(secret);
  }

  // 3. The login completes as usual, and its token works at the API.
  await submitProviderLogin(page, env, USERS.alice);
  await finishOnDemo(page, env);
  await expect(page.getByTestId('auth-status')).toHaveText('authenticated');
  await expect(page.getByTestId('user-name')).toContainText('Alice');
  expect(
    seen.filter((s) => s.kind === 'push'),
    'one push per login',
  ).toHaveLength(1);

  const apiRequest = await callApi(page, env);
  const token = await bearerToken(apiRequest);
  expect(token, 'Authorization: Bearer header on the API request').toBeTruthy();
  expectAudience(decodeJwtPayload(token!), env.demoEnv.apiAudience);
  await expect(page.getByTestId('api-result')).toHaveText(/^\s*200/);
});

test('without the switch the demo pushes nothing: the parameters stay in the authorization URL', async ({
  page,
  env,
}) => {
  const endpoints = await providerEndpoints(page, env);
  const served = await routeDemoEnv(page, env);
  expect(served['par'], 'demo-env.json of the e2e run').toBeUndefined();
  const seen = trackAuthorizationRequests(page, env, endpoints);

  await openDemoAnonymous(page, env);
  await expect(page.getByTestId('par-mode')).toHaveCount(0);
  await page.getByTestId('login-button').click();
  await expectProviderLoginForm(page, env);

  expect(seen.map((s) => s.kind)).toEqual(['authorize']);
  const names = parameterNames(seen[0].request.url());
  for (const name of [
    'client_id',
    'redirect_uri',
    'response_type',
    'scope',
    'state',
    'nonce',
    'code_challenge',
  ]) {
    expect(names, `authorization URL parameter ${name}`).toContain(name);
  }
  expect(names).not.toContain('request_uri');
});
