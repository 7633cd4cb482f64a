// What ngx-oidc's logout and silent renewal send (#11 items 11, 14), against the local provider
// over real HTTP: node --test projects/demo-backend/test/session-end.test.mjs
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  AUDIENCE,
  CLIENT_ID,
  DEMO_ORIGIN,
  loginWithCode,
  refreshGrant,
  silentAuth,
  startStack,
} from '../test-support/flows.mjs';

describe('demo identity provider: logout revocation and id_token_hint', () => {
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

  it('revokes a refresh token for the public client (RFC 7009: token_type_hint, client_id, CORS); the grant is gone', async () => {
    const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
    assert.ok(discovery.revocation_endpoint, 'features.revocation is enabled');
    const { tokens } = await loginWithCode(issuer, {
      resource: AUDIENCE,
      scope: 'openid offline_access read:messages',
    });
    assert.ok(tokens.refresh_token);

    // As revokeToken() sends it: a URLSearchParams body, no Authorization header.
    const rev = await fetch(discovery.revocation_endpoint, {
      method: 'POST',
      headers: { origin: DEMO_ORIGIN },
      body: new URLSearchParams({
        token: tokens.refresh_token,
        token_type_hint: 'refresh_token',
        client_id: CLIENT_ID,
      }),
    });
    assert.equal(rev.status, 200, await rev.text());
    assert.equal(rev.headers.get('access-control-allow-origin'), DEMO_ORIGIN);

    const refresh = await refreshGrant(issuer, tokens.refresh_token);
    assert.equal(refresh.status, 400);
    assert.equal(refresh.body.error, 'invalid_grant');
  });

  it("answers prompt=none with the session's ID token as id_token_hint, and login_required for another user's", async () => {
    const { tokens, browser } = await loginWithCode(issuer, { scope: 'openid profile' });

    const same = await silentAuth(issuer, browser, { id_token_hint: tokens.id_token });
    assert.ok(same.tokens, same.params.toString());

    // alice's browser session, bob's ID token: the provider must not answer for alice.
    const bob = await loginWithCode(
      issuer,
      { scope: 'openid profile' },
      { login: { username: 'bob', password: 'builder' } },
    );
    const other = await silentAuth(issuer, browser, { id_token_hint: bob.tokens.id_token });
    assert.equal(other.params.get('error'), 'login_required', other.params.toString());
  });
});
