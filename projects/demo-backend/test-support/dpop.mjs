// Test helpers for DPoP (RFC 9449): keys, proofs, token requests with a proof (and the nonce round
// trip), a DPoP login.
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';

import { accessTokenHash } from '../dpop.mjs';
import { authorize, CLIENT_ID, DEMO_ORIGIN, pkcePair, REDIRECT_URI } from './flows.mjs';

/** A new ES256 key pair, its public JWK and its RFC 7638 thumbprint (`jkt`). */
export async function dpopKey(alg = 'ES256') {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const jwk = await exportJWK(publicKey);
  return { alg, privateKey, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

/**
 * A DPoP proof JWT. `claims` override or (with undefined) drop claims; `header` overrides header
 * members.
 * @param {Awaited<ReturnType<typeof dpopKey>>} key
 * @param {{ htm: string, htu: string | URL, accessToken?: string, nonce?: string,
 *   claims?: Record<string, unknown>, header?: Record<string, unknown>,
 *   signWith?: import('jose').CryptoKey }} o
 */
export async function proof(
  key,
  { htm, htu, accessToken, nonce, claims = {}, header = {}, signWith },
) {
  const payload = {
    htm,
    htu: String(htu),
    iat: Math.floor(Date.now() / 1000),
    jti: randomUUID(),
    ...(accessToken ? { ath: accessTokenHash(accessToken) } : {}),
    ...(nonce ? { nonce } : {}),
    ...claims,
  };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, typ: 'dpop+jwt', jwk: key.jwk, ...header })
    .sign(signWith ?? key.privateKey);
}

/**
 * POST /token from the demo origin, with a proof of `key` when given.
 * @returns {Promise<{ res: Response, body: any }>}
 */
export async function tokenRequest(issuer, form, { key, nonce } = {}) {
  const url = new URL('/token', issuer);
  const headers = { 'content-type': 'application/x-www-form-urlencoded', origin: DEMO_ORIGIN };
  if (key) headers.dpop = await proof(key, { htm: 'POST', htu: url, nonce });
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: new URLSearchParams({ client_id: CLIENT_ID, ...form }),
  });
  return { res, body: await res.json() };
}

/**
 * A token request with a proof as a client does it under a nonce policy: without a nonce first;
 * on 400 use_dpop_nonce, once more with the `DPoP-Nonce` value.
 * @returns {Promise<{ res: Response, body: any, challenge?: { res: Response, body: any } }>}
 */
export async function tokenRequestWithNonce(issuer, form, key) {
  const first = await tokenRequest(issuer, form, { key });
  if (first.body.error !== 'use_dpop_nonce') return first;
  const nonce = first.res.headers.get('dpop-nonce');
  assert.ok(nonce, 'use_dpop_nonce without a DPoP-Nonce header');
  return { ...(await tokenRequest(issuer, form, { key, nonce })), challenge: first };
}

/**
 * Authorization request (code + PKCE, alice) for the demo API with `read:messages write:messages`
 * and offline access; `params` adds e.g. `dpop_jkt`.
 * @returns {Promise<{ code: string, verifier: string }>}
 */
export async function authorizeCode(issuer, audience, params = {}) {
  const { verifier, challenge } = pkcePair();
  const result = await authorize(issuer, {
    response_type: 'code',
    scope: 'openid offline_access read:messages write:messages',
    audience,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'dpop-state',
    nonce: 'dpop-nonce',
    ...params,
  });
  const code = result.params.get('code');
  assert.ok(code, `no code in ${result.url} ${result.html ?? ''}`);
  return { code, verifier };
}

/** The code exchange form of `authorizeCode`'s result. */
export const codeForm = ({ code, verifier }) => ({
  grant_type: 'authorization_code',
  code,
  redirect_uri: REDIRECT_URI,
  code_verifier: verifier,
});

/** A DPoP login: authorization (with `dpop_jkt` unless `jkt: false`), code exchange with a proof. */
export async function dpopLogin(issuer, audience, key, { jkt = true } = {}) {
  const authz = await authorizeCode(issuer, audience, jkt ? { dpop_jkt: key.jkt } : {});
  const { res, body } = await tokenRequestWithNonce(issuer, codeForm(authz), key);
  assert.equal(res.status, 200, JSON.stringify(body));
  return body;
}
