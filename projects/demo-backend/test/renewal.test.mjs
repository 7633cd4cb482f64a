// Token renewal and the second API audience: silent authentication (prompt=none) with first-party
// consent, refresh tokens for another audience, rotation and reuse, the /__stats counters.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  AUDIENCE,
  Browser,
  claims,
  CLIENT_ID,
  DEMO_ORIGIN,
  loginWithCode,
  MANAGEMENT_AUDIENCE,
  refreshGrant,
  silentAuth,
  startStack,
} from '../test-support/flows.mjs';

const MANAGEMENT_SCOPES = 'read:current_user update:current_user_metadata';

describe('token renewal and the management audience', () => {
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

  const call = (path, token, init = {}) =>
    fetch(`${stack.api.url}${path}`, {
      ...init,
      headers: { origin: DEMO_ORIGIN, authorization: `Bearer ${token}`, ...init.headers },
    });

  it('silent prompt=none for the management audience after a demo-API login: no consent needed, the API answers', async () => {
    const login = await loginWithCode(issuer, {
      audience: AUDIENCE,
      scope: 'openid profile email read:messages',
    });
    assert.ok(
      login.authResponse.pages.every((p) => !/consent/i.test(p)),
      'no consent page at login',
    );
    const demoToken = login.tokens.access_token;

    const { params, tokens } = await silentAuth(issuer, login.browser, {
      audience: MANAGEMENT_AUDIENCE,
      scope: `openid profile ${MANAGEMENT_SCOPES}`,
    });
    assert.equal(params.get('state'), 'silent');
    assert.ok(tokens, `silent auth failed: ${params}`);
    const at = claims(tokens.access_token);
    assert.equal(at.aud, MANAGEMENT_AUDIENCE);
    assert.equal(at.sub, 'alice');
    assert.equal(at.client_id, CLIENT_ID);
    assert.equal(at.scope, MANAGEMENT_SCOPES);
    assert.equal(tokens.scope, MANAGEMENT_SCOPES);
    assert.equal(claims(tokens.id_token).nonce, 'silent-nonce');

    const me = await call('/management/me', tokens.access_token);
    assert.equal(me.status, 200);
    assert.equal(me.headers.get('access-control-allow-origin'), DEMO_ORIGIN);
    assert.deepEqual(await me.json(), {
      sub: 'alice',
      name: 'Alice Liddell',
      scope: MANAGEMENT_SCOPES,
    });

    const patch = await call('/management/me/metadata', tokens.access_token, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ theme: 'dark', lang: 'en' }),
    });
    assert.equal(patch.status, 200);
    assert.deepEqual((await patch.json()).user_metadata, { theme: 'dark', lang: 'en' });
    const patch2 = await call('/management/me/metadata', tokens.access_token, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ lang: null }),
    });
    assert.deepEqual((await patch2.json()).user_metadata, { theme: 'dark' });

    // Each token only works at its own API.
    const wrongForManagement = await call('/management/me', demoToken);
    assert.equal(wrongForManagement.status, 401);
    assert.equal(
      wrongForManagement.headers.get('www-authenticate'),
      `Bearer realm="management-api", error="invalid_token", error_description="wrong audience (aud): expected ${MANAGEMENT_AUDIENCE}, got ${AUDIENCE}"`,
    );
    assert.equal((await wrongForManagement.json()).error, 'invalid_token');
    const wrongForApi = await call('/api/messages', tokens.access_token);
    assert.equal(wrongForApi.status, 401);
    assert.match(
      wrongForApi.headers.get('www-authenticate'),
      /error="invalid_token", error_description="wrong audience \(aud\): expected https:\/\/api\.ngx-oidc\.test, got https:\/\/management\.ngx-oidc\.test"/,
    );
    assert.equal((await call('/api/messages', demoToken)).status, 200);

    // RFC 8707 `resource` works the same way; a scope-limited token gets 403 on PATCH.
    const viaResource = await silentAuth(issuer, login.browser, {
      resource: MANAGEMENT_AUDIENCE,
      scope: 'openid read:current_user',
    });
    assert.equal(claims(viaResource.tokens.access_token).aud, MANAGEMENT_AUDIENCE);
    assert.equal(claims(viaResource.tokens.access_token).scope, 'read:current_user');
    const denied = await call('/management/me/metadata', viaResource.tokens.access_token, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(denied.status, 403);
    assert.match(
      denied.headers.get('www-authenticate'),
      /^Bearer realm="management-api", error="insufficient_scope", scope="update:current_user_metadata"/,
    );

    assert.ok(
      !stack.logs.some((l) => /interaction consent/.test(l)),
      'no consent interaction at all',
    );
    assert.ok(
      stack.logs.some((l) =>
        l.includes(`consent auto-granted for alice at /auth (${MANAGEMENT_AUDIENCE}: `),
      ),
    );
  });

  it('silent prompt=none without a provider session ends with login_required', async () => {
    const { params, tokens } = await silentAuth(issuer, new Browser(), {
      audience: MANAGEMENT_AUDIENCE,
      scope: `openid ${MANAGEMENT_SCOPES}`,
    });
    assert.equal(tokens, undefined);
    assert.equal(params.get('error'), 'login_required');
    assert.equal(params.get('state'), 'silent');
  });

  it('refresh grant: rotation for the public client, `resource` / `audience` for the management API, RT stays bound to the login audience', async () => {
    const { tokens } = await loginWithCode(issuer, {
      audience: AUDIENCE,
      scope: 'openid profile offline_access read:messages',
    });
    assert.ok(tokens.refresh_token);

    // (a) RFC 8707 `resource`, no scope → all management scopes; the old RT is rotated away.
    const a = await refreshGrant(issuer, tokens.refresh_token, { resource: MANAGEMENT_AUDIENCE });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(a.res.headers.get('access-control-allow-origin'), DEMO_ORIGIN, 'CORS');
    assert.equal(claims(a.body.access_token).aud, MANAGEMENT_AUDIENCE);
    assert.equal(claims(a.body.access_token).scope, MANAGEMENT_SCOPES);
    assert.ok(a.body.id_token, 'ID token (the refresh token has openid)');
    assert.ok(a.body.refresh_token && a.body.refresh_token !== tokens.refresh_token, 'rotated');
    assert.equal((await call('/management/me', a.body.access_token)).status, 200);

    // Without resource/audience the rotated RT still gives a demo API token.
    const plain = await refreshGrant(issuer, a.body.refresh_token);
    assert.equal(plain.status, 200, JSON.stringify(plain.body));
    assert.equal(claims(plain.body.access_token).aud, AUDIENCE);
    assert.equal(claims(plain.body.access_token).scope, 'read:messages');

    // (b) Auth0-style `audience`, narrowed by `scope` (no openid in scope → no ID token).
    const b = await refreshGrant(issuer, plain.body.refresh_token, {
      audience: MANAGEMENT_AUDIENCE,
      scope: 'read:current_user',
    });
    assert.equal(b.status, 200, JSON.stringify(b.body));
    assert.equal(claims(b.body.access_token).aud, MANAGEMENT_AUDIENCE);
    assert.equal(claims(b.body.access_token).scope, 'read:current_user');
    assert.equal(b.body.scope, 'read:current_user');
    assert.equal(b.body.id_token, undefined);

    // Unknown audience / more scopes for the demo API: refused before rotation, the RT survives.
    const unknown = await refreshGrant(issuer, b.body.refresh_token, {
      audience: 'https://unknown.example',
    });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error, 'invalid_target');
    const upscope = await refreshGrant(issuer, b.body.refresh_token, {
      scope: 'openid read:messages write:messages',
    });
    assert.equal(upscope.status, 400);
    assert.equal(upscope.body.error, 'invalid_scope');
    const still = await refreshGrant(issuer, b.body.refresh_token);
    assert.equal(still.status, 200, JSON.stringify(still.body));
    assert.equal(claims(still.body.access_token).aud, AUDIENCE);

    // Repeating the login's scope (with offline_access) on refresh is accepted.
    const sameScope = await refreshGrant(issuer, still.body.refresh_token, {
      scope: 'openid profile offline_access read:messages',
    });
    assert.equal(sameScope.status, 200, JSON.stringify(sameScope.body));
    assert.equal(sameScope.body.scope, 'read:messages');
    assert.ok(sameScope.body.id_token);
  });

  it('refresh token reuse: invalid_grant, and oidc-provider revokes the whole grant (the newest RT too); the session survives', async () => {
    const { tokens, browser } = await loginWithCode(issuer, {
      audience: AUDIENCE,
      scope: 'openid offline_access read:messages',
    });
    const first = await refreshGrant(issuer, tokens.refresh_token);
    assert.equal(first.status, 200);
    const second = await refreshGrant(issuer, first.body.refresh_token);
    assert.equal(second.status, 200);
    assert.notEqual(second.body.refresh_token, first.body.refresh_token);

    const reuse = await refreshGrant(issuer, tokens.refresh_token);
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.error, 'invalid_grant');
    assert.equal(reuse.body.error_description, 'grant request is invalid');
    assert.ok(stack.logs.some((l) => /grant\.error: invalid_grant/.test(l)));
    assert.ok(stack.logs.some((l) => /grant revoked/.test(l)));

    const newest = await refreshGrant(issuer, second.body.refresh_token);
    assert.equal(newest.status, 400);
    assert.equal(newest.body.error, 'invalid_grant', 'the whole grant is gone');

    // The provider session is untouched: silent authentication starts a new grant.
    const silent = await silentAuth(issuer, browser, {
      audience: AUDIENCE,
      scope: 'openid offline_access read:messages',
    });
    assert.ok(silent.tokens, silent.params.toString());
    assert.ok(silent.tokens.refresh_token, 'offline_access honoured for prompt=none as well');
    const again = await refreshGrant(issuer, silent.tokens.refresh_token);
    assert.equal(again.status, 200);
  });

  it('token endpoint CORS preflight from the demo origin', async () => {
    const res = await fetch(`${issuer}/token`, {
      method: 'OPTIONS',
      headers: {
        origin: DEMO_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), DEMO_ORIGIN);
    assert.match(res.headers.get('access-control-allow-methods'), /POST/);
  });

  it('GET /__stats counts authorization requests and token requests per grant type; POST /__stats/reset', async () => {
    const reset = await fetch(`${issuer}/__stats/reset`, { method: 'POST' });
    assert.equal(reset.status, 200);
    const zero = { token: { authorization_code: 0, refresh_token: 0 }, authorize: 0 };
    assert.deepEqual(await reset.json(), zero);

    const { tokens, browser } = await loginWithCode(issuer, {
      audience: AUDIENCE,
      scope: 'openid offline_access read:messages',
    });
    const r1 = await refreshGrant(issuer, tokens.refresh_token);
    await refreshGrant(issuer, r1.body.refresh_token, { resource: MANAGEMENT_AUDIENCE });
    await refreshGrant(issuer, 'not-a-refresh-token'); // failed requests count too
    await silentAuth(issuer, browser, { audience: AUDIENCE, scope: 'openid read:messages' });

    const res = await fetch(`${issuer}/__stats`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await res.json(), {
      token: { authorization_code: 2, refresh_token: 3 },
      authorize: 2,
    });
    assert.deepEqual(stack.idp.stats(), {
      token: { authorization_code: 2, refresh_token: 3 },
      authorize: 2,
    });

    assert.equal((await fetch(`${issuer}/__stats/reset`)).status, 405);
    assert.equal((await fetch(`${issuer}/__stats`, { method: 'POST' })).status, 405);
    await fetch(`${issuer}/__stats/reset`, { method: 'POST' });
    assert.deepEqual(await (await fetch(`${issuer}/__stats`)).json(), zero);
  });
});
