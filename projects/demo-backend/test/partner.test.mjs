// The second provider (partner.mjs) and its API: own issuer, keys, cookies and audience; one
// browser signed in to both; each API takes only its own provider's tokens; logging out of one
// provider leaves the other.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ACR_MFA, ACR_VALUES, ONE_TIME_CODE } from '../acr.mjs';
import { PARTNER_NAME } from '../partner.mjs';
import {
  AUDIENCE,
  authorize,
  Browser,
  claims,
  DEMO_ORIGIN,
  loginWithCode,
  PARTNER_AUDIENCE,
  pkcePair,
  refreshGrant,
  silentAuth,
  startStack,
} from '../test-support/flows.mjs';

const PARTNER_LOGIN = {
  audience: PARTNER_AUDIENCE,
  scope: 'openid profile read:partner offline_access',
};
const DEMO_LOGIN = { audience: AUDIENCE, scope: 'openid profile read:messages' };

describe('second provider (partner)', () => {
  /** @type {Awaited<ReturnType<typeof startStack>>} */
  let stack;
  let issuer;
  let issuer2;

  before(async () => {
    stack = await startStack({ partner: true });
    issuer = stack.idp.issuer;
    issuer2 = stack.idp2.issuer;
  });
  after(async () => {
    await stack?.close();
  });

  const call = (path, token) =>
    fetch(`${stack.api.url}${path}`, {
      headers: { origin: DEMO_ORIGIN, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });

  async function logout(browser, base, idToken) {
    const end = new URL('/session/end', base);
    end.search = new URLSearchParams({
      id_token_hint: idToken,
      post_logout_redirect_uri: `${DEMO_ORIGIN}/`,
    }).toString();
    const html = await (await browser.request(end)).text();
    const action = /<form id="op.logoutForm" method="post" action="([^"]+)"/.exec(html)[1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)[1];
    const confirm = await browser.request(new URL(action, base), {
      method: 'POST',
      form: { xsrf, logout: 'yes' },
    });
    assert.equal(confirm.status, 303);
  }

  it('has its own issuer and signing keys, the same features (acr, PAR), and names itself on its pages', async () => {
    assert.match(issuer2, /^http:\/\/localhost:\d+$/);
    assert.notEqual(issuer2, issuer);
    const d = await (await fetch(`${issuer2}/.well-known/openid-configuration`)).json();
    assert.equal(d.issuer, issuer2);
    assert.deepEqual(d.acr_values_supported, [...ACR_VALUES]);
    assert.equal(d.pushed_authorization_request_endpoint, `${issuer2}/request`);
    assert.ok(d.grant_types_supported.includes('refresh_token'));
    const kids = async (base) =>
      (await (await fetch(`${base}/jwks`)).json()).keys.map((k) => k.kid);
    const [one, two] = [await kids(issuer), await kids(issuer2)];
    assert.equal(two.length, 2);
    assert.ok(
      two.every((k) => k.startsWith('partner-') && !one.includes(k)),
      `${one} / ${two}`,
    );

    const stop = await authorize(
      issuer2,
      {
        response_type: 'code',
        scope: 'openid',
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
      },
      { login: { username: 'alice', password: 'wrong' } },
    );
    assert.match(stop.html, new RegExp(`data-testid="idp-name">${PARTNER_NAME}<`));
    assert.match(stop.html, /data-testid="login-error"/);
  });

  it("one browser signed in to both: separate cookies, each API takes only its own provider's token", async () => {
    const browser = new Browser();
    const first = await loginWithCode(issuer, DEMO_LOGIN, { browser });
    const second = await loginWithCode(issuer2, PARTNER_LOGIN, {
      browser,
      login: { username: 'bob', password: 'builder' },
    });
    assert.ok(browser.cookies.has('_session'), [...browser.cookies.keys()].join(' '));
    assert.ok(browser.cookies.has('partner_session'), [...browser.cookies.keys()].join(' '));

    const demoToken = first.tokens.access_token;
    const partnerToken = second.tokens.access_token;
    assert.equal(claims(demoToken).iss, issuer);
    assert.equal(claims(partnerToken).iss, issuer2);
    assert.equal(claims(partnerToken).aud, PARTNER_AUDIENCE);
    assert.equal(claims(partnerToken).scope, 'read:partner');
    assert.equal(claims(second.tokens.id_token).sub, 'bob');

    const ok = await call('/partner/me', partnerToken);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), DEMO_ORIGIN);
    assert.deepEqual(await ok.json(), {
      sub: 'bob',
      name: 'Bob the Builder',
      iss: issuer2,
      scope: 'read:partner',
    });
    assert.equal((await call('/api/messages', demoToken)).status, 200);

    // The other provider's token, each way: invalid_token, wrong issuer.
    const wrongAtPartner = await call('/partner/me', demoToken);
    assert.equal(wrongAtPartner.status, 401);
    assert.match(
      wrongAtPartner.headers.get('www-authenticate'),
      new RegExp(
        `^Bearer realm="partner-api", error="invalid_token", error_description="wrong issuer \\(iss\\): expected ${issuer2}, got ${issuer}"$`,
      ),
    );
    const wrongAtDemo = await call('/api/messages', partnerToken);
    assert.equal(wrongAtDemo.status, 401);
    assert.match(wrongAtDemo.headers.get('www-authenticate'), /wrong issuer \(iss\)/);
    assert.equal((await call('/management/me', partnerToken)).status, 401);

    const none = await call('/partner/me');
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="partner-api"');

    // Both sessions live: silent authentication works at each, for its own user.
    const silent1 = await silentAuth(issuer, browser, DEMO_LOGIN);
    assert.equal(claims(silent1.tokens.id_token).sub, 'alice');
    const silent2 = await silentAuth(issuer2, browser, PARTNER_LOGIN);
    assert.equal(claims(silent2.tokens.id_token).sub, 'bob');

    // Refresh tokens at the partner, as at the first provider.
    assert.ok(second.tokens.refresh_token);
    const refreshed = await refreshGrant(issuer2, second.tokens.refresh_token);
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.equal(claims(refreshed.body.access_token).aud, PARTNER_AUDIENCE);
    // ... which the first provider does not know.
    const foreign = await refreshGrant(issuer, refreshed.body.refresh_token);
    assert.equal(foreign.status, 400);
    assert.equal(foreign.body.error, 'invalid_grant');

    // Logging out of the partner leaves the first provider's session.
    await logout(browser, issuer2, second.tokens.id_token);
    assert.equal(
      (await silentAuth(issuer2, browser, PARTNER_LOGIN)).params.get('error'),
      'login_required',
    );
    const still = await silentAuth(issuer, browser, DEMO_LOGIN);
    assert.equal(claims(still.tokens.id_token).sub, 'alice');
    // And the other way round.
    await loginWithCode(issuer2, PARTNER_LOGIN, { browser });
    await logout(browser, issuer, first.tokens.id_token);
    assert.equal(
      (await silentAuth(issuer, browser, DEMO_LOGIN)).params.get('error'),
      'login_required',
    );
    assert.ok((await silentAuth(issuer2, browser, PARTNER_LOGIN)).tokens);
  });

  it('the partner knows only its own API: the demo audience is invalid_target there', async () => {
    const { params } = await authorize(
      issuer2,
      {
        response_type: 'code',
        scope: 'openid read:messages',
        audience: AUDIENCE,
        state: 'x',
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
      },
      { login: null },
    );
    assert.equal(params.get('error'), 'invalid_target');
    const { params: other } = await authorize(
      issuer,
      {
        response_type: 'code',
        scope: 'openid',
        audience: PARTNER_AUDIENCE,
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
      },
      { login: null },
    );
    assert.equal(other.get('error'), 'invalid_target');
  });

  it('step-up works at the partner too (acr in its tokens)', async () => {
    const { tokens } = await loginWithCode(
      issuer2,
      { ...PARTNER_LOGIN, acr_values: ACR_MFA },
      { otp: ONE_TIME_CODE },
    );
    assert.equal(claims(tokens.access_token).acr, ACR_MFA);
    assert.equal(claims(tokens.id_token).acr, ACR_MFA);
  });
});
