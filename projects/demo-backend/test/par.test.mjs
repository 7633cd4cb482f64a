// Pushed Authorization Requests (RFC 9126) for the demo's public client.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ACR_MFA, ONE_TIME_CODE } from '../acr.mjs';
import {
  AUDIENCE,
  authorize,
  claims,
  CLIENT_ID,
  DEMO_ORIGIN,
  DEV_CLIENT_ID,
  exchangeCode,
  loginWithCode,
  pkcePair,
  pushAuthorizationRequest,
  refreshGrant,
  startStack,
} from '../test-support/flows.mjs';

describe('pushed authorization requests (PAR)', () => {
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

  /** Pushes a code + PKCE request and returns its request_uri and verifier. */
  async function push(extra = {}) {
    const { verifier, challenge } = pkcePair();
    const { res, body } = await pushAuthorizationRequest(issuer, {
      response_type: 'code',
      scope: 'openid profile read:messages offline_access',
      audience: AUDIENCE,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'par-state',
      nonce: 'par-nonce',
      ...extra,
    });
    return { res, body, verifier };
  }

  it('discovery advertises the PAR endpoint, not required', async () => {
    const d = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
    assert.equal(d.pushed_authorization_request_endpoint, `${issuer}/request`);
    assert.notEqual(d.require_pushed_authorization_requests, true);
  });

  it('the whole code flow: push with client_id (public client, CORS), authorize with client_id + request_uri only, exchange, refresh', async () => {
    const { res, body, verifier } = await push();
    assert.equal(res.status, 201, JSON.stringify(body));
    assert.equal(res.headers.get('access-control-allow-origin'), DEMO_ORIGIN);
    assert.match(body.request_uri, /^urn:ietf:params:oauth:request_uri:/);
    assert.equal(typeof body.expires_in, 'number');

    let authorizeUrl;
    const result = await authorize(
      issuer,
      { request_uri: body.request_uri, redirect_uri: undefined },
      {
        onResponse: (_res, url) => {
          authorizeUrl ??= url;
        },
      },
    );
    assert.deepEqual([...authorizeUrl.searchParams.keys()].sort(), ['client_id', 'request_uri']);
    assert.equal(authorizeUrl.searchParams.get('client_id'), CLIENT_ID);
    assert.equal(result.params.get('state'), 'par-state');
    assert.equal(result.params.get('iss'), issuer);
    const code = result.params.get('code');
    assert.ok(code, `no code: ${result.html ?? result.url}`);

    const { res: tokenRes, body: tokens } = await exchangeCode(issuer, code, verifier);
    assert.equal(tokenRes.status, 200, JSON.stringify(tokens));
    const id = claims(tokens.id_token);
    assert.equal(id.nonce, 'par-nonce');
    assert.equal(id.sub, 'alice');
    const at = claims(tokens.access_token);
    assert.equal(at.aud, AUDIENCE, 'the pushed audience is used');
    assert.equal(at.scope, 'read:messages');
    assert.ok(tokens.refresh_token, 'offline_access pushed with PAR gives a refresh token');
    const refreshed = await refreshGrant(issuer, tokens.refresh_token);
    assert.equal(refreshed.status, 200);

    // A request_uri is used once (an error page: the redirect URI is not known without it).
    const reused = await authorize(
      issuer,
      { request_uri: body.request_uri, redirect_uri: undefined },
      { login: null },
    );
    assert.equal(reused.status, 400);
    assert.match(reused.html, /invalid_request_uri/);
  });

  it('CORS preflight of the PAR endpoint answers the demo origin', async () => {
    const res = await fetch(`${issuer}/request`, {
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

  it('refuses what the authorization endpoint refuses: no PKCE, an unregistered redirect URI, an unknown client', async () => {
    const noPkce = await pushAuthorizationRequest(issuer, {
      response_type: 'code',
      scope: 'openid',
    });
    assert.equal(noPkce.res.status, 400);
    assert.equal(noPkce.body.error, 'invalid_request');

    const { challenge } = pkcePair();
    const badRedirect = await pushAuthorizationRequest(issuer, {
      response_type: 'code',
      scope: 'openid',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      redirect_uri: 'http://localhost:4200/elsewhere',
    });
    assert.equal(badRedirect.res.status, 400);
    assert.match(badRedirect.body.error, /invalid_(redirect_uri|request)/);

    const unknown = await pushAuthorizationRequest(issuer, {
      client_id: 'nobody',
      response_type: 'code',
      scope: 'openid',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    assert.equal(unknown.res.status, 401);
    assert.equal(unknown.body.error, 'invalid_client');
  });

  it('the development client pushes too, with a loopback redirect URI on any port and CORS for its origin', async () => {
    const { verifier, challenge } = pkcePair();
    const redirectUri = 'http://127.0.0.1:48123/auth/callback';
    const res = await fetch(new URL('/request', issuer), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'http://127.0.0.1:48123',
      },
      body: new URLSearchParams({
        client_id: DEV_CLIENT_ID,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'openid',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
    });
    const body = await res.json();
    assert.equal(res.status, 201, JSON.stringify(body));
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://127.0.0.1:48123');
    const result = await authorize(issuer, {
      client_id: DEV_CLIENT_ID,
      request_uri: body.request_uri,
      redirect_uri: redirectUri,
    });
    // authorize() put redirect_uri in the query as well; oidc-provider takes the pushed one.
    const code = result.params.get('code');
    assert.ok(code, result.html ?? String(result.url));
    const { res: tokenRes } = await exchangeCode(issuer, code, verifier, {
      client_id: DEV_CLIENT_ID,
      redirect_uri: redirectUri,
    });
    assert.equal(tokenRes.status, 200);
  });

  it('pushed acr_values=mfa asks for the one-time code; the plain authorization endpoint still works', async () => {
    const { body, verifier } = await push({ acr_values: ACR_MFA });
    const result = await authorize(
      issuer,
      { request_uri: body.request_uri, redirect_uri: undefined },
      { otp: ONE_TIME_CODE },
    );
    assert.ok(result.pages.some((p) => /name="otp"/.test(p)));
    const { body: tokens } = await exchangeCode(issuer, result.params.get('code'), verifier);
    assert.equal(claims(tokens.id_token).acr, ACR_MFA);

    const plain = await loginWithCode(issuer, {
      audience: AUDIENCE,
      scope: 'openid read:messages',
    });
    assert.ok(plain.tokens.access_token);
  });
});
