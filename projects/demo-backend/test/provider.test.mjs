// Local OpenID Provider, driven over real HTTP: node --test projects/demo-backend/test/
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  AUDIENCE,
  authorize,
  Browser,
  claims,
  CLIENT_ID,
  DEMO_ORIGIN,
  exchangeCode,
  header,
  loginWithCode,
  MANAGEMENT_AUDIENCE,
  pkcePair,
  REDIRECT_URI,
  refreshGrant,
  silentAuth,
  startStack,
} from '../test-support/flows.mjs';

describe('demo identity provider', () => {
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

  it('serves discovery with the expected endpoints, PKCE S256 only, CORS open', async () => {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`, {
      headers: { origin: DEMO_ORIGIN },
    });
    assert.equal(res.status, 200);
    assert.ok(res.headers.get('access-control-allow-origin'));
    const d = await res.json();
    assert.equal(d.issuer, issuer);
    assert.match(issuer, /^http:\/\/localhost:\d+$/);
    for (const key of [
      'authorization_endpoint',
      'token_endpoint',
      'jwks_uri',
      'userinfo_endpoint',
      'end_session_endpoint',
      'revocation_endpoint',
    ]) {
      assert.ok(d[key], `${key} missing`);
    }
    assert.deepEqual(d.code_challenge_methods_supported, ['S256']);
    for (const rt of ['code', 'id_token token', 'id_token', 'code id_token', 'none']) {
      assert.ok(d.response_types_supported.includes(rt), rt);
    }
    assert.ok(d.grant_types_supported.includes('refresh_token'));
    assert.ok(d.id_token_signing_alg_values_supported.includes('RS256'));

    const jwks = await (await fetch(d.jwks_uri)).json();
    assert.equal(jwks.keys[0].kty, 'RSA');
    assert.ok(
      jwks.keys.every((k) => k.kid && !k.d),
      'public keys with kid',
    );
  });

  it('code + PKCE with `audience`: JWT access token for the API, profile in the ID token, API answers 200', async () => {
    const { tokens, tokenResponse, authResponse } = await loginWithCode(issuer, {
      audience: AUDIENCE,
      scope: 'openid profile email read:messages',
    });
    assert.equal(authResponse.params.get('state'), 'st-1');
    assert.equal(authResponse.params.get('iss'), issuer);
    assert.equal(
      tokenResponse.headers.get('access-control-allow-origin'),
      DEMO_ORIGIN,
      'token endpoint CORS',
    );
    assert.equal(tokens.token_type, 'Bearer');
    assert.equal(tokens.refresh_token, undefined, 'no refresh token without offline_access');

    assert.equal(header(tokens.access_token).alg, 'RS256');
    const at = claims(tokens.access_token);
    assert.equal(at.iss, issuer);
    assert.equal(at.aud, AUDIENCE);
    assert.equal(at.sub, 'alice');
    assert.equal(at.client_id, CLIENT_ID);
    assert.equal(at.scope, 'read:messages');
    assert.ok(at.exp > at.iat && at.iat);

    assert.equal(header(tokens.id_token).alg, 'RS256');
    const id = claims(tokens.id_token);
    assert.equal(id.sub, 'alice');
    assert.equal(id.name, 'Alice Liddell');
    assert.equal(id.email, 'alice@example.com');
    assert.equal(id.nonce, 'n-1');
    assert.equal(id.aud, CLIENT_ID);

    const api = await fetch(`${stack.api.url}/api/messages`, {
      headers: { authorization: `Bearer ${tokens.access_token}`, origin: DEMO_ORIGIN },
    });
    assert.equal(api.status, 200);
    const body = await api.json();
    assert.equal(body.sub, 'alice');
    assert.ok(body.messages.length > 0);
  });

  it('code + PKCE with RFC 8707 `resource`, offline_access → refresh token that rotates and keeps the audience', async () => {
    const { tokens } = await loginWithCode(issuer, {
      resource: AUDIENCE,
      scope: 'openid profile offline_access read:messages write:messages',
    });
    assert.equal(claims(tokens.access_token).aud, AUDIENCE);
    assert.equal(claims(tokens.access_token).scope, 'read:messages write:messages');
    assert.ok(tokens.refresh_token, 'refresh token issued without prompt=consent');

    const refresh = (refresh_token) =>
      fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { origin: DEMO_ORIGIN },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token,
          client_id: CLIENT_ID,
        }),
      });
    const res = await refresh(tokens.refresh_token);
    const refreshed = await res.json();
    assert.equal(res.status, 200, JSON.stringify(refreshed));
    assert.equal(res.headers.get('access-control-allow-origin'), DEMO_ORIGIN);
    assert.equal(
      claims(refreshed.access_token).aud,
      AUDIENCE,
      'refresh keeps the granted resource',
    );
    assert.ok(
      refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token,
      'rotated',
    );

    const reuse = await refresh(tokens.refresh_token);
    assert.equal(reuse.status, 400);
    assert.equal((await reuse.json()).error, 'invalid_grant');
  });

  it('code + PKCE without audience: opaque access token, userinfo works, API says it is not a JWT', async () => {
    const { tokens } = await loginWithCode(issuer, { scope: 'openid profile email' });
    assert.equal(tokens.access_token.split('.').length, 1, 'opaque');
    const me = await fetch(`${issuer}/me`, {
      headers: { authorization: `Bearer ${tokens.access_token}`, origin: DEMO_ORIGIN },
    });
    assert.equal(me.status, 200);
    assert.equal(me.headers.get('access-control-allow-origin'), DEMO_ORIGIN);
    assert.deepEqual(await me.json(), {
      sub: 'alice',
      name: 'Alice Liddell',
      nickname: 'alice',
      preferred_username: 'alice',
      email: 'alice@example.com',
      email_verified: true,
    });

    const api = await fetch(`${stack.api.url}/api/messages`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(api.status, 401);
    assert.match(
      api.headers.get('www-authenticate'),
      /error="invalid_token".*not a JWT.*request an audience/,
    );

    // revocation (CORS, public client)
    const rev = await fetch(`${issuer}/token/revocation`, {
      method: 'POST',
      headers: { origin: DEMO_ORIGIN },
      body: new URLSearchParams({ token: tokens.access_token, client_id: CLIENT_ID }),
    });
    assert.equal(rev.status, 200);
    assert.equal(rev.headers.get('access-control-allow-origin'), DEMO_ORIGIN);
    const after = await fetch(`${issuer}/me`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(after.status, 401);
  });

  it('rejects an authorization request without PKCE', async () => {
    const { params } = await authorize(
      issuer,
      { response_type: 'code', scope: 'openid' },
      { login: null },
    );
    assert.equal(params.get('error'), 'invalid_request');
    assert.match(params.get('error_description'), /PKCE/);
  });

  it('rejects a code exchange with a wrong code_verifier', async () => {
    const { challenge } = pkcePair();
    const { params } = await authorize(issuer, {
      response_type: 'code',
      scope: 'openid',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const { res, body } = await exchangeCode(issuer, params.get('code'), pkcePair().verifier);
    assert.equal(res.status, 400);
    assert.equal(body.error, 'invalid_grant');
  });

  it('shows the login page again with an error for a wrong password', async () => {
    const { challenge } = pkcePair();
    const result = await authorize(
      issuer,
      {
        response_type: 'code',
        scope: 'openid',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      },
      { login: { username: 'alice', password: 'nope' } },
    );
    assert.equal(result.status, 200);
    assert.match(result.html, /data-testid="login-error"/);
    assert.match(result.html, /Wrong username or password/);
    assert.match(result.html, /<input[^>]*name="username"[^>]*value="alice"/);
    assert.match(result.html, /<button type="submit">Sign in<\/button>/);
    assert.match(result.html, /data-testid="social-login"/);
  });

  it('social login (DemoSocial) issues the same kind of tokens for carol', async () => {
    const { tokens, authResponse } = await loginWithCode(
      issuer,
      { audience: AUDIENCE, scope: 'openid profile email read:messages' },
      { login: 'social' },
    );
    assert.ok(authResponse.pages.some((p) => /data-testid="social-accept"/.test(p)));
    const id = claims(tokens.id_token);
    assert.equal(id.sub, 'demosocial|carol');
    assert.equal(id.name, 'Carol Social');
    assert.equal(id.email, 'carol@social.example');
    assert.deepEqual(id.amr, ['fed']);
    const at = claims(tokens.access_token);
    assert.equal(at.aud, AUDIENCE);
    assert.equal(at.sub, 'demosocial|carol');
    const api = await fetch(`${stack.api.url}/api/messages`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(api.status, 200);
  });

  it('cancel on the login page returns access_denied to the client', async () => {
    const { challenge } = pkcePair();
    const { params } = await authorize(
      issuer,
      {
        response_type: 'code',
        scope: 'openid',
        state: 's',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      },
      { login: 'cancel' },
    );
    assert.equal(params.get('error'), 'access_denied');
    assert.equal(params.get('error_description'), 'The user cancelled the login');
    assert.equal(params.get('state'), 's');
  });

  it('implicit `id_token token` returns tokens in the fragment (JWT for the audience)', async () => {
    const { url, params } = await authorize(issuer, {
      response_type: 'id_token token',
      scope: 'openid profile read:messages',
      audience: AUDIENCE,
      nonce: 'implicit-nonce',
      state: 'imp',
      redirect_uri: 'http://127.0.0.1:4200/silent-callback.html',
    });
    assert.ok(url.hash, 'fragment response');
    assert.equal(params.get('state'), 'imp');
    assert.equal(params.get('token_type'), 'Bearer');
    assert.ok(Number(params.get('expires_in')) > 0);
    assert.equal(claims(params.get('access_token')).aud, AUDIENCE);
    const id = claims(params.get('id_token'));
    assert.equal(id.nonce, 'implicit-nonce');
    assert.equal(id.name, 'Alice Liddell');
    assert.ok(id.at_hash);
  });

  it('prompt=none: code without interaction when signed in, login_required otherwise; logout ends the session', async () => {
    const { browser } = await loginWithCode(issuer, {
      audience: AUDIENCE,
      scope: 'openid profile read:messages',
    });
    const { challenge, verifier } = pkcePair();
    const silent = {
      response_type: 'code',
      scope: 'openid profile read:messages',
      audience: AUDIENCE,
      prompt: 'none',
      redirect_uri: `${DEMO_ORIGIN}/silent-callback.html`,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };
    const ok = await authorize(issuer, silent, { browser, login: null });
    assert.ok(ok.params.get('code'), ok.params.toString());
    const { res, body } = await exchangeCode(issuer, ok.params.get('code'), verifier, {
      redirect_uri: `${DEMO_ORIGIN}/silent-callback.html`,
    });
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(claims(body.access_token).aud, AUDIENCE);

    const fresh = await authorize(issuer, silent, { browser: new Browser(), login: null });
    assert.equal(fresh.params.get('error'), 'login_required');

    // RP-initiated logout: page auto-submits the confirmation form, then redirects back.
    const end = new URL('/session/end', issuer);
    end.search = new URLSearchParams({
      id_token_hint: body.id_token,
      post_logout_redirect_uri: `${DEMO_ORIGIN}/`,
      state: 'bye',
    }).toString();
    const page = await browser.request(end);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /form\.submit\(\)/);
    const action = /<form id="op.logoutForm" method="post" action="([^"]+)"/.exec(html)[1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)[1];
    const confirm = await browser.request(new URL(action, issuer), {
      method: 'POST',
      form: { xsrf, logout: 'yes' },
    });
    assert.equal(confirm.status, 303);
    assert.equal(confirm.headers.get('location'), `${DEMO_ORIGIN}/?state=bye`);

    const afterLogout = await authorize(issuer, silent, { browser, login: null });
    assert.equal(afterLogout.params.get('error'), 'login_required');
  });

  it('rejects unknown audiences and unregistered redirect URIs', async () => {
    const { challenge } = pkcePair();
    const { params } = await authorize(
      issuer,
      {
        response_type: 'code',
        scope: 'openid',
        audience: 'https://unknown.example',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      },
      { login: null },
    );
    assert.equal(params.get('error'), 'invalid_target');

    const bad = await authorize(
      issuer,
      {
        response_type: 'code',
        scope: 'openid',
        redirect_uri: 'http://localhost:4999/callback',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      },
      { login: null },
    );
    assert.equal(bad.status, 400);
    assert.match(bad.html, /redirect_uri did not match/);
  });

  it('hybrid `code id_token` returns a code and an ID token in the fragment', async () => {
    const { challenge, verifier } = pkcePair();
    const { url, params } = await authorize(issuer, {
      response_type: 'code id_token',
      scope: 'openid profile',
      nonce: 'hy',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    assert.ok(url.hash);
    assert.ok(claims(params.get('id_token')).c_hash);
    const { res } = await exchangeCode(issuer, params.get('code'), verifier);
    assert.equal(res.status, 200);
  });
});

describe('demo identity provider with short lifetimes', () => {
  let stack;
  before(async () => {
    // API clock tolerance 0 so that the API refuses the access token as soon as it expires.
    stack = await startStack({
      ttl: { AccessToken: 2, RefreshToken: 3, IdToken: 2 },
      clockTolerance: 0,
    });
  });
  after(async () => {
    await stack?.close();
  });

  it('honours ACCESS_TOKEN_TTL / ID_TOKEN_TTL / REFRESH_TOKEN_TTL (absolute refresh-token lifetime)', async () => {
    const { issuer } = stack.idp;
    const { tokens, browser } = await loginWithCode(issuer, {
      audience: AUDIENCE,
      scope: 'openid offline_access read:messages',
    });
    assert.equal(tokens.expires_in, 2);
    const at = claims(tokens.access_token);
    assert.equal(at.exp - at.iat, 2);
    const id = claims(tokens.id_token);
    assert.equal(id.exp - id.iat, 2, 'ID token lifetime');

    const first = await refreshGrant(issuer, tokens.refresh_token);
    assert.equal(first.status, 200);
    assert.equal(first.body.expires_in, 2);
    assert.equal(claims(first.body.id_token).exp - claims(first.body.id_token).iat, 2);
    const management = await refreshGrant(issuer, first.body.refresh_token, {
      resource: MANAGEMENT_AUDIENCE,
    });
    assert.equal(management.status, 200);
    assert.equal(management.body.expires_in, 2, 'same TTL for the management API');

    await new Promise((r) => setTimeout(r, 3200));
    const expired = await fetch(`${stack.api.url}/api/messages`, {
      headers: { authorization: `Bearer ${first.body.access_token}` },
    });
    assert.equal(expired.status, 401);
    assert.match(expired.headers.get('www-authenticate'), /error="invalid_token".*expired at/);

    const late = await refreshGrant(issuer, management.body.refresh_token);
    assert.equal(late.status, 400);
    assert.equal(late.body.error, 'invalid_grant');

    // An expired ID token is still accepted as id_token_hint for silent authentication.
    const silent = await silentAuth(issuer, browser, {
      audience: AUDIENCE,
      scope: 'openid read:messages',
      id_token_hint: tokens.id_token,
    });
    assert.ok(silent.tokens, silent.params.toString());
    assert.equal(claims(silent.tokens.id_token).sub, 'alice');
    // … and for logout.
    const end = new URL('/session/end', issuer);
    end.search = new URLSearchParams({
      id_token_hint: tokens.id_token,
      post_logout_redirect_uri: `${DEMO_ORIGIN}/`,
    }).toString();
    const page = await browser.request(end);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /op\.logoutForm/);
  });
});
