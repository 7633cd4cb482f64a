// DPoP (RFC 9449, issue #14): with demo-env.json's `dpop` switch the demo logs in with withDpop()
// against the local provider (nonces required at its token endpoint) and calls the demo API's
// DPoP-only route (nonces required there too), renews with a refresh grant proven with the same
// key, and shares that key (IndexedDB) with a second tab. The point of it all: the access token,
// copied out of the page, is worthless outside the browser without the key.
import { createHash, webcrypto } from 'node:crypto';
import type { Page, Request } from '@playwright/test';
import {
  decodeJwtPayload,
  expect,
  expectProviderLoginForm,
  finishOnDemo,
  logoutThroughProvider,
  onProvider,
  openDemoAnonymous,
  providerDiscovery,
  routeDemoEnv,
  submitProviderLogin,
  test,
  USERS,
} from './fixtures';
import type { E2eEnv } from './env';

/** The provider's endpoints, from its discovery document. */
async function providerEndpoints(page: Page, env: E2eEnv): Promise<{ authorization: string; token: string }> {
  const discovery = await providerDiscovery(page, env);
  expect(discovery['dpop_signing_alg_values_supported'], 'the provider supports DPoP').toContain('ES256');
  return { authorization: discovery['authorization_endpoint'] as string, token: discovery['token_endpoint'] as string };
}

function b64url(data: Uint8Array | string): string {
  return Buffer.from(data).toString('base64url');
}

/** The header and claims of a JWT (not verified here: the servers verify). */
function decodeJwt(jwt: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header] = jwt.split('.');
  return { header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')), payload: decodeJwtPayload(jwt) };
}

/** RFC 7638 thumbprint of an EC public key. */
function thumbprint(jwk: Record<string, unknown>): string {
  const canonical = JSON.stringify({ crv: jwk['crv'], kty: jwk['kty'], x: jwk['x'], y: jwk['y'] });
  return b64url(createHash('sha256').update(canonical).digest());
}

/** A proof as an attacker outside the browser makes it: right claims, but its own key. */
async function attackerProof(method: string, url: string, accessToken: string, nonce?: string): Promise<string> {
  const { privateKey, publicKey } = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const { kty, crv, x, y } = await webcrypto.subtle.exportKey('jwk', publicKey);
  const header = b64url(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } }));
  const claims = {
    jti: webcrypto.randomUUID(),
    htm: method,
    htu: url,
    iat: Math.floor(Date.now() / 1000),
    ath: b64url(createHash('sha256').update(accessToken).digest()),
    ...(nonce ? { nonce } : {}),
  };
  const input = `${header}.${b64url(JSON.stringify(claims))}`;
  const signature = await webcrypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, Buffer.from(input));
  return `${input}.${b64url(new Uint8Array(signature))}`;
}

interface Exchange {
  readonly status: number;
  readonly dpop: string | undefined;
  readonly authorization: string | undefined;
  readonly nonce: string | undefined;
  readonly body: string;
  /** The request's body (form parameters of a token request). */
  readonly requestBody: string;
}

/** Passes the requests to `url` through unchanged and records them with their answers, in order. */
async function recordExchanges(page: Page, url: string): Promise<Exchange[]> {
  const seen: Exchange[] = [];
  await page.route(url, async (route) => {
    if (route.request().method() === 'OPTIONS') return route.continue();
    const headers = await route.request().allHeaders();
    const response = await route.fetch();
    const body = await response.text();
    seen.push({
      status: response.status(),
      dpop: headers['dpop'],
      authorization: headers['authorization'],
      nonce: response.headers()['dpop-nonce'],
      body,
      requestBody: route.request().postData() ?? '',
    });
    await route.fulfill({ response, body });
  });
  return seen;
}

/**
 * Clicks the DPoP-only API button, waits until the API answered other than 401 (`seen`, from
 * {@link recordExchanges}), and returns what the page shows then.
 */
async function callDpopApi(page: Page, seen: readonly Exchange[]): Promise<string> {
  const before = seen.length;
  await page.getByTestId('dpop-call-button').click();
  await expect.poll(() => seen.slice(before).some((r) => r.status !== 401), 'an answer that is not a nonce challenge').toBe(true);
  await expect(page.getByTestId('dpop-result')).toHaveText(/\S/);
  return (await page.getByTestId('dpop-result').textContent()) ?? '';
}

test('DPoP: a bound login and API calls through nonce challenges; the token copied out of the page is refused without the key', async ({
  page,
  env,
}) => {
  const endpoints = await providerEndpoints(page, env);
  const dpopApi = `${env.apiUrl}/api/dpop/messages`;
  await routeDemoEnv(page, env, { dpop: true });
  const tokenRequests = await recordExchanges(page, endpoints.token);
  const apiRequests = await recordExchanges(page, dpopApi);
  const authorizations: Request[] = [];
  page.on('request', (request) => {
    if (onProvider(env, request.url()) && request.isNavigationRequest() && request.url().startsWith(endpoints.authorization + '?')) {
      authorizations.push(request);
    }
  });

  // 1. Login: dpop_jkt on the authorization request, proofs on the code exchange, the nonce
  //    challenge of the token endpoint answered once, a DPoP token.
  await openDemoAnonymous(page, env);
  await expect(page.getByTestId('dpop-mode')).toBeVisible();
  await page.getByTestId('login-button').click();
  await expectProviderLoginForm(page, env);
  const jkt = new URL(authorizations[0].url()).searchParams.get('dpop_jkt');
  expect(jkt, 'dpop_jkt on the authorization request').toMatch(/^[\w-]{43}$/);
  await submitProviderLogin(page, env, USERS.alice);
  await finishOnDemo(page, env);
  await expect(page.getByTestId('auth-status')).toHaveText('authenticated');

  expect(tokenRequests.map((r) => r.status), 'the token endpoint asks for a nonce, then answers').toEqual([400, 200]);
  expect(JSON.parse(tokenRequests[0].body)).toEqual(expect.objectContaining({ error: 'use_dpop_nonce' }));
  expect(tokenRequests[0].nonce).toBeTruthy();
  for (const [i, exchange] of tokenRequests.entries()) {
    expect(exchange.dpop, `DPoP header of token request ${i}`).toBeTruthy();
    const { header, payload } = decodeJwt(exchange.dpop!);
    expect(header['typ']).toBe('dpop+jwt');
    expect(thumbprint(header['jwk'] as Record<string, unknown>), 'the proof key is the dpop_jkt one').toBe(jkt);
    expect(payload).toEqual(expect.objectContaining({ htm: 'POST', htu: endpoints.token }));
  }
  expect(decodeJwt(tokenRequests[1].dpop!).payload['nonce'], 'the retry carries the nonce').toBe(tokenRequests[0].nonce);
  const tokens = JSON.parse(tokenRequests[1].body) as { token_type: string; access_token: string };
  expect(tokens.token_type).toBe('DPoP');
  expect((decodeJwtPayload(tokens.access_token)['cnf'] as { jkt?: string })?.jkt).toBe(jkt);

  // 2. The DPoP-only API: a 401 use_dpop_nonce first (no nonce of the API's origin yet), then the
  //    retry with it succeeds.
  expect(await callDpopApi(page, apiRequests)).toMatch(/^\s*200/);
  expect(apiRequests.map((r) => r.status)).toEqual([401, 200]);
  for (const exchange of apiRequests) {
    expect(exchange.authorization).toBe(`DPoP ${tokens.access_token}`);
    const { payload } = decodeJwt(exchange.dpop!);
    expect(payload).toEqual(expect.objectContaining({ htm: 'GET', htu: dpopApi, ath: b64url(createHash('sha256').update(tokens.access_token).digest()) }));
  }
  expect(decodeJwt(apiRequests[0].dpop!).payload['nonce']).toBeUndefined();
  expect(decodeJwt(apiRequests[1].dpop!).payload['nonce']).toBe(apiRequests[0].nonce);

  // The nonce is kept: the next call needs no challenge. After the API rotates it, one again.
  expect(await callDpopApi(page, apiRequests)).toMatch(/^\s*200/);
  expect(apiRequests.map((r) => r.status)).toEqual([401, 200, 200]);
  const rotated = await fetch(`${env.apiUrl}/__dpop/nonce/rotate`, { method: 'POST' });
  expect(rotated.status).toBe(200);
  const { nonce } = (await rotated.json()) as { nonce: string };
  expect(await callDpopApi(page, apiRequests)).toMatch(/^\s*200/);
  expect(apiRequests.map((r) => r.status)).toEqual([401, 200, 200, 401, 200]);
  expect(decodeJwt(apiRequests[4].dpop!).payload['nonce']).toBe(nonce);

  // 3. The token copied out of the page, replayed from outside the browser without the key.
  const token = tokens.access_token;
  const replay = async (url: string, headers: Record<string, string>) => {
    const response = await fetch(url, { headers });
    return { status: response.status, challenge: response.headers.get('www-authenticate') ?? '' };
  };
  const asBearer = await replay(dpopApi, { Authorization: `Bearer ${token}` });
  expect(asBearer.status, 'as Bearer').toBe(401);
  expect(asBearer.challenge).toContain('invalid_token');
  // Also where Bearer tokens are taken: a DPoP-bound token is not one.
  expect((await replay(`${env.apiUrl}/api/messages`, { Authorization: `Bearer ${token}` })).status, 'as Bearer at /api/messages').toBe(401);
  const noProof = await replay(dpopApi, { Authorization: `DPoP ${token}` });
  expect(noProof.status, 'DPoP scheme without a proof').toBe(401);
  expect(noProof.challenge).toContain('invalid_dpop_proof');
  const copiedProof = await replay(dpopApi, { Authorization: `DPoP ${token}`, DPoP: apiRequests[4].dpop! });
  expect(copiedProof.status, 'with the proof copied from the page (used once already)').toBe(401);
  const ownKey = await replay(dpopApi, { Authorization: `DPoP ${token}`, DPoP: await attackerProof('GET', dpopApi, token, nonce) });
  expect(ownKey.status, 'with a proof of another key').toBe(401);
  expect(ownKey.challenge).toContain('invalid_token');

  // Meanwhile the page, which holds the key, still gets through.
  expect(await callDpopApi(page, apiRequests)).toMatch(/^\s*200/);
});

test('without the switch nothing is DPoP: Bearer tokens, and the DPoP-only API refuses them', async ({ page, env }) => {
  const endpoints = await providerEndpoints(page, env);
  const served = await routeDemoEnv(page, env);
  expect(served['dpop'], 'demo-env.json of the e2e run').toBeUndefined();
  const tokenRequests = await recordExchanges(page, endpoints.token);
  await openDemoAnonymous(page, env);
  await expect(page.getByTestId('dpop-mode')).toHaveCount(0);
  await page.getByTestId('login-button').click();
  await submitProviderLogin(page, env, USERS.alice);
  await finishOnDemo(page, env);
  await expect(page.getByTestId('auth-status')).toHaveText('authenticated');
  expect(tokenRequests.map((r) => [r.status, r.dpop])).toEqual([[200, undefined]]);
  expect((JSON.parse(tokenRequests[0].body) as { token_type: string }).token_type).toBe('Bearer');

  const request = page.waitForRequest((r) => r.url() === `${env.apiUrl}/api/dpop/messages` && r.method() === 'GET');
  await page.getByTestId('dpop-call-button').click();
  await expect(page.getByTestId('dpop-result')).toHaveText(/^\s*401/);
  const headers = await (await request).allHeaders();
  expect(headers['authorization']).toMatch(/^Bearer /);
  expect(headers['dpop']).toBeUndefined();
});

/** The RFC 7638 thumbprint of the `jwk` in a proof's header. */
function proofKey(proof: string | undefined): string {
  expect(proof, 'a DPoP proof').toBeTruthy();
  return thumbprint(decodeJwt(proof!).header['jwk'] as Record<string, unknown>);
}

/**
 * Logs `page` in with DPoP (the demo already routed with `dpop: true`) and returns the
 * authorization request's `dpop_jkt`. With `reopen: false` it logs in from where the page is.
 */
async function dpopLogin(page: Page, env: E2eEnv, authorizationEndpoint: string, { reopen = true } = {}): Promise<string> {
  const authorizations: string[] = [];
  const onRequest = (request: Request) => {
    if (request.isNavigationRequest() && request.url().startsWith(authorizationEndpoint + '?')) authorizations.push(request.url());
  };
  page.on('request', onRequest);
  if (reopen) await openDemoAnonymous(page, env);
  await expect(page.getByTestId('dpop-mode')).toBeVisible();
  await page.getByTestId('login-button').click();
  await submitProviderLogin(page, env, USERS.alice);
  await finishOnDemo(page, env);
  await expect(page.getByTestId('auth-status')).toHaveText('authenticated');
  page.off('request', onRequest);
  expect(authorizations.length, 'one authorization request').toBe(1);
  const jkt = new URL(authorizations[0]).searchParams.get('dpop_jkt');
  expect(jkt, 'dpop_jkt on the authorization request').toMatch(/^[\w-]{43}$/);
  return jkt!;
}

test('DPoP refresh: the refresh grant carries a proof of the same key, gets a DPoP token, and the API takes it', async ({ page, env }) => {
  const endpoints = await providerEndpoints(page, env);
  const dpopApi = `${env.apiUrl}/api/dpop/messages`;
  const served = await routeDemoEnv(page, env, { dpop: true });
  expect(served['renewal'] ?? 'refresh_token', 'the demo renews with refresh tokens').toBe('refresh_token');
  const tokenRequests = await recordExchanges(page, endpoints.token);
  const apiRequests = await recordExchanges(page, dpopApi);
  const jkt = await dpopLogin(page, env, endpoints.authorization);
  const login = JSON.parse(tokenRequests[tokenRequests.length - 1].body) as { token_type: string; access_token: string; refresh_token?: string };
  expect(login.token_type).toBe('DPoP');
  expect(login.refresh_token, 'a refresh token (offline_access)').toBeTruthy();
  expect(await callDpopApi(page, apiRequests)).toMatch(/^\s*200/);

  // The Renew button: getAccessToken({ forceRefresh: true }), a refresh grant.
  const before = tokenRequests.length;
  await page.getByTestId('renew-button').click();
  await expect(page.getByTestId('renew-result')).toHaveText('renewed');
  const refresh = tokenRequests.slice(before);
  expect(refresh.length, 'token requests of the renewal').toBeGreaterThanOrEqual(1);
  // A nonce challenge is possible (the provider's nonce changes every 60 s), then one answer.
  for (const exchange of refresh.slice(0, -1)) {
    expect(exchange.status).toBe(400);
    expect(JSON.parse(exchange.body)).toEqual(expect.objectContaining({ error: 'use_dpop_nonce' }));
  }
  const answer = refresh[refresh.length - 1];
  expect(answer.status, answer.body).toBe(200);
  for (const exchange of refresh) {
    const form = new URLSearchParams(exchange.requestBody);
    expect(form.get('grant_type')).toBe('refresh_token');
    expect(form.get('refresh_token')).toBe(login.refresh_token);
    expect(proofKey(exchange.dpop), 'the refresh proof key is the login one (dpop_jkt)').toBe(jkt);
    expect(decodeJwt(exchange.dpop!).payload).toEqual(expect.objectContaining({ htm: 'POST', htu: endpoints.token }));
  }
  const renewed = JSON.parse(answer.body) as { token_type: string; access_token: string; refresh_token?: string };
  expect(renewed.token_type).toBe('DPoP');
  expect(renewed.access_token).not.toBe(login.access_token);
  expect((decodeJwtPayload(renewed.access_token)['cnf'] as { jkt?: string })?.jkt, 'the new token is bound to the same key').toBe(jkt);
  // A DPoP-bound refresh token is not rotated (projects/demo-backend/README.md, DPoP).
  expect(renewed.refresh_token ?? login.refresh_token).toBe(login.refresh_token);

  // The API call with the new token.
  const apiBefore = apiRequests.length;
  expect(await callDpopApi(page, apiRequests)).toMatch(/^\s*200/);
  const calls = apiRequests.slice(apiBefore);
  expect(calls[calls.length - 1].status).toBe(200);
  for (const exchange of calls) {
    expect(exchange.authorization).toBe(`DPoP ${renewed.access_token}`);
    expect(proofKey(exchange.dpop)).toBe(jkt);
    expect(decodeJwt(exchange.dpop!).payload['ath']).toBe(b64url(createHash('sha256').update(renewed.access_token).digest()));
  }
});

test('DPoP in two tabs: the second tab adopts the session and proves with the same key', async ({ context, page: tabA, env }) => {
  const endpoints = await providerEndpoints(tabA, env);
  const dpopApi = `${env.apiUrl}/api/dpop/messages`;
  const tabB = await context.newPage();
  await routeDemoEnv(tabA, env, { dpop: true });
  await routeDemoEnv(tabB, env, { dpop: true });
  const tokenRequestsA = await recordExchanges(tabA, endpoints.token);
  const tokenRequestsB = await recordExchanges(tabB, endpoints.token);
  const apiA = await recordExchanges(tabA, dpopApi);
  const apiB = await recordExchanges(tabB, dpopApi);

  // Tab B is open (anonymous) while tab A logs in; it follows without a login of its own.
  await openDemoAnonymous(tabB, env);
  await expect(tabB.getByTestId('dpop-mode')).toBeVisible();
  const jkt = await dpopLogin(tabA, env, endpoints.authorization);
  await expect(tabB.getByTestId('auth-status')).toHaveText('authenticated');
  expect(tokenRequestsB, 'tab B sent no token request').toEqual([]);
  const tokens = JSON.parse(tokenRequestsA[tokenRequestsA.length - 1].body) as { token_type: string; access_token: string };
  expect(tokens.token_type).toBe('DPoP');

  // Both call the DPoP-only API with the same token and proofs of the same key.
  expect(await callDpopApi(tabA, apiA)).toMatch(/^\s*200/);
  expect(await callDpopApi(tabB, apiB)).toMatch(/^\s*200/);
  for (const [tab, exchanges] of [['A', apiA], ['B', apiB]] as const) {
    expect(exchanges[exchanges.length - 1].status, `tab ${tab}`).toBe(200);
    for (const exchange of exchanges) {
      expect(exchange.authorization, `tab ${tab}`).toBe(`DPoP ${tokens.access_token}`);
      expect(proofKey(exchange.dpop), `tab ${tab}: the proof key is the login's dpop_jkt`).toBe(jkt);
    }
  }
  // Two proofs, two jti: the key is shared, the proofs are not.
  const jtis = [...apiA, ...apiB].map((e) => decodeJwt(e.dpop!).payload['jti']);
  expect(new Set(jtis).size).toBe(jtis.length);

  // Tab A logs out (the key is deleted) and in again (a new key). Tab B, which kept a copy of
  // the old key, adopts the new session and must prove with the new login's key: a proof of the
  // old one would not match the new token's cnf.jkt.
  await logoutThroughProvider(tabA, env);
  await expect(tabB.getByTestId('auth-status')).toHaveText('anonymous');
  await expect(tabA.getByTestId('auth-status')).toHaveText('anonymous');
  const relogin = await dpopLogin(tabA, env, endpoints.authorization, { reopen: false });
  expect(relogin, 'a new key after the logout').not.toBe(jkt);
  await expect(tabB.getByTestId('auth-status')).toHaveText('authenticated');
  const newTokens = JSON.parse(tokenRequestsA[tokenRequestsA.length - 1].body) as { access_token: string };
  expect(newTokens.access_token).not.toBe(tokens.access_token);
  const sentByB = apiB.length;
  expect(await callDpopApi(tabB, apiB)).toMatch(/^\s*200/);
  for (const exchange of apiB.slice(sentByB)) {
    expect(exchange.authorization).toBe(`DPoP ${newTokens.access_token}`);
    expect(proofKey(exchange.dpop), "tab B proves with the new login's key").toBe(relogin);
  }
  expect(tokenRequestsB, 'tab B sent no token request').toEqual([]);
});
