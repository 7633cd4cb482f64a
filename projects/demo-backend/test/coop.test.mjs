// Cross-Origin-Opener-Policy on the sign-in pages (coop.mjs): per login with `coop=same-origin`,
// or always with startProvider({ crossOriginOpenerPolicy: 'same-origin' }).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ACR_MFA, ONE_TIME_CODE } from '../acr.mjs';
import { COOP_PARAM, COOP_SAME_ORIGIN } from '../coop.mjs';
import {
  authorize,
  DEMO_ORIGIN,
  pkcePair,
  pushAuthorizationRequest,
  startStack,
} from '../test-support/flows.mjs';

/** Runs a code login and records the COOP header of every response on the way, by path. */
async function coopOnTheWay(issuer, params = {}, opts = {}) {
  const seen = [];
  const result = await authorize(
    issuer,
    {
      response_type: 'code',
      scope: 'openid',
      state: 'coop',
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
      ...params,
    },
    {
      ...opts,
      onResponse: (res, url) =>
        seen.push([
          `${res.status} ${url.pathname.replace(/\/(auth|interaction)\/[^/]+/, '/$1/<uid>')}`,
          res.headers.get('cross-origin-opener-policy'),
        ]),
    },
  );
  return { result, seen };
}

describe('Cross-Origin-Opener-Policy switch', () => {
  /** @type {Awaited<ReturnType<typeof startStack>>} */
  let stack;
  /** @type {Awaited<ReturnType<typeof startStack>>} */
  let always;

  before(async () => {
    stack = await startStack();
    always = await startStack({ crossOriginOpenerPolicy: COOP_SAME_ORIGIN });
  });
  after(async () => {
    await Promise.all([stack?.close(), always?.close()]);
  });

  it('without the switch: no COOP header on the way', async () => {
    const { result, seen } = await coopOnTheWay(stack.idp.issuer);
    assert.ok(result.params.get('code'));
    assert.deepEqual(
      seen.map(([path]) => path),
      ['303 /auth', '200 /interaction/<uid>', '303 /interaction/<uid>/login', '303 /auth/<uid>'],
    );
    assert.ok(
      seen.every(([, coop]) => coop === null),
      JSON.stringify(seen),
    );
  });

  it('coop=same-origin: the authorization answers, the login and one-time-code pages and the resumes carry it', async () => {
    const { result, seen } = await coopOnTheWay(
      stack.idp.issuer,
      { [COOP_PARAM]: COOP_SAME_ORIGIN, acr_values: ACR_MFA },
      { otp: ONE_TIME_CODE },
    );
    assert.ok(result.params.get('code'));
    assert.deepEqual(
      seen.map(([path]) => path),
      [
        '303 /auth',
        '200 /interaction/<uid>',
        '303 /interaction/<uid>/login',
        '200 /interaction/<uid>/otp',
        '303 /interaction/<uid>/otp',
        '303 /auth/<uid>',
      ],
    );
    assert.ok(
      seen.every(([, coop]) => coop === 'same-origin'),
      JSON.stringify(seen),
    );

    // Another login in the same run, without the parameter: no header.
    const plain = await coopOnTheWay(stack.idp.issuer);
    assert.ok(
      plain.seen.every(([, coop]) => coop === null),
      JSON.stringify(plain.seen),
    );
  });

  it('coop=same-origin with a provider session: the immediate redirect back carries it', async () => {
    const { result } = await coopOnTheWay(stack.idp.issuer);
    const { seen } = await coopOnTheWay(
      stack.idp.issuer,
      { [COOP_PARAM]: COOP_SAME_ORIGIN },
      { browser: result.browser, login: null },
    );
    assert.deepEqual(seen, [['303 /auth', 'same-origin']]);
  });

  it('coop pushed with PAR works the same; another value is invalid_request', async () => {
    const { challenge } = pkcePair();
    const { body } = await pushAuthorizationRequest(stack.idp.issuer, {
      response_type: 'code',
      scope: 'openid',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      [COOP_PARAM]: COOP_SAME_ORIGIN,
    });
    const { seen } = await coopOnTheWay(stack.idp.issuer, {
      request_uri: body.request_uri,
      response_type: undefined,
      scope: undefined,
      state: undefined,
      code_challenge: undefined,
      code_challenge_method: undefined,
      redirect_uri: undefined,
    });
    assert.ok(
      seen.length >= 3 && seen.every(([, coop]) => coop === 'same-origin'),
      JSON.stringify(seen),
    );

    const bad = await coopOnTheWay(
      stack.idp.issuer,
      { [COOP_PARAM]: 'unsafe-none' },
      { login: null },
    );
    assert.equal(bad.result.params.get('error'), 'invalid_request');
    assert.match(bad.result.params.get('error_description'), /coop must be same-origin/);
  });

  it('crossOriginOpenerPolicy: same-origin on the provider: every sign-in page, without the parameter; not on the APIs of the provider', async () => {
    const { result, seen } = await coopOnTheWay(always.idp.issuer);
    assert.ok(result.params.get('code'));
    assert.ok(
      seen.every(([, coop]) => coop === 'same-origin'),
      JSON.stringify(seen),
    );

    const expired = await fetch(`${always.idp.issuer}/interaction/nope`);
    assert.equal(expired.status, 400);
    assert.equal(expired.headers.get('cross-origin-opener-policy'), 'same-origin');

    const discovery = await fetch(`${always.idp.issuer}/.well-known/openid-configuration`, {
      headers: { origin: DEMO_ORIGIN },
    });
    assert.equal(discovery.headers.get('cross-origin-opener-policy'), null);
  });
});
