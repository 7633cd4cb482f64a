// Step-up authentication: acr values in ID and access tokens, the one-time-code page, the
// step-up round trip on an existing session, max_age, and the API's RFC 9470 challenge.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ACR_MFA, ACR_PASSWORD, ACR_VALUES, ONE_TIME_CODE, requiresMfa } from '../acr.mjs';
import {
  AUDIENCE,
  authorize,
  Browser,
  claims,
  DEMO_ORIGIN,
  exchangeCode,
  follow,
  loginWithCode,
  pkcePair,
  refreshGrant,
  silentAuth,
  startStack,
} from '../test-support/flows.mjs';

const API_LOGIN = { audience: AUDIENCE, scope: 'openid profile read:messages offline_access' };

describe('step-up authentication (acr)', () => {
  /** @type {Awaited<ReturnType<typeof startStack>>} */
  let stack;
  let issuer;

  before(async () => {
    stack = await startStack({ stepUpMaxAge: 30 });
    issuer = stack.idp.issuer;
  });
  after(async () => {
    await stack?.close();
  });

  const callApi = (path, token) =>
    fetch(`${stack.api.url}${path}`, {
      headers: { origin: DEMO_ORIGIN, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });

  it('discovery advertises acr_values_supported and the acr claim', async () => {
    const d = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
    assert.deepEqual(d.acr_values_supported, [...ACR_VALUES]);
    assert.deepEqual(d.acr_values_supported, [ACR_PASSWORD, ACR_MFA]);
    assert.ok(d.claims_supported.includes('acr'));
  });

  it('a password login: acr password in the ID token and in the API access token; no one-time-code page', async () => {
    const { tokens, authResponse } = await loginWithCode(issuer, API_LOGIN);
    assert.ok(!authResponse.pages.some((p) => /name="otp"/.test(p)));
    const id = claims(tokens.id_token);
    assert.equal(id.acr, ACR_PASSWORD);
    assert.deepEqual(id.amr, ['pwd']);
    const at = claims(tokens.access_token);
    assert.equal(at.acr, ACR_PASSWORD);
    assert.ok(Math.abs(at.auth_time - Date.now() / 1000) < 60, `auth_time ${at.auth_time}`);
    // The refreshed access token keeps the login's authentication.
    const refreshed = await refreshGrant(issuer, tokens.refresh_token);
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.equal(claims(refreshed.body.access_token).acr, ACR_PASSWORD);
    assert.equal(claims(refreshed.body.id_token).acr, ACR_PASSWORD);
  });

  it("implicit `id_token token`: the access token from the authorization endpoint carries the session's acr", async () => {
    const { params } = await authorize(
      issuer,
      {
        response_type: 'id_token token',
        scope: 'openid read:messages',
        audience: AUDIENCE,
        nonce: 'imp',
        redirect_uri: 'http://localhost:4200/silent-callback.html',
        acr_values: ACR_MFA,
      },
      { otp: ONE_TIME_CODE },
    );
    const at = claims(params.get('access_token'));
    assert.equal(at.acr, ACR_MFA);
    assert.equal(typeof at.auth_time, 'number');
    assert.equal(claims(params.get('id_token')).acr, ACR_MFA);
  });

  it('acr_values=mfa: password, then the one-time-code page; a wrong code is refused; the right one gives acr mfa', async () => {
    const { verifier, challenge } = pkcePair();
    const params = {
      ...API_LOGIN,
      response_type: 'code',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'mfa',
      nonce: 'mfa',
      acr_values: ACR_MFA,
    };
    // Stop at the one-time-code page (otp: null).
    const first = await authorize(issuer, params);
    assert.equal(first.status, 200);
    assert.match(
      first.pages[0],
      /data-testid="second-step-notice"/,
      'the login page says a code follows',
    );
    assert.match(first.html, /name="otp"/);
    assert.match(first.html, /data-testid="otp-account">Alice Liddell</);
    assert.match(first.html, new RegExp(`Demo code: <code>${ONE_TIME_CODE}</code>`));
    assert.match(first.url.pathname, /^\/interaction\/[^/]+\/otp$/);

    // A wrong code shows the page again with an error; the right one finishes the login.
    const wrong = await first.browser.request(first.url, {
      method: 'POST',
      form: { otp: '000000' },
    });
    assert.equal(wrong.status, 200);
    assert.match(await wrong.text(), /data-testid="otp-error"/);

    const done = await first.browser.request(first.url, {
      method: 'POST',
      form: { otp: ONE_TIME_CODE },
    });
    assert.equal(done.status, 303);
    const rest = await follow(first.browser, new URL(done.headers.get('location'), issuer));
    const code = rest.params.get('code');
    assert.ok(code, 'code after the one-time code');
    const { body } = await exchangeCode(issuer, code, verifier);
    const id = claims(body.id_token);
    assert.equal(id.acr, ACR_MFA);
    assert.deepEqual(id.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(claims(body.access_token).acr, ACR_MFA);
  });

  it('step-up round trip: a password session, then acr_values=mfa shows only the one-time-code page for the same user', async () => {
    const first = await loginWithCode(issuer, API_LOGIN);
    const browser = first.browser;
    const weak = first.tokens.access_token;
    assert.equal(claims(weak).acr, ACR_PASSWORD);

    // The API asks for more (RFC 9470).
    const refused = await callApi('/api/step-up', weak);
    assert.equal(refused.status, 401);
    const challenge = refused.headers.get('www-authenticate');
    assert.match(
      challenge,
      /^Bearer realm="demo-api", error="insufficient_user_authentication", error_description="[^"]+", acr_values="urn:ngx-oidc:acr:mfa"$/,
    );
    assert.equal(refused.headers.get('access-control-allow-origin'), DEMO_ORIGIN);
    assert.match(refused.headers.get('access-control-expose-headers'), /WWW-Authenticate/i);
    const body = await refused.json();
    assert.equal(body.error, 'insufficient_user_authentication');
    assert.equal(body.acr_values, ACR_MFA);

    // prompt=none cannot step up: login_required.
    const silent = await silentAuth(issuer, browser, { acr_values: ACR_MFA });
    assert.equal(silent.params.get('error'), 'login_required');

    // The interactive step-up: no password page, the code page for alice.
    const pages = [];
    const stepped = await loginWithCode(
      issuer,
      { ...API_LOGIN, acr_values: ACR_MFA },
      { browser, login: null, otp: ONE_TIME_CODE },
    );
    pages.push(...stepped.authResponse.pages);
    assert.equal(pages.length, 1, 'one page: the one-time code');
    assert.match(pages[0], /name="otp"/);
    assert.doesNotMatch(pages[0], /name="username"/);
    assert.match(pages[0], /This application needs a stronger sign-in/);
    assert.match(pages[0], /data-testid="otp-switch-account"/);
    const strong = stepped.tokens.access_token;
    assert.equal(claims(strong).acr, ACR_MFA);
    assert.equal(claims(stepped.tokens.id_token).sub, 'alice');

    const ok = await callApi('/api/step-up', strong);
    assert.equal(ok.status, 200);
    const json = await ok.json();
    assert.equal(json.acr, ACR_MFA);
    assert.equal(json.sub, 'alice');

    // The session has mfa now: a later silent authentication gets it without a page.
    const again = await silentAuth(issuer, browser, { acr_values: ACR_MFA });
    assert.equal(claims(again.tokens.id_token).acr, ACR_MFA);
  });

  it('step-up with "sign in as someone else": the password page, then the code, for the other user', async () => {
    const { browser } = await loginWithCode(issuer, API_LOGIN);
    const stop = await authorize(
      issuer,
      {
        ...API_LOGIN,
        response_type: 'code',
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
        acr_values: ACR_MFA,
      },
      { browser, login: null },
    );
    assert.match(stop.html, /name="otp"/);
    const switched = await browser.request(new URL('?switch_account=1', stop.url));
    const html = await switched.text();
    assert.match(html, /name="username"/);
    assert.match(html, /data-testid="second-step-notice"/);
    const posted = await browser.request(new URL(`${stop.url.pathname}/login`, stop.url), {
      method: 'POST',
      form: { username: 'bob', password: 'builder' },
    });
    assert.equal(posted.status, 303);
    const codePage = await browser.request(new URL(posted.headers.get('location'), stop.url));
    assert.match(await codePage.text(), /data-testid="otp-account">Bob the Builder</);
  });

  it('a one-time-code POST without a first factor goes back to the login page', async () => {
    const stop = await authorize(
      issuer,
      {
        response_type: 'code',
        scope: 'openid',
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
        acr_values: ACR_MFA,
      },
      { login: null },
    ).catch((err) => err);
    // No session: the password page comes first (authorize() refuses an unexpected login page).
    assert.match(String(stop?.message), /unexpected login page/);

    const browser = new Browser();
    const res = await browser.request(
      new URL(
        `/auth?${new URLSearchParams({
          client_id: 'ngx-oidc-demo',
          redirect_uri: 'http://localhost:4200/callback',
          response_type: 'code',
          scope: 'openid',
          code_challenge: pkcePair().challenge,
          code_challenge_method: 'S256',
          acr_values: ACR_MFA,
        })}`,
        issuer,
      ),
    );
    const page = new URL(res.headers.get('location'), issuer);
    const skipped = await browser.request(new URL(`${page.pathname}/otp`, issuer), {
      method: 'POST',
      form: { otp: ONE_TIME_CODE },
    });
    assert.equal(skipped.status, 303);
    assert.equal(skipped.headers.get('location'), page.pathname);
  });

  it('DemoSocial + acr_values=mfa: the code page follows the social login (amr fed otp mfa)', async () => {
    const { tokens } = await loginWithCode(
      issuer,
      { ...API_LOGIN, acr_values: ACR_MFA },
      { login: 'social', otp: ONE_TIME_CODE },
    );
    const id = claims(tokens.id_token);
    assert.equal(id.sub, 'demosocial|carol');
    assert.equal(id.acr, ACR_MFA);
    assert.deepEqual(id.amr, ['fed', 'otp', 'mfa']);
  });

  it('acr_values naming mfa anywhere asks for the code; naming only password does not', async () => {
    assert.equal(requiresMfa({ acr_values: `${ACR_PASSWORD} ${ACR_MFA}` }), true);
    assert.equal(requiresMfa({ acr_values: ACR_MFA }), true);
    assert.equal(requiresMfa({ acr_values: ACR_PASSWORD }), false);
    assert.equal(requiresMfa({ acr_values: `${ACR_MFA}x` }), false);
    assert.equal(requiresMfa({}), false);
    assert.equal(requiresMfa(undefined), false);

    const { tokens } = await loginWithCode(
      issuer,
      { ...API_LOGIN, acr_values: `${ACR_PASSWORD} ${ACR_MFA}` },
      { otp: ONE_TIME_CODE },
    );
    assert.equal(claims(tokens.id_token).acr, ACR_MFA);
    const { tokens: weak, authResponse } = await loginWithCode(issuer, {
      ...API_LOGIN,
      acr_values: ACR_PASSWORD,
    });
    assert.ok(!authResponse.pages.some((p) => /name="otp"/.test(p)));
    assert.equal(claims(weak.id_token).acr, ACR_PASSWORD);
  });

  it('max_age keeps working: max_age=0 asks for the password again on an mfa session (then the code, when asked for)', async () => {
    const { browser } = await loginWithCode(
      issuer,
      { ...API_LOGIN, acr_values: ACR_MFA },
      { otp: ONE_TIME_CODE },
    );
    const again = await loginWithCode(
      issuer,
      { ...API_LOGIN, acr_values: ACR_MFA, max_age: '0' },
      { browser, otp: ONE_TIME_CODE },
    );
    const pages = again.authResponse.pages;
    assert.match(pages[0], /name="username"/, 'max_age: a full login, not only the code');
    assert.ok(pages.some((p) => /name="otp"/.test(p)));
    assert.equal(claims(again.tokens.id_token).acr, ACR_MFA);
    assert.equal(typeof claims(again.tokens.id_token).auth_time, 'number');
  });

  it('GET /api/step-up/recent: max_age in the challenge; a fresh mfa login passes; scope first, then acr', async () => {
    const { tokens: weak } = await loginWithCode(issuer, API_LOGIN);
    const refused = await callApi('/api/step-up/recent', weak.access_token);
    assert.equal(refused.status, 401);
    assert.match(
      refused.headers.get('www-authenticate'),
      /error="insufficient_user_authentication", error_description="[^"]+", acr_values="urn:ngx-oidc:acr:mfa", max_age="30"$/,
    );
    assert.equal((await refused.json()).max_age, 30);

    const { tokens: strong } = await loginWithCode(
      issuer,
      { ...API_LOGIN, acr_values: ACR_MFA, max_age: '30' },
      { otp: ONE_TIME_CODE },
    );
    const ok = await callApi('/api/step-up/recent', strong.access_token);
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).max_age, 30);

    // Without read:messages: 403 insufficient_scope before any acr question.
    const { tokens: noScope } = await loginWithCode(
      issuer,
      { audience: AUDIENCE, scope: 'openid write:messages', acr_values: ACR_MFA },
      { otp: ONE_TIME_CODE },
    );
    const forbidden = await callApi('/api/step-up', noScope.access_token);
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.headers.get('www-authenticate'), /insufficient_scope/);

    const none = await callApi('/api/step-up');
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="demo-api"');
  });
});
