// Demo resource APIs protected by JWT access tokens (RFC 9068 style) issued by the local providers.
// Three audiences on one server:
//
//   demo API (aud = `audience`, default https://api.ngx-oidc.test; iss = `issuer`)
//     GET   /api/public               no token needed
//     GET   /api/messages             scope read:messages
//     POST  /api/messages             scope write:messages   (GET /api/admin: the same check)
//     GET   /api/step-up              scope read:messages, acr urn:ngx-oidc:acr:mfa (RFC 9470)
//     GET   /api/step-up/recent       the same, and auth_time at most `stepUpMaxAge` seconds ago
//     GET   /api/dpop/messages        DPoP only (RFC 9449): a DPoP-bound token + a proof; read:messages
//     POST  /api/dpop/messages        DPoP only; write:messages
//   management API (aud = `managementAudience`, default https://management.ngx-oidc.test; iss = `issuer`)
//     GET   /management/me            scope read:current_user
//     PATCH /management/me/metadata   scope update:current_user_metadata
//   partner API (aud = `partner.audience`, default https://partner-api.ngx-oidc.test;
//   iss = `partner.issuer`, the second provider; only when `partner` is given)
//     GET   /partner/me               scope read:partner
//
// Errors follow RFC 6750: 401 + `WWW-Authenticate: Bearer ...` for missing/invalid tokens (a token
// for another audience or from the other provider is invalid_token "wrong audience" / "wrong
// issuer"), 403 insufficient_scope for missing scopes, 401 insufficient_user_authentication (RFC
// 9470) for a too weak or too old authentication, plus a JSON body { error, error_description }.
//
// DPoP (RFC 9449, dpop.mjs): every route also takes `Authorization: DPoP <token>` with a `DPoP`
// proof (then the errors use the `DPoP` scheme, and the proof needs the server's nonce unless
// `dpopNonce` is false); /api/dpop/* takes nothing else. A DPoP-bound token (`cnf.jkt`) sent as
// Bearer is refused everywhere (§7.1).
import http from 'node:http';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';

import { ACR_MFA } from './acr.mjs';
import { findBySub } from './accounts.mjs';
import {
  DEFAULT_DPOP_IAT_WINDOW,
  DEFAULT_DPOP_NONCE_TTL,
  DPOP_ALGORITHMS,
  DPOP_NONCE_HEADER,
  nonceStore,
  replayCache,
  verifyProof,
} from './dpop.mjs';
import { closeServer, listen } from './http-util.mjs';
import { isLoopbackOrigin } from './loopback.mjs';
import { DEFAULT_MANAGEMENT_AUDIENCE, DEFAULT_PARTNER_AUDIENCE } from './resources.mjs';

const REALM = 'demo-api';
const MANAGEMENT_REALM = 'management-api';
const PARTNER_REALM = 'partner-api';
/** Default `max_age` of GET /api/step-up/recent, in seconds. */
export const DEFAULT_STEP_UP_MAX_AGE = 60;
const ALGORITHMS = ['RS256', 'ES256'];
/** Routes that take only DPoP-bound access tokens with a DPoP proof (RFC 9449). */
export const DPOP_ROUTE_PREFIX = '/api/dpop/';
/** Test support: replaces the DPoP nonce at once (POST, loopback clients only). */
export const DPOP_NONCE_ROTATE_PATH = '/__dpop/nonce/rotate';

const MESSAGES = [
  { id: 1, text: 'Hello from the ngx-oidc demo API!' },
  { id: 2, text: 'This response required the read:messages scope.' },
];

/**
 * Starts the demo API.
 *
 * @param {object} options
 * @param {number} [options.port] TCP port; 0 (default) picks a free one
 * @param {string} [options.host] listen address (default 127.0.0.1)
 * @param {string} options.issuer expected `iss`
 * @param {string} [options.jwksUri] where to fetch the signing keys (default <issuer>/jwks)
 * @param {string} options.audience expected `aud` of /api/* (the demo API)
 * @param {string} [options.managementAudience] expected `aud` of /management/* (default
 *   https://management.ngx-oidc.test)
 * @param {{ issuer: string, jwksUri?: string, audience?: string }} [options.partner] the second
 *   provider: /partner/* accepts only its tokens (`iss` = its issuer, its keys, `aud` = its
 *   audience, default https://partner-api.ngx-oidc.test); without it /partner/* answers 404
 * @param {number} [options.stepUpMaxAge] `max_age` of GET /api/step-up/recent in seconds (default 60)
 * @param {string[]} [options.allowedOrigins] CORS allow-list (the demo's origins)
 * @param {boolean} [options.allowLoopbackOrigins] development: CORS also for any
 *   `http://localhost|127.0.0.1|[::1]:<port>` origin (apps of the `ngx-oidc-dev` client); default false
 * @param {number} [options.clockTolerance] seconds of leeway for exp/iat/nbf (default 5)
 * @param {boolean} [options.dpopNonce] DPoP requests need the server's nonce (RFC 9449 §9;
 *   default true): a proof without it gets 401 `use_dpop_nonce` and a `DPoP-Nonce` header
 * @param {number} [options.dpopNonceTtl] seconds until the nonce rotates (default 300); the
 *   previous one is still accepted for one more period
 * @param {number} [options.dpopIatWindow] a proof's `iat` may differ from the server's clock by at
 *   most this many seconds (default 60)
 * @param {(line: string) => void} [options.log] default console.log
 * @returns {Promise<{ url: string, port: number, server: http.Server, close(): Promise<void>,
 *   dpopNonce(): string | undefined, rotateDpopNonce(): string | undefined }>}
 */
export async function startApi({
  port = 0,
  host = '127.0.0.1',
  issuer,
  jwksUri,
  audience,
  managementAudience = DEFAULT_MANAGEMENT_AUDIENCE,
  partner,
  stepUpMaxAge = DEFAULT_STEP_UP_MAX_AGE,
  allowedOrigins = ['http://localhost:4200', 'http://127.0.0.1:4200'],
  allowLoopbackOrigins = false,
  clockTolerance = 5,
  dpopNonce = true,
  dpopNonceTtl = DEFAULT_DPOP_NONCE_TTL,
  dpopIatWindow = DEFAULT_DPOP_IAT_WINDOW,
  log = console.log,
}) {
  if (!issuer) throw new TypeError('startApi: issuer is required');
  if (!audience) throw new TypeError('startApi: audience is required');
  if (partner && !partner.issuer) throw new TypeError('startApi: partner.issuer is required');
  if (!Number.isInteger(stepUpMaxAge) || stepUpMaxAge < 0) {
    throw new TypeError(
      `startApi: stepUpMaxAge must be a whole number of seconds, got ${stepUpMaxAge}`,
    );
  }
  if (!Number.isInteger(dpopIatWindow) || dpopIatWindow <= 0) {
    throw new TypeError(
      `startApi: dpopIatWindow must be a positive number of seconds, got ${dpopIatWindow}`,
    );
  }
  const nonces = dpopNonce ? nonceStore({ ttl: dpopNonceTtl }) : undefined;
  // A proof is acceptable for 2 × the iat window; remember its jti a little longer.
  const replays = replayCache({ ttl: 2 * dpopIatWindow + 10 });
  const keysOf = (iss, uri) =>
    createRemoteJWKSet(new URL(uri ?? `${iss.replace(/\/+$/, '')}/jwks`), {
      cooldownDuration: 1000,
    });
  const jwks = keysOf(issuer, jwksUri);
  const origins = new Set(allowedOrigins.map((o) => new URL(o).origin));
  let messages = [...MESSAGES];
  /** @type {Map<string, Record<string, unknown>>} sub → user_metadata (management API) */
  const userMetadata = new Map();
  /** @typedef {{ audience: string, realm: string, issuer: string, jwks: ReturnType<typeof createRemoteJWKSet> }} Api */
  /** @type {Api} */
  const demoApi = { audience, realm: REALM, issuer, jwks };
  /** @type {Api} */
  const managementApi = { audience: managementAudience, realm: MANAGEMENT_REALM, issuer, jwks };
  /** @type {Api | undefined} */
  const partnerApi = partner && {
    audience: partner.audience ?? DEFAULT_PARTNER_AUDIENCE,
    realm: PARTNER_REALM,
    issuer: partner.issuer,
    jwks: keysOf(partner.issuer, partner.jwksUri),
  };

  /**
   * @param {http.IncomingMessage} req
   * @param {http.ServerResponse} res
   */
  async function handle(req, res) {
    const url = new URL(req.url ?? '/', 'http://api.invalid');
    const origin = req.headers.origin;
    const corsAllowed =
      typeof origin === 'string' &&
      (origins.has(origin) || (allowLoopbackOrigins && isLoopbackOrigin(origin)));
    res.setHeader('Vary', 'Origin');
    res.setHeader('Cache-Control', 'no-store');
    if (corsAllowed) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Expose-Headers', `WWW-Authenticate, ${DPOP_NONCE_HEADER}`);
    }

    if (req.method === 'OPTIONS') {
      if (corsAllowed) {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PATCH, OPTIONS');
        res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, DPoP');
        res.setHeader('Access-Control-Max-Age', '600');
        if (req.headers['access-control-request-private-network'] === 'true') {
          res.setHeader('Access-Control-Allow-Private-Network', 'true');
        }
      }
      res.statusCode = 204;
      res.end();
      return {
        note: corsAllowed ? 'preflight' : `preflight from unknown origin ${origin ?? '(none)'}`,
      };
    }

    if (url.pathname === DPOP_NONCE_ROTATE_PATH) return rotateNonceRoute(req, res);

    const route = `${req.method} ${url.pathname.replace(/\/+$/, '') || '/'}`;
    switch (route) {
      case 'GET /api/public':
        return json(res, 200, { message: 'public' });
      case 'GET /api/messages': {
        const auth = await authorize(req, res, 'read:messages', demoApi);
        if (!auth.ok) return auth;
        json(res, 200, { messages, sub: auth.payload.sub, scope: auth.payload.scope ?? '' });
        return { sub: auth.payload.sub };
      }
      case 'GET /api/dpop/messages': {
        const auth = await authorize(req, res, 'read:messages', demoApi, { dpopOnly: true });
        if (!auth.ok) return auth;
        const { sub, scope = '' } = auth.payload;
        json(res, 200, { messages, sub, scope, jkt: auth.jkt });
        return { sub, dpop: true };
      }
      case 'POST /api/messages':
      case 'POST /api/dpop/messages':
      case 'GET /api/admin': {
        const dpopOnly = url.pathname.startsWith(DPOP_ROUTE_PREFIX);
        const auth = await authorize(req, res, 'write:messages', demoApi, { dpopOnly });
        if (!auth.ok) return auth;
        let text = 'New message';
        if (req.method === 'POST') {
          const body = await readJson(req).catch(() => ({}));
          if (typeof body?.text === 'string' && body.text.trim())
            text = body.text.trim().slice(0, 500);
          const message = { id: messages.length + 1, text, author: auth.payload.sub };
          messages = [...messages, message].slice(-50);
          json(res, 201, {
            message,
            sub: auth.payload.sub,
            scope: auth.payload.scope ?? '',
            ...(dpopOnly ? { jkt: auth.jkt } : {}),
          });
        } else {
          json(res, 200, { admin: true, sub: auth.payload.sub, scope: auth.payload.scope ?? '' });
        }
        return { sub: auth.payload.sub, dpop: auth.scheme === 'DPoP' };
      }
      case 'GET /api/step-up':
      case 'GET /api/step-up/recent': {
        const auth = await authorize(req, res, 'read:messages', demoApi);
        if (!auth.ok) return auth;
        const maxAge = url.pathname.replace(/\/+$/, '').endsWith('/recent')
          ? stepUpMaxAge
          : undefined;
        const stepUp = requireAuthentication(res, auth, demoApi, maxAge);
        if (!stepUp.ok) return stepUp;
        const { sub, acr, auth_time } = auth.payload;
        json(res, 200, {
          message: 'step-up ok',
          sub,
          acr,
          auth_time,
          ...(maxAge === undefined ? {} : { max_age: maxAge }),
          scope: auth.payload.scope ?? '',
        });
        return { sub, note: `acr=${acr}` };
      }
      case 'GET /partner/me': {
        if (!partnerApi) {
          json(res, 404, {
            error: 'not_found',
            error_description: 'no partner API: the API was started without the second provider',
          });
          return { note: 'no partner provider' };
        }
        const auth = await authorize(req, res, 'read:partner', partnerApi);
        if (!auth.ok) return auth;
        const { sub, iss } = auth.payload;
        const name = typeof sub === 'string' ? findBySub(sub)?.name : undefined;
        json(res, 200, { sub, ...(name ? { name } : {}), iss, scope: auth.payload.scope ?? '' });
        return { sub };
      }
      case 'GET /management/me': {
        const auth = await authorize(req, res, 'read:current_user', managementApi);
        if (!auth.ok) return auth;
        const { sub } = auth.payload;
        const name = typeof sub === 'string' ? findBySub(sub)?.name : undefined;
        json(res, 200, { sub, ...(name ? { name } : {}), scope: auth.payload.scope ?? '' });
        return { sub };
      }
      case 'PATCH /management/me/metadata': {
        const auth = await authorize(req, res, 'update:current_user_metadata', managementApi);
        if (!auth.ok) return auth;
        const sub = String(auth.payload.sub);
        const body = await readJson(req).catch(() => undefined);
        if (!body || typeof body !== 'object' || Array.isArray(body)) {
          json(res, 400, {
            error: 'invalid_request',
            error_description: 'the body must be a JSON object (keys to set; null removes a key)',
          });
          return { note: `sub=${sub} invalid metadata body` };
        }
        const metadata = { ...userMetadata.get(sub) };
        for (const [key, value] of Object.entries(body)) {
          if (key === '__proto__') continue;
          if (value === null) delete metadata[key];
          else metadata[key] = value;
        }
        userMetadata.set(sub, metadata);
        json(res, 200, { sub, user_metadata: metadata, scope: auth.payload.scope ?? '' });
        return { sub };
      }
      default:
        json(res, 404, { error: 'not_found', error_description: `no route ${route}` });
        return {};
    }
  }

  /**
   * Validates the access token (for `api.audience`) and the required scope; on failure writes the
   * 401/403 response.
   *
   * - `Authorization: Bearer <token>`: RFC 6750. A DPoP-bound token (`cnf.jkt`) is refused
   *   (RFC 9449 §7.1); on a `dpopOnly` route every Bearer token is.
   * - `Authorization: DPoP <token>` with a `DPoP` proof (RFC 9449 §7.1): the proof (dpop.mjs
   *   `verifyProof`: signature, `htm`, `htu`, `iat`, `ath`, nonce, `jti`), then the token, then
   *   `cnf.jkt` = the proof key's thumbprint. Errors use the `DPoP` scheme and carry the current
   *   `DPoP-Nonce` (nonces on); a success carries it when the proof used the previous one.
   * @param {http.IncomingMessage} req
   * @param {http.ServerResponse} res
   * @param {string} requiredScope
   * @param {Api} api
   * @param {{ dpopOnly?: boolean }} [options]
   * @returns {Promise<{ ok: true, scheme: 'Bearer' | 'DPoP', jkt?: string,
   *   payload: import('jose').JWTPayload & { scope?: string } } | { ok: false, note: string }>}
   */
  async function authorize(req, res, requiredScope, api, { dpopOnly = false } = {}) {
    const { realm } = api;
    const header = req.headers.authorization;
    const match = /^(Bearer|DPoP)\s+(\S+)\s*$/i.exec(header ?? '');
    const scheme = match?.[1].toLowerCase() === 'dpop' || (!match && dpopOnly) ? 'DPoP' : 'Bearer';
    if (scheme === 'DPoP' && nonces) res.setHeader(DPOP_NONCE_HEADER, nonces.current());
    if (!header) {
      res.setHeader('WWW-Authenticate', challenge(scheme, realm, []));
      json(res, 401, {
        error: 'unauthorized',
        error_description: `no access token (send Authorization: ${dpopOnly ? 'DPoP <access token> with a DPoP proof' : 'Bearer <access token>'})`,
      });
      return { ok: false, note: 'no access token' };
    }
    if (!match) {
      return reject(
        res,
        realm,
        400,
        'invalid_request',
        dpopOnly
          ? 'the Authorization header must be "DPoP <access token>"'
          : 'the Authorization header must be "Bearer <access token>"',
        scheme,
      );
    }
    const token = match[2];
    if (dpopOnly && scheme === 'Bearer') {
      if (nonces) res.setHeader(DPOP_NONCE_HEADER, nonces.current());
      return reject(
        res,
        realm,
        401,
        'invalid_token',
        'this route takes only DPoP-bound access tokens: send Authorization: DPoP <access token> with a DPoP proof, not Bearer (RFC 9449)',
        'DPoP',
      );
    }
    /** @type {string | undefined} */
    let jkt;
    let proofNonce;
    if (scheme === 'DPoP') {
      const proof = await verifyProof({
        proofs: req.headersDistinct?.dpop ?? req.headers.dpop,
        method: req.method ?? 'GET',
        url: new URL(req.url ?? '/', `http://${req.headers.host ?? 'api.invalid'}`),
        accessToken: token,
        iatWindow: dpopIatWindow,
        nonces,
        replays,
      });
      if (!proof.ok) return reject(res, realm, 401, proof.error, proof.description, 'DPoP');
      jkt = proof.jkt;
      proofNonce = proof.nonce;
    }
    const reason = await verify(token, api);
    if (typeof reason === 'string') return reject(res, realm, 401, 'invalid_token', reason, scheme);
    const payload = reason;
    const bound = /** @type {{ jkt?: unknown } | undefined} */ (payload.cnf)?.jkt;
    if (scheme === 'Bearer' && bound !== undefined) {
      return reject(
        res,
        realm,
        401,
        'invalid_token',
        'the access token is DPoP-bound (cnf.jkt): send it as Authorization: DPoP <access token> with a DPoP proof, not as a Bearer token (RFC 9449 §7.1)',
      );
    }
    if (scheme === 'DPoP') {
      if (typeof bound !== 'string') {
        return reject(
          res,
          realm,
          401,
          'invalid_token',
          'the access token is not DPoP-bound (no cnf.jkt): send it as a Bearer token, or get a DPoP-bound one with a DPoP proof at the token endpoint',
          'DPoP',
        );
      }
      if (bound !== jkt) {
        return reject(
          res,
          realm,
          401,
          'invalid_token',
          `the access token is bound to another key: cnf.jkt ${bound}, the DPoP proof's key ${jkt}`,
          'DPoP',
        );
      }
      if (proofNonce === 'current') res.removeHeader(DPOP_NONCE_HEADER);
    }
    const scopes = new Set(
      String(payload.scope ?? '')
        .split(' ')
        .filter(Boolean),
    );
    if (!scopes.has(requiredScope)) {
      const description = `the access token lacks the scope ${requiredScope} (it has: ${[...scopes].join(' ') || 'none'})`;
      res.setHeader(
        'WWW-Authenticate',
        challenge(scheme, realm, [
          ['error', 'insufficient_scope'],
          ['scope', requiredScope],
          ['error_description', description],
        ]),
      );
      json(res, 403, {
        error: 'insufficient_scope',
        error_description: description,
        scope: requiredScope,
      });
      return { ok: false, note: `sub=${payload.sub} ${description}` };
    }
    return { ok: true, scheme, payload, ...(jkt ? { jkt } : {}) };
  }

  /** Test support: POST /__dpop/nonce/rotate (loopback clients only) replaces the DPoP nonce. */
  function rotateNonceRoute(req, res) {
    if (!isLoopbackAddress(req.socket.remoteAddress)) {
      json(res, 403, {
        error: 'forbidden',
        error_description: `${DPOP_NONCE_ROTATE_PATH} is for loopback clients`,
      });
      return { note: 'not loopback' };
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      json(res, 405, { error: 'method_not_allowed' });
      return {};
    }
    if (!nonces) {
      json(res, 409, {
        error: 'nonces_off',
        error_description: 'DPoP nonces are off (dpopNonce: false)',
      });
      return { note: 'nonces off' };
    }
    const nonce = nonces.rotate();
    res.setHeader(DPOP_NONCE_HEADER, nonce);
    json(res, 200, { nonce });
    return { note: 'DPoP nonce rotated' };
  }

  /**
   * RFC 9470 §3: the token's authentication must have `acr` {@link ACR_MFA} and, with `maxAge`,
   * an `auth_time` at most `maxAge` seconds ago (plus the clock tolerance); else 401
   * insufficient_user_authentication naming what is needed (`acr_values`, and `max_age` when the
   * route has one). Scopes are checked before (403 insufficient_scope comes first).
   * @param {http.ServerResponse} res
   * @param {{ payload: import('jose').JWTPayload, scheme: 'Bearer' | 'DPoP' }} auth
   * @param {Api} api
   * @param {number} [maxAge] seconds
   * @returns {{ ok: true } | { ok: false, note: string }}
   */
  function requireAuthentication(res, { payload, scheme }, api, maxAge) {
    let description;
    if (payload.acr !== ACR_MFA) {
      description = `a stronger authentication is required: acr ${ACR_MFA} (the access token has ${fmt(payload.acr)})`;
    } else if (maxAge !== undefined) {
      const authTime = Number(payload.auth_time);
      const age = Math.floor(Date.now() / 1000) - authTime;
      if (!Number.isFinite(authTime)) {
        description = `a more recent authentication is required: the access token has no auth_time (max_age ${maxAge})`;
      } else if (age > maxAge + clockTolerance) {
        description = `a more recent authentication is required: authenticated ${age} s ago, max_age ${maxAge}`;
      }
    }
    if (!description) return { ok: true };
    res.setHeader(
      'WWW-Authenticate',
      challenge(scheme, api.realm, [
        ['error', 'insufficient_user_authentication'],
        ['error_description', description],
        ['acr_values', ACR_MFA],
        ...(maxAge === undefined ? [] : [['max_age', String(maxAge)]]),
      ]),
    );
    json(res, 401, {
      error: 'insufficient_user_authentication',
      error_description: description,
      acr_values: ACR_MFA,
      ...(maxAge === undefined ? {} : { max_age: maxAge }),
    });
    return { ok: false, note: `sub=${payload.sub} ${description}` };
  }

  /**
   * @param {string} token
   * @param {Api} api
   * @returns {Promise<string | import('jose').JWTPayload>} the payload, or why the token is invalid
   */
  async function verify(token, api) {
    let header;
    let unverified;
    try {
      if (token.split('.').length !== 3) throw new Error('not a JWS');
      header = decodeProtectedHeader(token);
      unverified = decodeJwt(token);
    } catch {
      return 'the access token is not a JWT (opaque token); request an audience at login';
    }
    // A token of the other provider would fail on its unknown key first; name the real reason.
    // (Only the message: the token is rejected either way.)
    if (typeof unverified.iss === 'string' && unverified.iss !== api.issuer) {
      return `wrong issuer (iss): expected ${api.issuer}, got ${unverified.iss}`;
    }
    try {
      const { payload } = await jwtVerify(token, api.jwks, {
        issuer: api.issuer,
        audience: api.audience,
        algorithms: ALGORITHMS,
        clockTolerance,
        requiredClaims: ['exp', 'iat', 'sub'],
      });
      return payload;
    } catch (err) {
      return explain(err, header, api);
    }
  }

  /** Maps jose errors to a human-readable description. */
  function explain(err, header, { audience, issuer }) {
    if (err instanceof errors.JWTExpired) {
      const exp = Number(err.payload?.exp);
      return `the access token expired${Number.isFinite(exp) ? ` at ${new Date(exp * 1000).toISOString()}` : ''} (exp)`;
    }
    if (err instanceof errors.JWTClaimValidationFailed) {
      const actual = err.payload?.[err.claim];
      switch (err.claim) {
        case 'iss':
          return `wrong issuer (iss): expected ${issuer}, got ${fmt(actual)}`;
        case 'aud':
          return `wrong audience (aud): expected ${audience}, got ${fmt(actual)}`;
        case 'nbf':
          return 'the access token is not valid yet (nbf)';
        default:
          return `claim ${err.claim} check failed: ${err.message}`;
      }
    }
    if (err instanceof errors.JWKSNoMatchingKey) {
      return `unknown signing key: no key in the issuer's JWKS matches kid=${fmt(header?.kid)} alg=${fmt(header?.alg)}`;
    }
    if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
    if (err instanceof errors.JOSEAlgNotAllowed) {
      return `signing algorithm ${fmt(header?.alg)} not allowed (expected ${ALGORITHMS.join(' or ')})`;
    }
    if (err instanceof errors.JWTInvalid || err instanceof errors.JWSInvalid) {
      return `malformed JWT: ${err.message}`;
    }
    if (
      err instanceof errors.JWKSTimeout ||
      err instanceof errors.JWKSInvalid ||
      err instanceof TypeError
    ) {
      return `could not load the issuer's JWKS: ${err.message}`;
    }
    return `token validation failed: ${err?.message ?? err}`;
  }

  /**
   * Writes an error answer: `WWW-Authenticate` of the request's scheme and the JSON body.
   * @param {'Bearer' | 'DPoP'} [scheme]
   */
  function reject(res, realm, status, error, description, scheme = 'Bearer') {
    res.setHeader(
      'WWW-Authenticate',
      challenge(scheme, realm, [
        ['error', error],
        ['error_description', description],
      ]),
    );
    json(res, status, { error, error_description: description });
    return { ok: false, note: description };
  }

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    handle(req, res)
      .then((outcome) => {
        const extra = outcome?.sub
          ? ` sub=${outcome.sub}${outcome.dpop ? ' (DPoP)' : ''}`
          : outcome?.note
            ? ` – ${outcome.note}`
            : '';
        log(`[api] ${req.method} ${path} ${res.statusCode}${extra}`);
      })
      .catch((err) => {
        log(`[api] ${req.method} ${path} failed: ${err?.stack ?? err}`);
        if (!res.headersSent) json(res, 500, { error: 'server_error' });
        else res.end();
      });
  });
  await listen(server, port, host);
  const actualPort = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  return {
    url: `http://localhost:${actualPort}`,
    port: actualPort,
    server,
    /** The current DPoP nonce (undefined when nonces are off). */
    dpopNonce: () => nonces?.current(),
    /** Replaces the DPoP nonce now (undefined when nonces are off). */
    rotateDpopNonce: () => nonces?.rotate(),
    close: () => closeServer(server),
  };
}

function json(res, status, body) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

/**
 * A `WWW-Authenticate` challenge. Bearer (RFC 6750): `realm` first, then `params` in order, as
 * before DPoP. DPoP (RFC 9449 §7.1): `params` first (so `error` leads), then `realm` and `algs`.
 * @param {'Bearer' | 'DPoP'} scheme
 * @param {string} realm
 * @param {[string, string][]} params values are quoted (see quote())
 */
function challenge(scheme, realm, params) {
  const parts = params.map(([k, v]) => `${k}="${quote(v)}"`);
  if (scheme === 'Bearer') return `Bearer ${[`realm="${realm}"`, ...parts].join(', ')}`;
  return `DPoP ${[...parts, `realm="${realm}"`, `algs="${DPOP_ALGORITHMS.join(' ')}"`].join(', ')}`;
}

/** @param {string | undefined} address */
function isLoopbackAddress(address) {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(v4);
}

/** Value for a quoted-string in WWW-Authenticate (RFC 6750 allows no `"` or `\` in descriptions). */
function quote(value) {
  return String(value)
    .replace(/["\\]/g, "'")
    .replace(/[^\x20-\x7e]/g, '?');
}

function fmt(value) {
  if (value === undefined) return '(none)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

async function readJson(req, limit = 16 * 1024) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > limit) throw new Error('request body too large');
  }
  return body ? JSON.parse(body) : {};
}
