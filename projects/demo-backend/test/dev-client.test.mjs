// The development client `ngx-oidc-dev`: your own app on any loopback port (RFC 8252 §7.3), driven
// over real HTTP like the other provider tests.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  AUDIENCE,
  authorize,
  Browser,
  claims,
  CLIENT_ID,
  DEV_CLIENT_ID,
  pkcePair,
  startStack,
} from '../test-support/flows.mjs';
import { startApi } from '../api.mjs';

/** Ports no demo uses, as a developer's `ng serve --port` or Vite would pick them. */
const APP = 'http://localhost:4321';
const APP_127 = 'http://127.0.0.1:8123';
const APP_V6 = 'http://[::1]:5173';

/** The redirect URIs and origins that must never be accepted, for any client. */
const HOSTILE_REDIRECT_URIS = [
  'http://evil.example/callback',
  'http://localhost.evil.com:4321/callback',
  'http://127.0.0.1.nip.io:4321/callback',
  'http://localhost@evil.com/callback',
  'http://localhost:4321@evil.com/callback',
  'https://localhost:4321/callback',
  'javascript://localhost:4321/%0aalert(1)',
  'com.example.app://localhost/callback',
  'http://localhost:4321/callback#fragment',
  'http://127.1:4321/callback',
];
const HOSTILE_ORIGINS = [
  'http://evil.example',
  'http://localhost.evil.com:4321',
  'https://localhost:4321',
  'null',
];

describe('development client ngx-oidc-dev (any loopback port)', () => {
  /** @type {Awaited<ReturnType<typeof startStack>>} */
  let stack;
  let issuer;

  before(async () => {
    stack = await startStack();
    issuer = stack.idp.issuer;
  });
  after(async () => {
    await stack?.close();
  });

  /** Code + PKCE authorization request for `clientId` with `redirectUri`. */
  async function authorizeCode(redirectUri, params = {}, opts = {}) {
    const { verifier, challenge } = pkcePair();
    const result = await authorize(
      issuer,
      {
        client_id: DEV_CLIENT_ID,
        response_type: 'code',
        scope: 'openid profile email',
        redirect_uri: redirectUri,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state: 'dev-state',
        nonce: 'dev-nonce',
        ...params,
      },
      opts,
    );
    return { ...result, verifier };
  }

  /** POST /token from `origin` (a browser app's CORS request). */
  async function token(origin, form) {
    const res = await fetch(new URL('/token', issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
      body: new URLSearchParams({ client_id: DEV_CLIENT_ID, ...form }),
    });
    return { res, body: await res.json() };
  }

  /** Full login from the app at `origin` with redirect URI `<origin><path>`. */
  async function login(origin, params = {}, path = '/callback') {
    const redirectUri = `${origin}${path}`;
    const auth = await authorizeCode(redirectUri, params);
    const code = auth.params.get('code');
    assert.ok(code, `no code for ${redirectUri}: ${auth.url} ${auth.html ?? ''}`);
    assert.equal(auth.url.origin, new URL(origin).origin, 'redirected back to the app');
    const { res, body } = await token(origin, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: auth.verifier,
    });
    assert.equal(res.status, 200, JSON.stringify(body));
    return { tokens: body, tokenResponse: res, browser: auth.browser };
  }

  it('logs in from localhost, 127.0.0.1 and [::1] on ports nobody registered, with CORS at the token endpoint', async () => {
    for (const origin of [APP, APP_127, APP_V6]) {
      const { tokens, tokenResponse } = await login(origin);
      assert.equal(tokenResponse.headers.get('access-control-allow-origin'), origin, origin);
      assert.equal(claims(tokens.id_token).aud, DEV_CLIENT_ID);
      assert.equal(claims(tokens.id_token).sub, 'alice');
    }
  });

  it('accepts any path on a loopback origin, e.g. /auth/callback', async () => {
    const { tokens } = await login(APP, {}, '/auth/callback?tenant=a');
    assert.ok(tokens.id_token);
  });

  it('gets the demo API audience with all its scopes when none is named (ng add defaults), and offline_access gives a refresh token', async () => {
    const { tokens } = await login(APP, {
      audience: AUDIENCE,
      scope: 'openid profile email offline_access',
    });
    const at = claims(tokens.access_token);
    assert.equal(at.aud, AUDIENCE);
    assert.equal(at.client_id, DEV_CLIENT_ID);
    assert.deepEqual(at.scope.split(' ').sort(), ['read:messages', 'write:messages']);
    assert.ok(tokens.refresh_token, 'refresh token for offline_access');

    // The API accepts it from the app's origin (CORS for any loopback origin).
    const api = await fetch(`${stack.api.url}/api/messages`, {
      headers: { authorization: `Bearer ${tokens.access_token}`, origin: APP },
    });
    assert.equal(api.status, 200);
    assert.equal(api.headers.get('access-control-allow-origin'), APP);
    const post = await fetch(`${stack.api.url}/api/messages`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.access_token}`,
        origin: APP,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ text: 'from my app' }),
    });
    assert.equal(post.status, 201);

    // Refresh from the app's origin: rotated refresh token, same audience and scopes, CORS.
    const refreshed = await token(APP, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });
    assert.equal(refreshed.res.status, 200, JSON.stringify(refreshed.body));
    assert.equal(refreshed.res.headers.get('access-control-allow-origin'), APP);
    assert.ok(refreshed.body.refresh_token);
    assert.notEqual(refreshed.body.refresh_token, tokens.refresh_token);
    assert.equal(claims(refreshed.body.access_token).aud, AUDIENCE);
    assert.deepEqual(claims(refreshed.body.access_token).scope.split(' ').sort(), [
      'read:messages',
      'write:messages',
    ]);
  });

  it('named API scopes are kept as asked (no widening), via resource= as well', async () => {
    const { tokens } = await login(APP, {
      resource: AUDIENCE,
      scope: 'openid read:messages',
    });
    assert.equal(claims(tokens.access_token).scope, 'read:messages');
    assert.equal(tokens.refresh_token, undefined, 'no offline_access, no refresh token');
    const write = await fetch(`${stack.api.url}/api/admin`, {
      headers: { authorization: `Bearer ${tokens.access_token}`, origin: APP },
    });
    assert.equal(write.status, 403);
  });

  it('silent authentication (prompt=none) with silent-callback.html on another port, and userinfo with CORS', async () => {
    const { browser } = await login(APP);
    const silent = await authorizeCode(
      `${APP_127}/silent-callback.html`,
      { prompt: 'none' },
      { browser, login: null },
    );
    const code = silent.params.get('code');
    assert.ok(code, silent.params.toString());
    const { res, body } = await token(APP_127, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: `${APP_127}/silent-callback.html`,
      code_verifier: silent.verifier,
    });
    assert.equal(res.status, 200, JSON.stringify(body));

    const me = await fetch(new URL('/me', issuer), {
      headers: { authorization: `Bearer ${body.access_token}`, origin: APP_127 },
    });
    assert.equal(me.status, 200);
    assert.equal(me.headers.get('access-control-allow-origin'), APP_127);
    assert.equal((await me.json()).sub, 'alice');
  });

  it('RP-initiated logout returns to a loopback post-logout redirect URI on any port', async () => {
    const { tokens, browser } = await login(APP);
    for (const target of [`${APP}/`, `${APP_V6}/signed-out`, APP_127]) {
      const end = new URL('/session/end', issuer);
      end.search = new URLSearchParams({
        id_token_hint: tokens.id_token,
        post_logout_redirect_uri: target,
      }).toString();
      const page = await browser.request(end);
      assert.equal(page.status, 200, target);
      assert.match(await page.text(), /op\.logoutForm/, target);
    }
    const end = new URL('/session/end', issuer);
    end.search = new URLSearchParams({
      id_token_hint: tokens.id_token,
      post_logout_redirect_uri: `${APP}/bye`,
      state: 'bye',
    }).toString();
    const html = await (await browser.request(end)).text();
    const action = /<form id="op.logoutForm" method="post" action="([^"]+)"/.exec(html)[1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)[1];
    const confirm = await browser.request(new URL(action, issuer), {
      method: 'POST',
      form: { xsrf, logout: 'yes' },
    });
    assert.equal(confirm.status, 303);
    assert.equal(confirm.headers.get('location'), `${APP}/bye?state=bye`);
  });

  it('refuses non-loopback hosts, look-alikes, userinfo tricks, other schemes and fragments as redirect URI (error page, no redirect)', async () => {
    for (const redirectUri of HOSTILE_REDIRECT_URIS) {
      const result = await authorizeCode(redirectUri, {}, { login: null });
      assert.equal(result.status, 400, `${redirectUri} → ${result.url}`);
      assert.match(result.html, /redirect_uri/, redirectUri);
      assert.equal(result.url.origin, issuer, `${redirectUri}: stayed at the provider`);
    }
  });

  it('refuses hostile post-logout redirect URIs', async () => {
    const { tokens, browser } = await login(APP);
    for (const target of HOSTILE_REDIRECT_URIS) {
      const end = new URL('/session/end', issuer);
      end.search = new URLSearchParams({
        id_token_hint: tokens.id_token,
        post_logout_redirect_uri: target,
      }).toString();
      const page = await browser.request(end);
      assert.equal(page.status, 400, target);
      assert.match(await page.text(), /post_logout_redirect_uri not registered/, target);
    }
  });

  it('no CORS for non-loopback origins at the token endpoint and the API', async () => {
    const { tokens } = await login(APP, { audience: AUDIENCE, scope: 'openid offline_access' });
    let refreshToken = tokens.refresh_token;
    for (const origin of HOSTILE_ORIGINS) {
      const { res, body } = await token(origin, {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
      });
      assert.equal(res.headers.get('access-control-allow-origin'), null, origin);
      if (res.status === 200) refreshToken = body.refresh_token;
      const api = await fetch(`${stack.api.url}/api/messages`, {
        headers: { authorization: `Bearer ${tokens.access_token}`, origin },
      });
      assert.equal(api.headers.get('access-control-allow-origin'), null, origin);
    }
  });

  it('the demo client keeps exact matching: other ports and paths are refused, no CORS for them', async () => {
    for (const redirectUri of [
      `${APP}/callback`,
      'http://localhost:4200/other-callback',
      'http://[::1]:4200/callback',
    ]) {
      const result = await authorizeCode(redirectUri, { client_id: CLIENT_ID }, { login: null });
      assert.equal(result.status, 400, redirectUri);
      assert.match(result.html, /redirect_uri did not match/, redirectUri);
    }
    const res = await fetch(new URL('/token', issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: APP },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: CLIENT_ID,
        refresh_token: 'x',
      }),
    });
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });

  it('the API allows loopback origins only when asked to (allowLoopbackOrigins)', async () => {
    const strict = await startApi({ issuer, audience: AUDIENCE, log: () => {} });
    try {
      const preflight = (url) =>
        fetch(`${url}/api/messages`, {
          method: 'OPTIONS',
          headers: {
            origin: APP,
            'access-control-request-method': 'GET',
            'access-control-request-headers': 'authorization',
          },
        });
      assert.equal((await preflight(strict.url)).headers.get('access-control-allow-origin'), null);
      const open = await preflight(stack.api.url);
      assert.equal(open.headers.get('access-control-allow-origin'), APP);
      assert.match(open.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    } finally {
      await strict.close();
    }
  });
});
