// Demo API: token validation, RFC 6750 errors, scopes, CORS.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

import { startApi } from '../api.mjs';
import {
  AUDIENCE,
  DEMO_ORIGIN,
  loginWithCode,
  MANAGEMENT_AUDIENCE,
  startStack,
} from '../test-support/flows.mjs';

describe('demo API', () => {
  /** @type {Awaited<ReturnType<typeof startStack>>} */
  let stack;
  let readToken; // read:messages only
  let fullToken; // read:messages write:messages

  // A second issuer whose keys the test controls, to forge tokens with precise defects.
  let forgeKey;
  let otherKey;
  let jwksServer;
  let forgedApi;
  const FORGED_ISS = 'http://localhost:1/test-issuer';

  before(async () => {
    stack = await startStack();
    readToken = (
      await loginWithCode(stack.idp.issuer, { audience: AUDIENCE, scope: 'openid read:messages' })
    ).tokens.access_token;
    fullToken = (
      await loginWithCode(stack.idp.issuer, {
        audience: AUDIENCE,
        scope: 'openid read:messages write:messages',
      })
    ).tokens.access_token;

    forgeKey = await generateKeyPair('RS256');
    otherKey = await generateKeyPair('RS256');
    const jwk = {
      ...(await exportJWK(forgeKey.publicKey)),
      kid: 'test-key',
      alg: 'RS256',
      use: 'sig',
    };
    jwksServer = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    forgedApi = await startApi({
      port: 0,
      issuer: FORGED_ISS,
      jwksUri: `http://127.0.0.1:${jwksServer.address().port}/jwks`,
      audience: AUDIENCE,
      log: () => {},
    });
  });

  after(async () => {
    await forgedApi?.close();
    await new Promise((resolve) => (jwksServer ? jwksServer.close(resolve) : resolve()));
    jwksServer?.closeAllConnections();
    await stack?.close();
  });

  /** Signs a token for the forged issuer; `key`/`kid` and claims overridable. */
  function forge(claims = {}, { key = forgeKey.privateKey, kid = 'test-key' } = {}) {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ scope: 'read:messages', client_id: 'ngx-oidc-demo', ...claims })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid })
      .setIssuer(claims.iss ?? FORGED_ISS)
      .setAudience(claims.aud ?? AUDIENCE)
      .setSubject('mallory')
      .setIssuedAt(claims.iat ?? now)
      .setExpirationTime(claims.exp ?? now + 300)
      .sign(key);
  }

  const call = (base, path, token, init = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: {
        origin: DEMO_ORIGIN,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...init.headers,
      },
    });

  it('GET /api/public needs no token', async () => {
    const res = await call(stack.api.url, '/api/public');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { message: 'public' });
  });

  it('401 without a token: realm only, no error code (RFC 6750 §3.1)', async () => {
    const res = await call(stack.api.url, '/api/messages');
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="demo-api"');
    assert.equal(res.headers.get('access-control-allow-origin'), DEMO_ORIGIN);
    assert.match(res.headers.get('access-control-expose-headers'), /WWW-Authenticate/i);
  });

  it('401 invalid_token for an opaque token', async () => {
    const res = await call(stack.api.url, '/api/messages', 'r4nd0m-0paque-t0ken');
    assert.equal(res.status, 401);
    const www = res.headers.get('www-authenticate');
    assert.match(
      www,
      /^Bearer realm="demo-api", error="invalid_token", error_description="[^"]*not a JWT[^"]*request an audience at login"$/,
    );
    const body = await res.json();
    assert.equal(body.error, 'invalid_token');
    assert.match(body.error_description, /not a JWT/);
  });

  it('200 for a real token with read:messages; 403 insufficient_scope for write', async () => {
    const ok = await call(stack.api.url, '/api/messages', readToken);
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).scope, 'read:messages');

    const denied = await call(stack.api.url, '/api/messages', readToken, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hi' }),
    });
    assert.equal(denied.status, 403);
    assert.match(
      denied.headers.get('www-authenticate'),
      /error="insufficient_scope", scope="write:messages", error_description="/,
    );
    assert.equal((await denied.json()).error, 'insufficient_scope');

    const admin = await call(stack.api.url, '/api/admin', readToken);
    assert.equal(admin.status, 403);

    const written = await call(stack.api.url, '/api/messages', fullToken, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hi' }),
    });
    assert.equal(written.status, 201);
    assert.equal((await written.json()).message.text, 'hi');
  });

  it('401 wrong audience for a real token presented to an API with another identifier', async () => {
    const other = await startApi({
      port: 0,
      issuer: stack.idp.issuer,
      jwksUri: `http://127.0.0.1:${stack.idp.port}/jwks`,
      audience: 'https://other-api.example',
      log: () => {},
    });
    try {
      const res = await call(other.url, '/api/messages', readToken);
      assert.equal(res.status, 401);
      assert.match(
        res.headers.get('www-authenticate'),
        /error="invalid_token", error_description="wrong audience \(aud\): expected https:\/\/other-api.example, got https:\/\/api.ngx-oidc.test"/,
      );
    } finally {
      await other.close();
    }
  });

  it('401 reasons for forged tokens: wrong aud, wrong iss, expired, bad signature, unknown kid', async () => {
    const cases = [
      [await forge(), 200, null],
      [
        await forge({ aud: 'https://evil.example' }),
        401,
        /wrong audience \(aud\): expected https:\/\/api.ngx-oidc.test, got https:\/\/evil.example/,
      ],
      [
        await forge({ iss: 'http://evil.example' }),
        401,
        /wrong issuer \(iss\): expected http:\/\/localhost:1\/test-issuer, got http:\/\/evil.example/,
      ],
      [await forge({ iat: 1000, exp: 2000 }), 401, /expired at 1970-01-01T00:33:20.000Z \(exp\)/],
      [await forge({}, { key: otherKey.privateKey }), 401, /bad signature/],
      [
        await forge({}, { key: otherKey.privateKey, kid: 'nope' }),
        401,
        /unknown signing key.*kid=nope/,
      ],
    ];
    for (const [token, status, reason] of cases) {
      const res = await call(forgedApi.url, '/api/messages', token);
      assert.equal(res.status, status, `${reason}`);
      if (reason) {
        assert.match(res.headers.get('www-authenticate'), /error="invalid_token"/);
        assert.match((await res.json()).error_description, reason);
      }
    }
    // A token from the real issuer is not accepted by the API of another issuer.
    const res = await call(forgedApi.url, '/api/messages', readToken);
    assert.equal(res.status, 401);
  });

  it('step-up routes (RFC 9470): acr and auth_time of forged tokens; max_age only on /recent; no partner API without the partner', async () => {
    const now = Math.floor(Date.now() / 1000);
    const mfa = 'urn:ngx-oidc:acr:mfa';
    const cases = [
      ['/api/step-up', {}, 401, /acr urn:ngx-oidc:acr:mfa \(the access token has \(none\)\)/],
      [
        '/api/step-up',
        { acr: 'urn:ngx-oidc:acr:password', auth_time: now },
        401,
        /the access token has urn:ngx-oidc:acr:password/,
      ],
      ['/api/step-up', { acr: mfa }, 200, null],
      ['/api/step-up', { acr: mfa, auth_time: now - 3600 }, 200, null],
      [
        '/api/step-up/recent',
        { acr: mfa, auth_time: now - 3600 },
        401,
        /authenticated 3600 s ago, max_age 60/,
      ],
      ['/api/step-up/recent', { acr: mfa }, 401, /has no auth_time/],
      ['/api/step-up/recent', { acr: mfa, auth_time: now - 63 }, 200, null], // clock tolerance 5 s
      [
        '/api/step-up/recent',
        { acr: 'urn:ngx-oidc:acr:password', auth_time: now },
        401,
        /stronger authentication/,
      ],
    ];
    for (const [path, extra, status, reason] of cases) {
      const res = await call(forgedApi.url, path, await forge(extra));
      assert.equal(res.status, status, `${path} ${JSON.stringify(extra)}`);
      const body = await res.json();
      if (!reason) {
        assert.equal(body.acr, mfa);
        continue;
      }
      const www = res.headers.get('www-authenticate');
      const maxAge = path.endsWith('/recent') ? ', max_age="60"' : '';
      assert.match(
        www,
        new RegExp(
          `^Bearer realm="demo-api", error="insufficient_user_authentication", error_description="[^"]+", acr_values="urn:ngx-oidc:acr:mfa"${maxAge}$`,
        ),
      );
      assert.equal(body.error, 'insufficient_user_authentication');
      assert.match(body.error_description, reason);
    }

    const partner = await call(forgedApi.url, '/partner/me', await forge({ acr: mfa }));
    assert.equal(partner.status, 404);
  });

  it('management API: own realm, audience and scopes; forged management tokens; PATCH body checks; CORS allows PATCH', async () => {
    const none = await call(stack.api.url, '/management/me');
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="management-api"');

    const base = forgedApi.url; // default management audience
    const me = await call(
      base,
      '/management/me',
      await forge({ aud: MANAGEMENT_AUDIENCE, scope: 'read:current_user' }),
    );
    assert.equal(me.status, 200);
    assert.deepEqual(
      await me.json(),
      { sub: 'mallory', scope: 'read:current_user' },
      'no name for an unknown sub',
    );

    const demoScoped = await call(
      base,
      '/management/me',
      await forge({ aud: MANAGEMENT_AUDIENCE }),
    );
    assert.equal(demoScoped.status, 403);
    assert.match(demoScoped.headers.get('www-authenticate'), /scope="read:current_user"/);

    const writer = await forge({
      aud: MANAGEMENT_AUDIENCE,
      scope: 'update:current_user_metadata',
    });
    const patch = (body) =>
      call(base, '/management/me/metadata', writer, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const ok = await patch(JSON.stringify({ color: 'blue' }));
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), {
      sub: 'mallory',
      user_metadata: { color: 'blue' },
      scope: 'update:current_user_metadata',
    });
    for (const bad of ['[1]', 'nope', '"x"']) {
      const res = await patch(bad);
      assert.equal(res.status, 400, bad);
      assert.equal((await res.json()).error, 'invalid_request');
    }
    assert.equal((await call(base, '/management/me/metadata', writer)).status, 404, 'GET');

    const preflight = await fetch(`${base}/management/me/metadata`, {
      method: 'OPTIONS',
      headers: {
        origin: DEMO_ORIGIN,
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get('access-control-allow-methods'), /PATCH/);
  });

  it('CORS: preflight from the demo origin via localhost and 127.0.0.1; unknown origins get no CORS headers', async () => {
    for (const base of [stack.api.url, `http://127.0.0.1:${stack.api.port}`]) {
      const res = await fetch(`${base}/api/messages`, {
        method: 'OPTIONS',
        headers: {
          origin: DEMO_ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      assert.equal(res.status, 204);
      assert.equal(res.headers.get('access-control-allow-origin'), DEMO_ORIGIN);
      assert.match(res.headers.get('access-control-allow-headers'), /Authorization/);
      assert.match(res.headers.get('access-control-allow-headers'), /Content-Type/);
      assert.match(res.headers.get('vary'), /Origin/);
      const get = await fetch(`${base}/api/messages`, {
        headers: { origin: DEMO_ORIGIN, authorization: `Bearer ${readToken}` },
      });
      assert.equal(get.status, 200);
      assert.equal(get.headers.get('access-control-allow-origin'), DEMO_ORIGIN);
    }
    const evil = await fetch(`${stack.api.url}/api/public`, {
      headers: { origin: 'http://evil.example' },
    });
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
  });
});
