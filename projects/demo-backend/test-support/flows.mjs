// Test helpers: start provider + API on free ports and drive browser-like flows over HTTP.
import { createHash, randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';

import { startApi } from '../api.mjs';
import { startPartnerProvider } from '../partner.mjs';
import { CLIENT_ID, DEV_CLIENT_ID, startProvider } from '../provider.mjs';
import {
  DEFAULT_API_AUDIENCE,
  DEFAULT_MANAGEMENT_AUDIENCE,
  DEFAULT_PARTNER_AUDIENCE,
} from '../resources.mjs';

export const DEMO_ORIGIN = 'http://localhost:4200';
export const REDIRECT_URI = `${DEMO_ORIGIN}/callback`;
export const SILENT_REDIRECT_URI = `${DEMO_ORIGIN}/silent-callback.html`;
export const AUDIENCE = DEFAULT_API_AUDIENCE;
export const MANAGEMENT_AUDIENCE = DEFAULT_MANAGEMENT_AUDIENCE;
export const PARTNER_AUDIENCE = DEFAULT_PARTNER_AUDIENCE;
export { CLIENT_ID, DEV_CLIENT_ID };

/**
 * Starts provider + API on port 0, configured like main.mjs. Logs are kept in `logs` (print them
 * with DEBUG=1). With `partner`, the second provider too (`idp2`), and the API's /partner/*.
 * @param {{ ttl?: import('../provider.mjs').TtlOptions, clockTolerance?: number,
 *   allowLoopbackOrigins?: boolean, partner?: boolean, stepUpMaxAge?: number,
 *   crossOriginOpenerPolicy?: 'same-origin' }} [options]
 */
export async function startStack({
  ttl,
  clockTolerance,
  allowLoopbackOrigins = true,
  partner = false,
  stepUpMaxAge,
  crossOriginOpenerPolicy,
} = {}) {
  const logs = [];
  const log = (line) => {
    logs.push(line);
    if (process.env.DEBUG) console.log(line);
  };
  const idp = await startProvider({
    port: 0,
    demoOrigins: [DEMO_ORIGIN, 'http://127.0.0.1:4200'],
    crossOriginOpenerPolicy,
    ttl,
    log,
  });
  const idp2 = partner
    ? await startPartnerProvider({
        port: 0,
        demoOrigins: [DEMO_ORIGIN, 'http://127.0.0.1:4200'],
        ttl,
        log,
      })
    : undefined;
  const api = await startApi({
    port: 0,
    issuer: idp.issuer,
    jwksUri: `http://127.0.0.1:${idp.port}/jwks`,
    audience: AUDIENCE,
    managementAudience: MANAGEMENT_AUDIENCE,
    partner: idp2 && {
      issuer: idp2.issuer,
      jwksUri: `http://127.0.0.1:${idp2.port}/jwks`,
      audience: PARTNER_AUDIENCE,
    },
    stepUpMaxAge,
    allowedOrigins: [DEMO_ORIGIN, 'http://127.0.0.1:4200'],
    allowLoopbackOrigins,
    clockTolerance,
    log,
  });
  return {
    idp,
    idp2,
    api,
    logs,
    async close() {
      await Promise.all([api.close(), idp.close(), idp2?.close()]);
    },
  };
}

export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

/**
 * A minimal browser: cookie jar + manual redirects. The jar ignores host and port, as browsers do
 * for the ports of one host: two providers on localhost see each other's cookies here too.
 */
export class Browser {
  /** @type {Map<string, string>} */
  cookies = new Map();

  /**
   * @param {string | URL} url
   * @param {RequestInit & { form?: Record<string, string> }} [init]
   */
  async request(url, init = {}) {
    const headers = new Headers(init.headers);
    if (this.cookies.size) {
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    }
    let body = init.body;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers.set('content-type', 'application/x-www-form-urlencoded');
    }
    const res = await fetch(url, { ...init, body, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some(
        (a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now(),
      );
      if (!value || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
}

/**
 * Runs an authorization request like a browser would, logging in on the way if asked to.
 *
 * @param {string} issuer
 * @param {Record<string, string>} params authorization request parameters
 * @param {object} [o]
 * @param {Browser} [o.browser]
 * @param {{ username: string, password: string } | 'social' | 'cancel' | null} [o.login] how to
 *   answer a login page; null = expect no login page
 * @param {string | null} [o.otp] the code to type on a one-time-code page; null (default) = stop
 *   there and return the page
 * @param {(res: Response, url: URL) => void} [o.onResponse] sees every response on the way
 * @returns {Promise<{ url: URL, params: URLSearchParams, browser: Browser, pages: string[] }>} the final
 *   redirect to the client and its response parameters (query or fragment)
 */
export async function authorize(
  issuer,
  params,
  {
    browser = new Browser(),
    login = { username: 'alice', password: 'wonderland' },
    otp = null,
    onResponse,
  } = {},
) {
  const redirectUri = params.redirect_uri ?? REDIRECT_URI;
  let url = new URL('/auth', issuer);
  for (const [k, v] of Object.entries({
    client_id: CLIENT_ID,
    redirect_uri: redirectUri,
    ...params,
  })) {
    if (v !== undefined) url.searchParams.set(k, v);
  }
  /** @type {RequestInit & { form?: Record<string, string> }} */
  let init = {};
  const pages = [];
  for (let hop = 0; hop < 15; hop++) {
    const res = await browser.request(url, init);
    onResponse?.(res, url);
    init = {};
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location'), url);
      if (next.href.startsWith(redirectUri)) {
        const responseParams = new URLSearchParams(next.hash ? next.hash.slice(1) : next.search);
        return { url: next, params: responseParams, browser, pages };
      }
      url = next;
      continue;
    }
    const html = await res.text();
    pages.push(html);
    if (res.status === 200 && /name="otp"/.test(html) && otp !== null) {
      assert.ok(!/data-testid="otp-error"/.test(html), 'the one-time code was refused');
      url = new URL(`${url.pathname.replace(/\/(login|social|otp)$/, '')}/otp`, url);
      init = { method: 'POST', form: { otp } };
      continue;
    }
    if (
      res.status === 200 &&
      /name="username"/.test(html) &&
      !/data-testid="login-error"/.test(html)
    ) {
      assert.ok(login, 'unexpected login page');
      const base = url.pathname.replace(/\/(login|social)$/, '');
      if (login === 'social') {
        url = new URL(`${base}/social`, url);
        const page = await browser.request(url);
        const text = await page.text();
        pages.push(text);
        assert.match(text, /DemoSocial wants to sign you in as Carol/);
        init = { method: 'POST', form: {} };
      } else if (login === 'cancel') {
        url = new URL(`${base}/abort`, url);
      } else {
        url = new URL(`${base}/login`, url);
        init = { method: 'POST', form: login };
      }
      continue;
    }
    // e.g. a login page with an error, or an error page
    return { url, params: new URLSearchParams(), browser, pages, status: res.status, html };
  }
  throw new Error('too many redirects');
}

/**
 * Follows redirects from `url` like a browser until one goes to `redirectUri`.
 * @returns {Promise<{ url: URL, params: URLSearchParams }>}
 */
export async function follow(browser, url, redirectUri = REDIRECT_URI) {
  let next = new URL(url);
  for (let hop = 0; hop < 10; hop++) {
    const res = await browser.request(next);
    assert.ok(
      res.status >= 300 && res.status < 400,
      `expected a redirect from ${next}, got ${res.status}`,
    );
    next = new URL(res.headers.get('location'), next);
    if (next.href.startsWith(redirectUri)) {
      return {
        url: next,
        params: new URLSearchParams(next.hash ? next.hash.slice(1) : next.search),
      };
    }
  }
  throw new Error('too many redirects');
}

/**
 * Pushes an authorization request (RFC 9126) as the demo's public client does: POST to the PAR
 * endpoint with `client_id` and the parameters, from the demo origin.
 * @returns {Promise<{ res: Response, body: any }>} body: `{ request_uri, expires_in }` on success
 */
export async function pushAuthorizationRequest(issuer, params) {
  const res = await fetch(new URL('/request', issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: DEMO_ORIGIN },
    body: new URLSearchParams({ client_id: CLIENT_ID, redirect_uri: REDIRECT_URI, ...params }),
  });
  return { res, body: await res.json() };
}

/** Exchanges an authorization code. */
export async function exchangeCode(issuer, code, verifier, extra = {}) {
  const res = await fetch(new URL('/token', issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: DEMO_ORIGIN },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: CLIENT_ID,
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      ...extra,
    }),
  });
  return { res, body: await res.json() };
}

/** Decodes a JWT payload without verifying it. */
export function claims(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
}

export function header(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString());
}

/** Full code + PKCE login for alice; returns the token response. */
export async function loginWithCode(issuer, params = {}, opts = {}) {
  const { verifier, challenge } = pkcePair();
  const result = await authorize(
    issuer,
    {
      response_type: 'code',
      scope: 'openid profile email',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st-1',
      nonce: 'n-1',
      ...params,
    },
    opts,
  );
  const code = result.params.get('code');
  assert.ok(code, `no code in ${result.url} ${result.html ?? ''}`);
  const { res, body } = await exchangeCode(issuer, code, verifier);
  assert.equal(res.status, 200, JSON.stringify(body));
  return { tokens: body, tokenResponse: res, browser: result.browser, authResponse: result };
}

/** `grant_type=refresh_token` from the demo origin; `extra` adds e.g. resource, audience, scope. */
export async function refreshGrant(issuer, refreshToken, extra = {}) {
  const res = await fetch(new URL('/token', issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: DEMO_ORIGIN },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: CLIENT_ID,
      refresh_token: refreshToken,
      ...extra,
    }),
  });
  return { res, status: res.status, body: await res.json() };
}

/**
 * Silent authentication as the hidden iframe does it: code + PKCE, `prompt=none`, the
 * silent-callback redirect URI, the browser's cookies; exchanges the code when there is one.
 * @returns {Promise<{ params: URLSearchParams, tokens?: any }>}
 */
export async function silentAuth(issuer, browser, params = {}) {
  const { verifier, challenge } = pkcePair();
  const result = await authorize(
    issuer,
    {
      response_type: 'code',
      scope: 'openid profile',
      prompt: 'none',
      redirect_uri: SILENT_REDIRECT_URI,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'silent',
      nonce: 'silent-nonce',
      ...params,
    },
    { browser, login: null },
  );
  const code = result.params.get('code');
  if (!code) return { params: result.params };
  const { res, body } = await exchangeCode(issuer, code, verifier, {
    redirect_uri: SILENT_REDIRECT_URI,
  });
  assert.equal(res.status, 200, JSON.stringify(body));
  return { params: result.params, tokens: body };
}
