// DPoP (RFC 9449): the provider's token endpoint (proofs, `dpop_jkt`, nonces, key-bound refresh
// tokens) and the demo API's DPoP route (proof checks, `cnf.jkt`, resource-server nonces), and the
// point of it all: a DPoP-bound access token without its key is refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startApi } from '../api.mjs';
import { nonceStore, replayCache } from '../dpop.mjs';
import { startProvider } from '../provider.mjs';
import {
  codeForm,
  authorizeCode,
  dpopKey,
  dpopLogin,
  proof,
  tokenRequest,
  tokenRequestWithNonce,
} from '../test-support/dpop.mjs';
import {
  AUDIENCE,
  claims,
  DEMO_ORIGIN,
  loginWithCode,
  startStack,
} from '../test-support/flows.mjs';

const ROUTE = '/api/dpop/messages';

/** Asserts a 401 DPoP challenge with `error` (and a description matching `description`). */
async function assertDpopError(res, error, description) {
  const text = await res.clone().text();
  assert.equal(res.status, 401, text);
  const www = res.headers.get('www-authenticate') ?? '';
  assert.match(www, new RegExp(`^DPoP error="${error}", error_description="[^"]+"`), www);
  assert.match(www, /algs="[^"]*ES256/);
  const body = await res.json();
  assert.equal(body.error, error);
  if (description) assert.match(body.error_description, description);
  return body;
}

describe('DPoP', () => {
  /** @type {Awaited<ReturnType<typeof startStack>>} */
  let stack;
  let issuer;
  let key;
  let tokens; // a DPoP login of `key`

  before(async () => {
    stack = await startStack();
    issuer = stack.idp.issuer;
    key = await dpopKey();
    tokens = await dpopLogin(issuer, AUDIENCE, key);
  });
  after(async () => {
    await stack?.close();
  });

  /**
   * A request to the API with `Authorization: <scheme> <token>` and (unless `proofOf` is null) a
   * proof of `proofOf` (default `key`) carrying the API's current nonce.
   */
  async function call(path, token, o = {}) {
    const {
      method = 'GET',
      scheme = 'DPoP',
      proofOf = key,
      nonce = stack.api.dpopNonce(),
      proofOptions = {},
      body,
    } = o;
    const url = new URL(path, stack.api.url);
    const headers = { origin: DEMO_ORIGIN, authorization: `${scheme} ${token}` };
    if (proofOf) {
      headers.dpop = await proof(proofOf, {
        htm: method,
        htu: url,
        accessToken: token,
        nonce,
        ...proofOptions,
      });
    }
    if (body) headers['content-type'] = 'application/json';
    return fetch(url, { method, headers, body: body && JSON.stringify(body) });
  }

  describe('the provider', () => {
    it('advertises DPoP (dpop_signing_alg_values_supported)', async () => {
      const meta = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
      assert.ok(meta.dpop_signing_alg_values_supported.includes('ES256'));
    });

    it('code flow with a proof: a nonce round trip, then token_type DPoP and cnf.jkt; the nonce challenge is not counted', async () => {
      const own = await dpopKey();
      const authz = await authorizeCode(issuer, AUDIENCE);
      stack.idp.resetStats();
      const { res, body, challenge } = await tokenRequestWithNonce(issuer, codeForm(authz), own);
      assert.ok(challenge, 'the token endpoint asked for a nonce');
      assert.equal(challenge.res.status, 400);
      assert.equal(challenge.body.error, 'use_dpop_nonce');
      assert.match(challenge.res.headers.get('access-control-expose-headers'), /DPoP-Nonce/i);
      assert.equal(challenge.res.headers.get('access-control-allow-origin'), DEMO_ORIGIN);

      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.token_type, 'DPoP');
      assert.ok(body.refresh_token);
      const at = claims(body.access_token);
      assert.deepEqual(at.cnf, { jkt: own.jkt });
      assert.equal(at.aud, AUDIENCE);
      assert.equal(stack.idp.stats().token.authorization_code, 1);
      assert.ok(stack.logs.some((l) => l.includes(`(DPoP jkt=${own.jkt})`)));
    });

    it('preflight of the token endpoint allows the DPoP header', async () => {
      const res = await fetch(`${issuer}/token`, {
        method: 'OPTIONS',
        headers: {
          origin: DEMO_ORIGIN,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, dpop',
        },
      });
      assert.equal(res.status, 204);
      assert.equal(res.headers.get('access-control-allow-origin'), DEMO_ORIGIN);
      assert.match(res.headers.get('access-control-allow-headers'), /dpop/i);
    });

    it('without a proof nothing changes: token_type Bearer, no cnf', async () => {
      const { tokens: plain } = await loginWithCode(issuer, {
        audience: AUDIENCE,
        scope: 'openid read:messages',
      });
      assert.equal(plain.token_type, 'Bearer');
      assert.equal(claims(plain.access_token).cnf, undefined);
    });

    it('dpop_jkt binds the code: another key or no proof is refused, the right key works', async () => {
      const other = await dpopKey();
      const withOther = await tokenRequestWithNonce(
        issuer,
        codeForm(await authorizeCode(issuer, AUDIENCE, { dpop_jkt: key.jkt })),
        other,
      );
      assert.equal(withOther.res.status, 400);
      assert.equal(withOther.body.error, 'invalid_grant');
      assert.ok(stack.logs.some((l) => /invalid_grant .*does not match dpop_jkt/.test(l)));

      const none = await tokenRequest(
        issuer,
        codeForm(await authorizeCode(issuer, AUDIENCE, { dpop_jkt: key.jkt })),
      );
      assert.equal(none.res.status, 400);
      assert.equal(none.body.error, 'invalid_grant');

      const right = await tokenRequestWithNonce(
        issuer,
        codeForm(await authorizeCode(issuer, AUDIENCE, { dpop_jkt: key.jkt })),
        key,
      );
      assert.equal(right.res.status, 200, JSON.stringify(right.body));
      assert.equal(claims(right.body.access_token).cnf.jkt, key.jkt);
    });

    it('the refresh token is bound to the key: no proof or another key is refused (and does not burn it); it is not rotated', async () => {
      const own = await dpopKey();
      const login = await dpopLogin(issuer, AUDIENCE, own);
      const form = { grant_type: 'refresh_token', refresh_token: login.refresh_token };

      const none = await tokenRequest(issuer, form);
      assert.equal(none.res.status, 400);
      assert.equal(none.body.error, 'invalid_grant');
      const other = await tokenRequestWithNonce(issuer, form, await dpopKey());
      assert.equal(other.res.status, 400);
      assert.equal(other.body.error, 'invalid_grant');
      assert.ok(stack.logs.some((l) => /invalid_grant .*failed jkt verification/.test(l)));

      const ok = await tokenRequestWithNonce(issuer, form, own);
      assert.equal(ok.res.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.token_type, 'DPoP');
      assert.equal(claims(ok.body.access_token).cnf.jkt, own.jkt);
      // Sender-constrained: not rotated (oidc-provider's default, RFC 9700 §4.14.2) until 70 % of
      // its lifetime has passed; it keeps working with the key only.
      assert.equal(ok.body.refresh_token, login.refresh_token);
      assert.equal((await tokenRequest(issuer, form)).body.error, 'invalid_grant');
      const again = await tokenRequestWithNonce(issuer, form, own);
      assert.equal(again.res.status, 200, JSON.stringify(again.body));
    });
  });

  describe('the API', () => {
    it('GET /api/dpop/messages: a nonce round trip, then 200 with the key thumbprint', async () => {
      stack.api.rotateDpopNonce();
      const first = await call(ROUTE, tokens.access_token, { nonce: null });
      await assertDpopError(first, 'use_dpop_nonce', /nonce/);
      const nonce = first.headers.get('dpop-nonce');
      assert.ok(nonce);
      assert.equal(first.headers.get('access-control-allow-origin'), DEMO_ORIGIN);
      assert.match(first.headers.get('access-control-expose-headers'), /DPoP-Nonce/);
      assert.match(first.headers.get('access-control-expose-headers'), /WWW-Authenticate/);

      const res = await call(ROUTE, tokens.access_token, { nonce });
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(res.headers.get('dpop-nonce'), null, 'the client has the current nonce');
      const body = await res.json();
      assert.equal(body.sub, 'alice');
      assert.equal(body.jkt, key.jkt);
      assert.ok(Array.isArray(body.messages));
      assert.ok(stack.logs.some((l) => l.includes(`GET ${ROUTE} 200 sub=alice (DPoP)`)));

      const post = await call(ROUTE, tokens.access_token, { method: 'POST', body: { text: 'hi' } });
      assert.equal(post.status, 201);
      assert.equal((await post.json()).message.text, 'hi');
    });

    it('a stale nonce after a rotation gets use_dpop_nonce with the new one', async () => {
      const old = stack.api.dpopNonce();
      const res = await fetch(
        `${stack.api.url.replace('localhost', '127.0.0.1')}/__dpop/nonce/rotate`,
        {
          method: 'POST',
        },
      );
      assert.equal(res.status, 200);
      const { nonce } = await res.json();
      assert.notEqual(nonce, old);
      const stale = await call(ROUTE, tokens.access_token, { nonce: old });
      await assertDpopError(stale, 'use_dpop_nonce', /stale/);
      assert.equal(stale.headers.get('dpop-nonce'), nonce);
      assert.equal((await call(ROUTE, tokens.access_token, { nonce })).status, 200);
    });

    it('refuses bad proofs with invalid_dpop_proof', async () => {
      const at = tokens.access_token;
      const other = await dpopKey();
      const url = new URL(ROUTE, stack.api.url);
      const cases = [
        ['no proof', { proofOf: null }, /no DPoP proof/],
        ['wrong htm', { proofOptions: { htm: 'POST' } }, /htm mismatch/],
        [
          'wrong htu (path)',
          { proofOptions: { htu: new URL('/api/messages', url) } },
          /htu mismatch/,
        ],
        [
          'wrong htu (host)',
          { proofOptions: { htu: String(url).replace('localhost', '127.0.0.1') } },
          /htu mismatch/,
        ],
        [
          'stale iat',
          { proofOptions: { claims: { iat: Math.floor(Date.now() / 1000) - 120 } } },
          /iat out of range/,
        ],
        [
          'iat in the future',
          { proofOptions: { claims: { iat: Math.floor(Date.now() / 1000) + 120 } } },
          /iat out of range/,
        ],
        ['wrong ath', { proofOptions: { accessToken: `${at}x` } }, /ath mismatch/],
        [
          'no ath',
          { proofOptions: { accessToken: undefined, claims: { ath: undefined } } },
          /no ath/,
        ],
        ['wrong typ', { proofOptions: { header: { typ: 'JWT' } } }, /typ must be dpop\+jwt/],
        ['signed by another key', { proofOptions: { signWith: other.privateKey } }, /signature/],
        [
          'a private jwk',
          { proofOptions: { header: { jwk: { ...key.jwk, d: 'AAAA' } } } },
          /private/,
        ],
        ['no jwk', { proofOptions: { header: { jwk: undefined } } }, /no jwk/],
      ];
      for (const [name, options, description] of cases) {
        const res = await call(ROUTE, at, options);
        await assertDpopError(res, 'invalid_dpop_proof', description).catch((err) => {
          err.message = `${name}: ${err.message}`;
          throw err;
        });
      }
      // htu ignores query and fragment
      const query = await call(`${ROUTE}?x=1`, at, { proofOptions: { htu: `${url}#frag` } });
      assert.equal(query.status, 200);
    });

    it('refuses a replayed proof (jti)', async () => {
      const url = new URL(ROUTE, stack.api.url);
      const dpop = await proof(key, {
        htm: 'GET',
        htu: url,
        accessToken: tokens.access_token,
        nonce: stack.api.dpopNonce(),
      });
      const send = () =>
        fetch(url, { headers: { authorization: `DPoP ${tokens.access_token}`, dpop } });
      assert.equal((await send()).status, 200);
      await assertDpopError(await send(), 'invalid_dpop_proof', /jti replay/);
    });

    it('the point of it all: the access token without its key is refused', async () => {
      const at = tokens.access_token;
      const thief = await dpopKey();
      // as a Bearer token, on the DPoP route and on the Bearer routes
      await assertDpopError(
        await call(ROUTE, at, { scheme: 'Bearer', proofOf: null }),
        'invalid_token',
        /only DPoP-bound/,
      );
      const bearer = await call('/api/messages', at, { scheme: 'Bearer', proofOf: null });
      assert.equal(bearer.status, 401);
      assert.match(
        bearer.headers.get('www-authenticate'),
        /^Bearer realm="demo-api", error="invalid_token"/,
      );
      assert.match((await bearer.json()).error_description, /DPoP-bound/);
      // with the DPoP scheme but no proof
      await assertDpopError(
        await call(ROUTE, at, { proofOf: null }),
        'invalid_dpop_proof',
        /no DPoP proof/,
      );
      // with a valid proof of another key (cnf.jkt mismatch)
      const stolen = await assertDpopError(
        await call(ROUTE, at, { proofOf: thief }),
        'invalid_token',
      );
      assert.match(stolen.error_description, /bound to another key/);
      assert.ok(stolen.error_description.includes(thief.jkt));
      // the refresh token without the key
      const refresh = await tokenRequestWithNonce(
        issuer,
        { grant_type: 'refresh_token', refresh_token: tokens.refresh_token },
        thief,
      );
      assert.equal(refresh.body.error, 'invalid_grant');
      // and with the key it works
      assert.equal((await call(ROUTE, at)).status, 200);
    });

    it('a Bearer token on the DPoP route is refused; with the DPoP scheme it is not DPoP-bound', async () => {
      const { tokens: plain } = await loginWithCode(issuer, {
        audience: AUDIENCE,
        scope: 'openid read:messages',
      });
      await assertDpopError(
        await call(ROUTE, plain.access_token, { scheme: 'Bearer', proofOf: null }),
        'invalid_token',
        /only DPoP-bound/,
      );
      await assertDpopError(
        await call(ROUTE, plain.access_token),
        'invalid_token',
        /not DPoP-bound/,
      );
      const none = await fetch(new URL(ROUTE, stack.api.url), { headers: { origin: DEMO_ORIGIN } });
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate'), /^DPoP realm="demo-api", algs="/);
      assert.ok(none.headers.get('dpop-nonce'));
      // the Bearer routes keep taking it
      assert.equal(
        (await call('/api/messages', plain.access_token, { scheme: 'Bearer', proofOf: null }))
          .status,
        200,
      );
    });

    it('the Bearer routes take a DPoP-bound token with the DPoP scheme and a proof; errors use the DPoP scheme', async () => {
      const res = await call('/api/messages', tokens.access_token);
      assert.equal(res.status, 200);
      assert.equal((await res.json()).sub, 'alice');
      const weak = await call('/api/step-up', tokens.access_token);
      assert.equal(weak.status, 401);
      assert.match(
        weak.headers.get('www-authenticate'),
        /^DPoP error="insufficient_user_authentication", .*acr_values="urn:ngx-oidc:acr:mfa"/,
      );
      const wrongAudience = await call('/management/me', tokens.access_token);
      await assertDpopError(wrongAudience, 'invalid_token', /wrong audience/);
    });

    it('CORS preflight allows the DPoP header', async () => {
      const res = await fetch(new URL(ROUTE, stack.api.url), {
        method: 'OPTIONS',
        headers: {
          origin: DEMO_ORIGIN,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization, dpop',
        },
      });
      assert.equal(res.status, 204);
      assert.match(res.headers.get('access-control-allow-headers'), /\bDPoP\b/);
    });
  });
});

describe('DPoP switches and parts', () => {
  it("nonces off: startProvider({ dpopNonce: 'off' }) and startApi({ dpopNonce: false }) never ask for one", async () => {
    const idp = await startProvider({ dpopNonce: 'off', log: () => {} });
    const api = await startApi({
      issuer: idp.issuer,
      jwksUri: `http://127.0.0.1:${idp.port}/jwks`,
      audience: AUDIENCE,
      dpopNonce: false,
      log: () => {},
    });
    try {
      const key = await dpopKey();
      const authz = await authorizeCode(idp.issuer, AUDIENCE, { dpop_jkt: key.jkt });
      const { res, body } = await tokenRequest(idp.issuer, codeForm(authz), { key });
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.token_type, 'DPoP');
      const url = new URL(ROUTE, api.url);
      const dpop = await proof(key, { htm: 'GET', htu: url, accessToken: body.access_token });
      const call = await fetch(url, {
        headers: { authorization: `DPoP ${body.access_token}`, dpop },
      });
      assert.equal(call.status, 200, await call.clone().text());
      assert.equal(call.headers.get('dpop-nonce'), null);
      assert.equal(api.dpopNonce(), undefined);
    } finally {
      await Promise.all([api.close(), idp.close()]);
    }
  });

  it('startProvider refuses an unknown dpopNonce policy', async () => {
    await assert.rejects(startProvider({ dpopNonce: 'sometimes', log: () => {} }), /dpopNonce/);
  });

  it('nonceStore: rotates every ttl, keeps the previous one for one more period; rotate() drops both', () => {
    let now = 0;
    const nonces = nonceStore({ ttl: 10, now: () => now });
    const first = nonces.current();
    assert.equal(nonces.check(first), 'current');
    now = 10_000;
    const second = nonces.current();
    assert.notEqual(second, first);
    assert.equal(nonces.check(first), 'previous');
    now = 20_000;
    assert.equal(nonces.check(first), false);
    assert.equal(nonces.check(second), 'previous');
    const third = nonces.rotate();
    assert.equal(nonces.check(second), false);
    assert.equal(nonces.check(third), 'current');
    now = 50_000; // more than two periods: nothing old survives
    assert.equal(nonces.check(third), false);
    assert.equal(nonces.check(undefined), false);
  });

  it('replayCache: a jti is refused until it expires', () => {
    let now = 0;
    const replays = replayCache({ ttl: 5, now: () => now });
    assert.equal(replays.add('a'), true);
    assert.equal(replays.add('a'), false);
    now = 5_000;
    assert.equal(replays.add('a'), true);
  });
});
