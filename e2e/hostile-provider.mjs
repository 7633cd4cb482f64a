// A hostile OpenID Provider for the e2e tests: a minimal provider (node:http + jose) that
// answers one deliberately broken *case* at a time, so that each rejection path of ngx-oidc can
// be driven through the real library in a real browser.
//
//   const hp = await startHostileProvider({ clientOrigins: ['http://localhost:4200'] });
//   hp.setCase('alg-none');            // or: POST <issuer>/__case {"name":"alg-none"}
//   ... hp.count('GET', '/jwks'), hp.requests, hp.issuedTokens ...
//   hp.reset(); await hp.close();
//
// Endpoints: /.well-known/openid-configuration, /jwks, /authorize (302 straight back to the
// redirect_uri, no login page), /token (authorization_code + PKCE S256), /userinfo,
// /session/end, and the control API /__case (POST {name, options}) and /__log (GET).
//
// Every response carries `Connection: close`: no socket is ever reused, so Chromium never
// silently re-sends a request whose connection was reset (it does that on reused sockets),
// and the request log counts exactly what the library sent.
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';

export const CLIENT_ID = 'ngx-oidc-demo';
export const SUBJECT = 'victim';
export const USER_NAME = 'Hostile Test User';
export const RESPONSE_TYPES = ['code', 'id_token token', 'id_token', 'code id_token'];

/**
 * The cases: what each one breaks. `honest` (and the controls marked "positive") must log in.
 * Options (second argument of setCase) are listed where a case takes them.
 */
export const CASES = Object.freeze({
  honest:
    'a correct provider: RFC 9207 iss advertised and sent; options { advertiseIss: false } sends none, ' +
    '{ issWithIdToken: false } leaves it out of responses that carry an ID token (as oidc-provider does)',
  'forged-state': 'the authorization response carries a state no login sent',
  'foreign-nonce': "the ID token carries another login's nonce",
  'no-nonce': 'the ID token has no nonce',
  'rogue-key-known-kid':
    'the ID token is signed by a key not in the JWKS, under the kid of one that is',
  'alg-none': 'the ID token is unsigned (alg "none")',
  'hs256-public-key': 'the ID token is HS256-signed with the RSA public key (PEM) as the secret',
  'unknown-kid': 'the ID token names a kid the JWKS never holds, not even on a refetch',
  'no-kid-two-keys': 'the ID token has no kid and the JWKS holds two RS256 keys',
  'no-kid-single-key': 'positive: the ID token has no kid and the JWKS holds one RS256 key',
  'key-rotation':
    "positive: the ID token's kid is missing from the first JWKS, present from the second fetch on",
  'jwks-500-once': 'positive: the first JWKS request answers 500, the next ones are fine',
  'wrong-iss': 'the ID token has another iss',
  'foreign-aud': "the ID token's aud is another client",
  'multi-aud-no-azp': 'the ID token has several audiences and no azp',
  'foreign-azp': "the ID token's azp is another client",
  expired: 'the ID token expired 10 minutes ago',
  'iat-future': 'the ID token was issued 1 hour in the future',
  'no-sub': 'the ID token has no sub',
  'wrong-at-hash': "the ID token's at_hash does not match the access token",
  'wrong-c-hash': "the ID token's c_hash does not match the code",
  'userinfo-other-sub': '/userinfo describes another subject',
  'iss-param-wrong': 'discovery advertises RFC 9207 and the response carries a wrong iss',
  'iss-param-missing': 'discovery advertises RFC 9207 and the response carries no iss',
  'provider-error': 'the authorization endpoint answers an error; options { error, description }',
  'token-invalid-grant': 'the token endpoint answers 400 invalid_grant',
  'token-html-500': 'the token endpoint answers 500 with an HTML page',
  'token-not-json': 'the token endpoint answers 200 with a body that is not JSON',
  'token-connection-destroyed': 'the token endpoint destroys the connection without answering',
  'discovery-issuer-mismatch': 'the discovery document names another issuer',
  'discovery-malformed': 'the discovery document is not valid JSON',
  'jwks-malformed': 'the JWKS is not valid JSON',
});

const KIDS = {
  main: 'hostile-main',
  second: 'hostile-second',
  rotated: 'hostile-rotated',
  ghost: 'hostile-ghost',
};

/** @param {string} value */
function b64url(value) {
  return Buffer.from(value).toString('base64url');
}

/** OIDC Core 1.0 §3.1.3.6: left half of the SHA-256 of the ASCII value, base64url (RS256). */
export function tokenHash(value) {
  const digest = createHash('sha256').update(value, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** RFC 7636 §4.2: S256 code challenge of a verifier. */
function s256(verifier) {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

function random(prefix) {
  return `${prefix}-${randomBytes(18).toString('base64url')}`;
}

async function rsaKey(kid) {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, publicKey, privateKey, jwk, spki: await exportSPKI(publicKey) };
}

/** Reads a request body (up to 64 KiB). */
function readBody(req) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > 65536) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * @typedef {object} LoggedRequest
 * @property {string} method
 * @property {string} path
 * @property {Record<string, string>} query
 * @property {Record<string, string>} [form] the parsed form body of a POST
 * @property {string | undefined} origin the Origin header
 * @property {string} case the case active when it arrived
 * @property {number} at epoch milliseconds
 */

/**
 * @typedef {object} HostileProvider
 * @property {string} issuer http://localhost:<port>
 * @property {number} port
 * @property {string} caseName the active case
 * @property {LoggedRequest[]} requests every request since the last reset (control API excluded)
 * @property {string[]} issuedTokens every ID and access token handed out since the last reset
 * @property {(name: string, options?: Record<string, unknown>) => void} setCase
 * @property {() => void} reset back to `honest`, empty log, forget codes and counters
 * @property {(method: string, path: string) => number} count requests with this method and path
 * @property {() => Promise<void>} close
 */

/**
 * Starts the hostile provider on 127.0.0.1 (issuer http://localhost:<port>).
 *
 * @param {object} [options]
 * @param {string[]} [options.clientOrigins] origins allowed as redirect_uri origin and for CORS
 * @param {number} [options.port] default 0 (any free port)
 * @param {string} [options.host] default 127.0.0.1
 * @returns {Promise<HostileProvider>}
 */
export async function startHostileProvider({
  clientOrigins = [],
  port = 0,
  host = '127.0.0.1',
} = {}) {
  const keys = {
    main: await rsaKey(KIDS.main),
    second: await rsaKey(KIDS.second),
    rotated: await rsaKey(KIDS.rotated),
    // Never published: signs under the main key's kid, or under a kid nobody knows.
    rogue: await rsaKey(KIDS.main),
  };
  const allowedOrigins = new Set(clientOrigins.map((o) => new URL(o).origin));

  let caseName = 'honest';
  /** @type {Record<string, unknown>} */
  let caseOptions = {};
  /** @type {LoggedRequest[]} */
  let requests = [];
  /** @type {string[]} */
  let issuedTokens = [];
  /** @type {Map<string, { clientId: string, redirectUri: string, codeChallenge?: string, codeChallengeMethod?: string, nonce?: string, scope: string, used: boolean }>} */
  let codes = new Map();
  /** access token → sub */
  let accessTokens = new Map();
  let jwksFetches = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      console.error('[hostile-provider]', err);
      if (!res.headersSent) send(res, 500, { 'content-type': 'text/plain' }, String(err));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 1;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(undefined));
  });
  const actualPort = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  const issuer = `http://localhost:${actualPort}`;

  function send(res, status, headers, body = '') {
    res.writeHead(status, { 'cache-control': 'no-store', connection: 'close', ...headers });
    res.end(body);
  }

  function cors(req) {
    const origin = req.headers.origin;
    return origin && allowedOrigins.has(origin)
      ? { 'access-control-allow-origin': origin, vary: 'Origin' }
      : {};
  }

  function json(req, res, status, body) {
    send(res, status, { 'content-type': 'application/json', ...cors(req) }, JSON.stringify(body));
  }

  function discovery() {
    // RFC 9207 is advertised (like oidc-provider does) unless a case option turns it off.
    const advertiseIss = caseOptions['advertiseIss'] !== false;
    return {
      issuer: caseName === 'discovery-issuer-mismatch' ? 'https://idp.attacker.example' : issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/userinfo`,
      jwks_uri: `${issuer}/jwks`,
      end_session_endpoint: `${issuer}/session/end`,
      response_types_supported: RESPONSE_TYPES,
      response_modes_supported: ['query', 'fragment'],
      grant_types_supported: ['authorization_code', 'implicit'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['none'],
      scopes_supported: ['openid', 'profile', 'email'],
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', 'name', 'at_hash', 'c_hash'],
      authorization_response_iss_parameter_supported: advertiseIss,
    };
  }

  function jwks() {
    jwksFetches += 1;
    switch (caseName) {
      case 'no-kid-two-keys':
        return { keys: [keys.main.jwk, keys.second.jwk] };
      case 'key-rotation':
        // The first fetch (before the redirect) predates the rotation.
        return { keys: jwksFetches === 1 ? [keys.main.jwk] : [keys.main.jwk, keys.rotated.jwk] };
      default:
        return { keys: [keys.main.jwk] };
    }
  }

  /**
   * An ID token, valid unless the case breaks it.
   * @param {{ clientId: string, nonce?: string, accessToken?: string, code?: string }} input
   */
  async function idToken({ clientId, nonce, accessToken, code }) {
    const now = Math.floor(Date.now() / 1000);
    /** @type {Record<string, unknown>} */
    const claims = {
      iss: issuer,
      sub: SUBJECT,
      aud: clientId,
      exp: now + 300,
      iat: now,
      name: USER_NAME,
    };
    if (nonce !== undefined) claims['nonce'] = nonce;
    if (accessToken !== undefined) claims['at_hash'] = tokenHash(accessToken);
    if (code !== undefined) claims['c_hash'] = tokenHash(code);
    switch (caseName) {
      case 'foreign-nonce':
        claims['nonce'] = random('nonce-of-another-login');
        break;
      case 'no-nonce':
        delete claims['nonce'];
        break;
      case 'wrong-iss':
        claims['iss'] = 'https://idp.attacker.example';
        break;
      case 'foreign-aud':
        claims['aud'] = 'another-client';
        break;
      case 'multi-aud-no-azp':
        claims['aud'] = [clientId, 'another-client'];
        break;
      case 'foreign-azp':
        claims['azp'] = 'another-client';
        break;
      case 'expired':
        claims['iat'] = now - 900;
        claims['exp'] = now - 600;
        break;
      case 'iat-future':
        claims['iat'] = now + 3600;
        claims['exp'] = now + 3900;
        break;
      case 'no-sub':
        delete claims['sub'];
        break;
      case 'wrong-at-hash':
        if (accessToken !== undefined) claims['at_hash'] = tokenHash(accessToken + 'x');
        break;
      case 'wrong-c-hash':
        if (code !== undefined) claims['c_hash'] = tokenHash(code + 'x');
        break;
    }
    let token;
    switch (caseName) {
      case 'alg-none':
        token = `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}.`;
        break;
      case 'hs256-public-key':
        // Algorithm confusion: a verifier that takes the key "as is" would use the public PEM
        // as an HMAC secret.
        token = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: KIDS.main })
          .sign(new TextEncoder().encode(keys.main.spki));
        break;
      case 'rogue-key-known-kid':
        token = await sign(claims, keys.rogue, KIDS.main);
        break;
      case 'unknown-kid':
        token = await sign(claims, keys.rogue, KIDS.ghost);
        break;
      case 'no-kid-two-keys':
      case 'no-kid-single-key':
        token = await sign(claims, keys.main, undefined);
        break;
      case 'key-rotation':
        token = await sign(claims, keys.rotated, KIDS.rotated);
        break;
      default:
        token = await sign(claims, keys.main, KIDS.main);
    }
    issuedTokens.push(token);
    return token;
  }

  async function sign(claims, key, kid) {
    return new SignJWT(claims)
      .setProtectedHeader(
        kid === undefined ? { alg: 'RS256', typ: 'JWT' } : { alg: 'RS256', typ: 'JWT', kid },
      )
      .sign(key.privateKey);
  }

  function accessToken() {
    const token = random('hostile-at');
    issuedTokens.push(token);
    accessTokens.set(token, SUBJECT);
    return token;
  }

  /**
   * The iss parameter of an authorization response (RFC 9207), or undefined to leave it out.
   * @param {Record<string, string>} params the response parameters so far
   */
  function responseIss(params) {
    if (caseName === 'iss-param-missing' || caseOptions['advertiseIss'] === false) return undefined;
    // oidc-provider (lib/actions/authorization/respond.js) sends no iss next to an id_token:
    // the ID token's iss claim identifies the issuer (openid-client accepts that too).
    if (caseOptions['issWithIdToken'] === false && params['id_token'] !== undefined)
      return undefined;
    if (caseName === 'iss-param-wrong') return 'https://idp.attacker.example';
    return issuer;
  }

  async function authorize(req, res, query) {
    const {
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: responseType,
      state,
      nonce,
    } = query;
    let target;
    try {
      target = new URL(redirectUri);
    } catch {
      return send(res, 400, { 'content-type': 'text/plain' }, 'invalid redirect_uri');
    }
    if (!allowedOrigins.has(target.origin)) {
      return send(
        res,
        400,
        { 'content-type': 'text/plain' },
        `redirect_uri origin ${target.origin} not allowed`,
      );
    }
    if (!clientId || !RESPONSE_TYPES.includes(responseType ?? '')) {
      return send(
        res,
        400,
        { 'content-type': 'text/plain' },
        'missing client_id or unsupported response_type',
      );
    }
    const parts = responseType.split(' ');
    /** @type {Record<string, string>} */
    const params = {};
    if (caseName === 'provider-error') {
      params['error'] = String(caseOptions['error'] ?? 'access_denied');
      params['error_description'] = String(
        caseOptions['description'] ?? 'The hostile provider refused.',
      );
    } else {
      let code;
      if (parts.includes('code')) {
        code = random('hostile-code');
        codes.set(code, {
          clientId,
          redirectUri,
          codeChallenge: query['code_challenge'],
          codeChallengeMethod: query['code_challenge_method'],
          nonce,
          scope: query['scope'] ?? 'openid',
          used: false,
        });
        params['code'] = code;
      }
      let at;
      if (parts.includes('token')) {
        at = accessToken();
        params['access_token'] = at;
        params['token_type'] = 'Bearer';
        params['expires_in'] = '300';
      }
      if (parts.includes('id_token')) {
        params['id_token'] = await idToken({ clientId, nonce, accessToken: at, code });
      }
    }
    params['state'] = caseName === 'forged-state' ? random('forged-state') : (state ?? '');
    const iss = responseIss(params);
    if (iss !== undefined) params['iss'] = iss;
    const encoded = new URLSearchParams(params).toString();
    if (responseType === 'code') {
      for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
    } else {
      target.hash = encoded;
    }
    send(res, 302, { location: target.toString() });
  }

  async function token(req, res, form) {
    switch (caseName) {
      case 'token-invalid-grant':
        return json(req, res, 400, {
          error: 'invalid_grant',
          error_description: 'the hostile provider refuses this code',
        });
      case 'token-html-500':
        return send(
          res,
          500,
          { 'content-type': 'text/html; charset=utf-8', ...cors(req) },
          '<!doctype html><html><body><h1>500 Internal Server Error</h1><p>upstream exploded</p></body></html>',
        );
      case 'token-not-json':
        return send(
          res,
          200,
          { 'content-type': 'application/json', ...cors(req) },
          'access_token=surprise&this is not JSON',
        );
      case 'token-connection-destroyed':
        req.socket.destroy();
        return;
    }
    const grant = codes.get(form['code'] ?? '');
    const fail = (description) =>
      json(req, res, 400, { error: 'invalid_grant', error_description: description });
    if (form['grant_type'] !== 'authorization_code') {
      return json(req, res, 400, { error: 'unsupported_grant_type' });
    }
    if (!grant) return fail('unknown code');
    if (grant.used) return fail('code already used');
    grant.used = true;
    if (form['client_id'] !== grant.clientId) return fail('client_id does not match the code');
    if (form['redirect_uri'] !== grant.redirectUri)
      return fail('redirect_uri does not match the code');
    if (grant.codeChallengeMethod !== 'S256' || !grant.codeChallenge)
      return fail('the code was issued without PKCE S256');
    if (!form['code_verifier'] || s256(form['code_verifier']) !== grant.codeChallenge) {
      return fail('PKCE verification failed');
    }
    const at = accessToken();
    json(req, res, 200, {
      access_token: at,
      token_type: 'Bearer',
      expires_in: 300,
      scope: grant.scope,
      id_token: await idToken({ clientId: grant.clientId, nonce: grant.nonce, accessToken: at }),
    });
  }

  function userinfo(req, res) {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const sub = match ? accessTokens.get(match[1]) : undefined;
    if (!sub) {
      return send(res, 401, { 'www-authenticate': 'Bearer error="invalid_token"', ...cors(req) });
    }
    const answeredSub = caseName === 'userinfo-other-sub' ? 'attacker' : sub;
    json(req, res, 200, {
      sub: answeredSub,
      name: caseName === 'userinfo-other-sub' ? 'Mallory' : USER_NAME,
    });
  }

  async function handle(req, res) {
    const url = new URL(req.url ?? '/', issuer);
    const query = Object.fromEntries(url.searchParams);
    const path = url.pathname;

    // Control API (not logged).
    if (path === '/__case' && req.method === 'POST') {
      const body = JSON.parse((await readBody(req)) || '{}');
      setCase(body.name, body.options);
      return send(res, 204, {});
    }
    if (path === '/__log' && req.method === 'GET') {
      return send(
        res,
        200,
        { 'content-type': 'application/json' },
        JSON.stringify({ case: caseName, requests }),
      );
    }

    /** @type {LoggedRequest} */
    const entry = {
      method: req.method ?? 'GET',
      path,
      query,
      origin: req.headers.origin,
      case: caseName,
      at: Date.now(),
    };
    requests.push(entry);

    if (req.method === 'OPTIONS') {
      return send(res, 204, {
        ...cors(req),
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': 'authorization, content-type, accept',
        'access-control-max-age': '0',
      });
    }

    if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
      if (caseName === 'discovery-malformed') {
        return send(
          res,
          200,
          { 'content-type': 'application/json', ...cors(req) },
          `{"issuer": "${issuer}", "authorization_endpoint": `,
        );
      }
      return json(req, res, 200, discovery());
    }
    if (req.method === 'GET' && path === '/jwks') {
      if (caseName === 'jwks-malformed') {
        jwksFetches += 1;
        return send(
          res,
          200,
          { 'content-type': 'application/json', ...cors(req) },
          '{"keys": [{"kty": "RSA", ',
        );
      }
      if (caseName === 'jwks-500-once' && jwksFetches === 0) {
        jwksFetches += 1;
        return send(res, 500, { 'content-type': 'text/plain', ...cors(req) }, 'temporarily broken');
      }
      return json(req, res, 200, jwks());
    }
    if (req.method === 'GET' && path === '/authorize') return authorize(req, res, query);
    if (req.method === 'POST' && path === '/token') {
      const form = Object.fromEntries(new URLSearchParams(await readBody(req)));
      entry.form = form;
      return token(req, res, form);
    }
    if (req.method === 'GET' && path === '/userinfo') return userinfo(req, res);
    if (req.method === 'GET' && path === '/session/end') {
      const target = query['post_logout_redirect_uri'];
      if (target && allowedOrigins.has(new URL(target).origin))
        return send(res, 302, { location: target });
      return send(res, 200, { 'content-type': 'text/html' }, '<p>signed out</p>');
    }
    send(res, 404, { 'content-type': 'text/plain', ...cors(req) }, 'not found');
  }

  function setCase(name, options = {}) {
    if (!Object.prototype.hasOwnProperty.call(CASES, name)) {
      throw new Error(`unknown hostile case "${name}"; known: ${Object.keys(CASES).join(', ')}`);
    }
    caseName = name;
    caseOptions = options ?? {};
  }

  function reset() {
    caseName = 'honest';
    caseOptions = {};
    requests = [];
    issuedTokens = [];
    codes = new Map();
    accessTokens = new Map();
    jwksFetches = 0;
  }

  return {
    issuer,
    port: actualPort,
    get caseName() {
      return caseName;
    },
    get requests() {
      return requests;
    },
    get issuedTokens() {
      return issuedTokens;
    },
    setCase,
    reset,
    count: (method, path) => requests.filter((r) => r.method === method && r.path === path).length,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve(undefined));
      }),
  };
}
