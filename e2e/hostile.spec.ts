// 7. A hostile OpenID Provider (e2e/hostile-provider.mjs): every broken response is rejected
//    through the real library in a real browser, with the documented error code, and leaves
//    nothing authenticated behind. Positive controls prove the provider is otherwise honest.
import { createServer } from 'node:net';
import type { Page, Request } from '@playwright/test';
import type { E2eEnv } from './env';
import {
  expect,
  expectAuthenticatedOrShowError,
  origin,
  routeDemoEnv,
  test as base,
  webStorageEntries,
  type DemoEnvOverrides,
} from './fixtures';
import type { HostileProvider } from './hostile-provider.mjs';

const USER_NAME = 'Hostile Test User';

const test = base.extend<{ hostile: HostileProvider }, { hostileServer: HostileProvider }>({
  // One hostile provider per worker, on a free loopback port. Loading its module and making its
  // keys can take seconds on a busy machine: a timeout of its own keeps that out of the 60 s of
  // the worker's first test (https://playwright.dev/docs/test-fixtures#fixture-timeout).
  hostileServer: [
    async ({ env }, use) => {
      const { startHostileProvider } = await import('./hostile-provider.mjs');
      const server = await startHostileProvider({ clientOrigins: [origin(env.demoUrl)] });
      await use(server);
      await server.close();
    },
    { scope: 'worker', timeout: 120_000 },
  ],
  // Each test starts from the honest case with an empty request log.
  hostile: async ({ hostileServer }, use) => {
    hostileServer.reset();
    await use(hostileServer);
    hostileServer.reset();
  },
});

// The cases are independent (fresh context each, per-worker provider): spread them over the workers.
test.describe.configure({ mode: 'parallel' });

/** Points the demo at `authority` (default: the hostile provider), opens it and clicks login. */
async function startLogin(
  page: Page,
  env: E2eEnv,
  authority: string,
  overrides: DemoEnvOverrides = {},
): Promise<void> {
  await routeDemoEnv(page, env, { authority, ...overrides });
  await page.goto(env.demoUrl + '/');
  await expect(page.getByTestId('auth-status')).toHaveText('anonymous');
  await page.getByTestId('login-button').click();
}

/** The failure is shown, nobody is logged in, and no token can be read or used. */
async function expectRejected(
  page: Page,
  env: E2eEnv,
  hostile: HostileProvider | undefined,
  code: string,
): Promise<void> {
  await expect(page.getByTestId('auth-error')).toHaveText(code);
  await expect(page.getByTestId('auth-status')).toHaveText('anonymous');
  await expect(page.getByTestId('user-name')).toHaveCount(0);

  const storage = await webStorageEntries(page);
  const sessionsWithTokens = storage.filter(
    (e) =>
      e.key.startsWith('ngx-oidc.session.') &&
      (/"(idToken|accessToken|refreshToken)"\s*:\s*"/.test(e.value) ||
        /eyJ[\w-]+\.[\w-]*\.[\w-]*/.test(e.value)),
  );
  expect(sessionsWithTokens, 'ngx-oidc.session.* entries holding a token').toEqual([]);
  const issued = hostile?.issuedTokens ?? [];
  const leaked = storage
    .filter((e) => issued.some((token) => e.value.includes(token)))
    .map((e) => `${e.area}: ${e.key}`);
  expect(leaked, 'web storage entries holding a token the provider issued').toEqual([]);

  // The interceptor holds no access token: the allow-listed call is refused, not sent.
  const apiRequests: Request[] = [];
  page.on('request', (r) => {
    if (r.url().startsWith(env.apiUrl + '/api/messages')) apiRequests.push(r);
  });
  await page.getByTestId('api-call-button').click();
  await expect(page.getByTestId('api-result')).toHaveText('error not_authenticated');
  expect(
    apiRequests.map((r) => r.url()),
    'API requests sent',
  ).toEqual([]);
}

async function expectAuthenticated(page: Page): Promise<void> {
  await expectAuthenticatedOrShowError(page);
  await expect(page.getByTestId('user-name')).toHaveText(USER_NAME);
  await expect(page.getByTestId('auth-error')).toHaveCount(0);
}

interface Row {
  /** Test title: the attack. */
  title: string;
  case: string;
  caseOptions?: Record<string, unknown>;
  demoEnv?: DemoEnvOverrides;
  code: string;
  /** `callback`: fails after the provider redirected back; `login`: fails before leaving the app. */
  phase: 'callback' | 'login';
  message?: string;
  /** Expected request counts at the provider, `METHOD /path` → n. */
  counts?: Record<string, number>;
}

const TOKEN = 'POST /token';
const JWKS = 'GET /jwks';

const DESCRIPTION = (error: string) => `hostile ${error}: the user may not log in here`;

const rows: Row[] = [
  // The authorization response.
  {
    title: 'CSRF: a forged state no login sent',
    case: 'forged-state',
    code: 'state_mismatch',
    phase: 'callback',
    counts: { [TOKEN]: 0 },
  },
  {
    title: 'mix-up (RFC 9207): the response carries a wrong iss',
    case: 'iss-param-wrong',
    code: 'iss_parameter_mismatch',
    phase: 'callback',
    counts: { [TOKEN]: 0 },
  },
  {
    title: 'mix-up (RFC 9207): iss advertised but missing from the response',
    case: 'iss-param-missing',
    code: 'iss_parameter_mismatch',
    phase: 'callback',
    counts: { [TOKEN]: 0 },
  },
  // Provider errors (OIDC Core 1.0 §3.1.2.6): the three "interaction needed" errors have codes of
  // their own (errors.ts, callback.ts providerError; account_selection_required →
  // interaction_required), any other error is authorization_error.
  ...(
    [
      ['access_denied', 'authorization_error'],
      ['login_required', 'login_required'],
      ['consent_required', 'consent_required'],
      ['interaction_required', 'interaction_required'],
      ['account_selection_required', 'interaction_required'],
    ] as const
  ).map(([error, code]): Row => ({
    title: `provider error response: ${error} with an error_description`,
    case: 'provider-error',
    caseOptions: { error, description: DESCRIPTION(error) },
    code,
    phase: 'callback',
    message: DESCRIPTION(error),
    counts: { [TOKEN]: 0 },
  })),
  // The ID token: replay, signature, key selection.
  {
    title: "replay: the ID token carries another login's nonce",
    case: 'foreign-nonce',
    code: 'nonce_mismatch',
    phase: 'callback',
  },
  {
    title: 'replay: the ID token has no nonce',
    case: 'no-nonce',
    code: 'nonce_missing',
    phase: 'callback',
  },
  {
    title: 'forgery: signed by a key not in the JWKS under a known kid',
    case: 'rogue-key-known-kid',
    code: 'invalid_signature',
    phase: 'callback',
    counts: { [JWKS]: 1 },
  },
  {
    title: 'forgery: unsigned ID token (alg "none")',
    case: 'alg-none',
    code: 'unsupported_alg',
    phase: 'callback',
  },
  {
    title: 'alg confusion: HS256 with the RSA public key as the HMAC secret',
    case: 'hs256-public-key',
    code: 'unsupported_alg',
    phase: 'callback',
  },
  // Prefetch before the redirect + exactly one refetch for the unknown kid.
  {
    title: 'forgery: kid not in the JWKS even after one refetch',
    case: 'unknown-kid',
    code: 'unknown_kid',
    phase: 'callback',
    counts: { [JWKS]: 2 },
  },
  {
    title: 'ambiguous key: no kid and two RS256 keys in the JWKS',
    case: 'no-kid-two-keys',
    code: 'unknown_kid',
    phase: 'callback',
  },
  // The ID token: claims.
  {
    title: 'token substitution: the ID token has a wrong iss',
    case: 'wrong-iss',
    code: 'invalid_issuer',
    phase: 'callback',
  },
  {
    title: 'token substitution: the ID token is for another client (aud)',
    case: 'foreign-aud',
    code: 'invalid_audience',
    phase: 'callback',
  },
  {
    title: 'token substitution: several audiences and no azp',
    case: 'multi-aud-no-azp',
    code: 'azp_mismatch',
    phase: 'callback',
  },
  {
    title: 'token substitution: azp of another client',
    case: 'foreign-azp',
    code: 'azp_mismatch',
    phase: 'callback',
  },
  {
    title: 'replay: an expired ID token',
    case: 'expired',
    code: 'token_expired',
    phase: 'callback',
  },
  {
    title: 'clock abuse: iat 1 hour in the future',
    case: 'iat-future',
    code: 'iat_in_future',
    phase: 'callback',
  },
  {
    title: 'malformed: the ID token has no sub',
    case: 'no-sub',
    code: 'missing_claim',
    phase: 'callback',
  },
  // Bindings of the front-channel tokens.
  {
    title: 'implicit "id_token token": access token swapped (wrong at_hash)',
    case: 'wrong-at-hash',
    demoEnv: { responseType: 'id_token token' },
    code: 'at_hash_mismatch',
    phase: 'callback',
    counts: { [TOKEN]: 0 },
  },
  {
    title: 'hybrid "code id_token": code swapped (wrong c_hash)',
    case: 'wrong-c-hash',
    demoEnv: { responseType: 'code id_token' },
    code: 'c_hash_mismatch',
    phase: 'callback',
    counts: { [TOKEN]: 0 },
  },
  {
    title: 'userinfo substitution: /userinfo describes another sub',
    case: 'userinfo-other-sub',
    demoEnv: { loadUserInfo: true },
    code: 'userinfo_sub_mismatch',
    phase: 'callback',
    counts: { 'GET /userinfo': 1 },
  },
  // The token endpoint: never retried (a code is single-use).
  {
    title: 'token endpoint: 400 invalid_grant',
    case: 'token-invalid-grant',
    code: 'token_request_failed',
    phase: 'callback',
    counts: { [TOKEN]: 1 },
  },
  {
    title: 'token endpoint: HTTP 500 with an HTML body',
    case: 'token-html-500',
    code: 'token_request_failed',
    phase: 'callback',
    counts: { [TOKEN]: 1 },
  },
  {
    title: 'token endpoint: 200 with a body that is not JSON',
    case: 'token-not-json',
    code: 'token_request_failed',
    phase: 'callback',
    counts: { [TOKEN]: 1 },
  },
  {
    title: 'token endpoint: connection destroyed mid-request',
    case: 'token-connection-destroyed',
    code: 'network_error',
    phase: 'callback',
    counts: { [TOKEN]: 1 },
  },
  // Discovery and JWKS: fail at login(), before the redirect.
  {
    title: 'discovery: the document names another issuer',
    case: 'discovery-issuer-mismatch',
    code: 'invalid_issuer',
    phase: 'login',
  },
  {
    title: 'discovery: malformed JSON',
    case: 'discovery-malformed',
    code: 'discovery_failed',
    phase: 'login',
  },
  { title: 'JWKS: malformed JSON', case: 'jwks-malformed', code: 'jwks_failed', phase: 'login' },
];

for (const row of rows) {
  test(`hostile provider: ${row.title} → ${row.code}`, async ({ page, env, hostile }, testInfo) => {
    hostile.setCase(row.case, row.caseOptions);
    await startLogin(page, env, hostile.issuer, row.demoEnv);
    await expectRejected(page, env, hostile, row.code);
    testInfo.annotations.push({
      type: 'auth-error-message',
      description: (await page.getByTestId('auth-error-message').textContent()) ?? '',
    });

    if (row.message !== undefined) {
      await expect(page.getByTestId('auth-error-message')).toContainText(row.message);
    }
    const log = hostile.requests.map((r) => `${r.method} ${r.path}`).join(', ');
    // Where it failed: after the provider's redirect back, or before ever going there.
    expect(hostile.count('GET', '/authorize'), `authorize requests (log: ${log})`).toBe(
      row.phase === 'callback' ? 1 : 0,
    );
    if (row.phase === 'login') {
      expect(new URL(page.url()).origin).toBe(origin(env.demoUrl));
    }
    for (const [request, expected] of Object.entries(row.counts ?? {})) {
      const [method, path] = request.split(' ');
      expect(hostile.count(method, path), `${request} (log: ${log})`).toBe(expected);
    }
  });
}

test('hostile provider: discovery unreachable (authority on a closed port) → network_error', async ({
  page,
  env,
}) => {
  const closedPort = await new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
  await startLogin(page, env, `http://localhost:${closedPort}`);
  await expectRejected(page, env, undefined, 'network_error');
  expect(new URL(page.url()).origin).toBe(origin(env.demoUrl));
});

// ------------------------------------------------------------------ positive controls

test('control: the honest hostile provider logs in (code flow + PKCE, RFC 9207 iss)', async ({
  page,
  env,
  hostile,
}) => {
  await startLogin(page, env, hostile.issuer);
  await expectAuthenticated(page);
  expect(hostile.count('GET', '/.well-known/openid-configuration')).toBe(1);
  expect(hostile.count('GET', '/jwks')).toBe(1);
  expect(hostile.count('GET', '/authorize')).toBe(1);
  expect(hostile.count('POST', '/token')).toBe(1);
  const tokenRequest = hostile.requests.find((r) => r.method === 'POST' && r.path === '/token');
  expect(tokenRequest?.form?.['code_verifier'], 'PKCE code_verifier sent').toBeTruthy();

  // The access token it issued is what the interceptor sends to the allow-listed API.
  const apiRequest = page.waitForRequest((r) => r.url().startsWith(env.apiUrl + '/api/messages'));
  await page.getByTestId('api-call-button').click();
  const authorization = (await (await apiRequest).allHeaders())['authorization'];
  expect(authorization).toMatch(/^Bearer hostile-at-/);
  expect(hostile.issuedTokens).toContain(authorization!.slice('Bearer '.length));
});

const controls: {
  title: string;
  case: string;
  caseOptions?: Record<string, unknown>;
  demoEnv?: DemoEnvOverrides;
  counts?: Record<string, number>;
}[] = [
  {
    title: 'implicit "id_token token" with a correct at_hash',
    case: 'honest',
    demoEnv: { responseType: 'id_token token' },
    counts: { [TOKEN]: 0 },
  },
  {
    title: 'hybrid "code id_token" with a correct c_hash',
    case: 'honest',
    demoEnv: { responseType: 'code id_token' },
    counts: { [TOKEN]: 1 },
  },
  {
    title: '/userinfo for the same sub (loadUserInfo)',
    case: 'honest',
    demoEnv: { loadUserInfo: true },
    counts: { 'GET /userinfo': 1 },
  },
  {
    title: 'RFC 9207 not advertised and no iss in the response',
    case: 'honest',
    caseOptions: { advertiseIss: false },
  },
  // oidc-provider's behaviour: RFC 9207 advertised, but no iss next to an id_token (the ID
  // token's iss claim identifies the issuer; openid-client accepts such responses).
  {
    title:
      'implicit "id_token token", RFC 9207 advertised, no iss next to the ID token (as oidc-provider)',
    case: 'honest',
    caseOptions: { issWithIdToken: false },
    demoEnv: { responseType: 'id_token token' },
  },
  {
    title:
      'hybrid "code id_token", RFC 9207 advertised, no iss next to the ID token (as oidc-provider)',
    case: 'honest',
    caseOptions: { issWithIdToken: false },
    demoEnv: { responseType: 'code id_token' },
    counts: { [TOKEN]: 1 },
  },
  {
    title: "key rotation: the token's kid appears on the JWKS refetch",
    case: 'key-rotation',
    counts: { [JWKS]: 2 },
  },
  {
    title: 'no kid with a single key in the JWKS',
    case: 'no-kid-single-key',
    counts: { [JWKS]: 1 },
  },
  {
    title: 'JWKS answers 500 once, then OK (the GET is retried once)',
    case: 'jwks-500-once',
    counts: { [JWKS]: 2 },
  },
];

for (const control of controls) {
  test(`control: ${control.title} → authenticated`, async ({ page, env, hostile }) => {
    hostile.setCase(control.case, control.caseOptions);
    await startLogin(page, env, hostile.issuer, control.demoEnv);
    await expectAuthenticated(page);
    const log = hostile.requests.map((r) => `${r.method} ${r.path}`).join(', ');
    for (const [request, expected] of Object.entries(control.counts ?? {})) {
      const [method, path] = request.split(' ');
      expect(hostile.count(method, path), `${request} (log: ${log})`).toBe(expected);
    }
  });
}
