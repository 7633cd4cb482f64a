// Local OpenID Provider for the ngx-oidc demo and e2e tests, built on `oidc-provider` 9.
//
// - issuer http://localhost:<port> (same-site with the demo on http://localhost:<DEMO_PORT>, so the
//   session cookie reaches a silent-authentication iframe), listening on 127.0.0.1 only;
// - one public client `ngx-oidc-demo` (code + PKCE S256, implicit, hybrid, refresh tokens) with
//   exact redirect URIs, and a development client `ngx-oidc-dev` for your own app, the same but
//   with any loopback redirect URI on any port (RFC 8252 §7.3; see loopback.mjs);
// - resource indicators / Auth0-style `audience` → JWT access tokens for two APIs: the demo API and
//   a "management" API (like Auth0's Management API);
// - own login page (password users + a fake "DemoSocial" connection, interactions.mjs), with a
//   one-time-code second step when the request asks for `acr` urn:ngx-oidc:acr:mfa (acr.mjs; step-up
//   authentication, RFC 9470); `acr` in ID tokens and in the APIs' JWT access tokens;
// - pushed authorization requests (RFC 9126) at /request, optional for every client;
// - DPoP (RFC 9449), optional for every client: a proof at the token endpoint binds the access token
//   (`cnf.jkt`, `token_type` DPoP) and a public client's refresh token to the key, `dpop_jkt` binds
//   the code; the token endpoint requires a DPoP nonce (`dpopNonce`, default 'required');
// - Cross-Origin-Opener-Policy on the sign-in pages on request (coop.mjs), for popup tests;
// - first-party consent: everything the client asks for is granted without a consent page, also
//   for `prompt=none` (loadExistingGrant) and for a refresh grant that names another API;
// - RP-initiated logout without a confirmation click;
// - test support: request counters at GET /__stats (loopback only).
// A second provider (partner.mjs) is this one with other options: issuer, keys, cookie names, API.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import Provider, { errors } from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';

import { ACR_VALUES } from './acr.mjs';
import { claimsOf, findBySub } from './accounts.mjs';
import { COOP_PARAM, coopMiddleware, validateCoopParam } from './coop.mjs';
import { closeServer, listen } from './http-util.mjs';
import { interactionRouter, loginPolicy, sendHtml } from './interactions.mjs';
import { isLoopbackOrigin, isLoopbackUrl } from './loopback.mjs';
import {
  DEFAULT_API_AUDIENCE,
  DEFAULT_API_SCOPES,
  DEFAULT_MANAGEMENT_AUDIENCE,
  DEFAULT_MANAGEMENT_SCOPES,
} from './resources.mjs';
import { DEFAULT_BRAND, errorPage, logoutPage, postLogoutPage } from './views.mjs';

export {
  DEFAULT_API_AUDIENCE,
  DEFAULT_API_SCOPES,
  DEFAULT_MANAGEMENT_AUDIENCE,
  DEFAULT_MANAGEMENT_SCOPES,
};
export const CLIENT_ID = 'ngx-oidc-demo';
/**
 * Development client for a developer's own app (e.g. after `ng add ngx-oidc`): like the demo client,
 * but any `http://localhost|127.0.0.1|[::1]:<any port>/<any path>` is a valid redirect URI and
 * post-logout redirect URI, CORS allows any loopback origin, and asking for an API's audience
 * without naming its scopes grants all of them. Development only.
 */
export const DEV_CLIENT_ID = 'ngx-oidc-dev';
/** Clients whose requests are consented to automatically (no consent page, also for prompt=none). */
const FIRST_PARTY_CLIENTS = new Set([CLIENT_ID, DEV_CLIENT_ID]);
/** Clients that accept loopback redirect URIs on any port (RFC 8252 §7.3) instead of exact ones. */
const LOOPBACK_CLIENTS = new Set([DEV_CLIENT_ID]);
export const RESPONSE_TYPES = ['code', 'id_token token', 'id_token', 'code id_token', 'none'];
/**
 * DPoP nonce policy of the token endpoint (RFC 9449 §8): 'required' = a proof without the current
 * nonce gets 400 `use_dpop_nonce` and a `DPoP-Nonce` header; 'off' = nonces are neither asked for
 * nor accepted.
 */
export const DPOP_NONCE_POLICIES = Object.freeze(['required', 'off']);

/** Default lifetimes in seconds. */
export const DEFAULT_TTL = Object.freeze({
  AccessToken: 300,
  IdToken: 3600,
  RefreshToken: 24 * 60 * 60,
  Session: 24 * 60 * 60,
  Grant: 14 * 24 * 60 * 60,
  AuthorizationCode: 60,
  Interaction: 10 * 60,
});

/**
 * @typedef {object} TtlOptions lifetimes in seconds; missing ones use DEFAULT_TTL
 * @property {number} [AccessToken]
 * @property {number} [IdToken]
 * @property {number} [RefreshToken] absolute: rotated refresh tokens keep the remaining lifetime
 * @property {number} [Session]
 * @property {number} [Grant]
 * @property {number} [AuthorizationCode]
 * @property {number} [Interaction]
 */

/**
 * Starts the OpenID Provider.
 *
 * @param {object} [options]
 * @param {number} [options.port] TCP port; 0 (default) picks a free one
 * @param {string} [options.host] listen address (default 127.0.0.1)
 * @param {string} [options.issuer] default http://localhost:<actual port>
 * @param {string[]} [options.demoOrigins] origins of the demo SPA (redirect URIs, post-logout URIs, CORS);
 *   default http://localhost:4200 and http://127.0.0.1:4200
 * @param {string} [options.apiAudience] resource indicator / audience of the demo API
 * @param {string} [options.apiScopes] space-separated scopes of the demo API
 * @param {string} [options.managementAudience] resource indicator / audience of the management API
 * @param {string} [options.managementScopes] space-separated scopes of the management API
 * @param {{ audience: string, scopes: string }[]} [options.apis] the APIs this provider issues JWT
 *   access tokens for; replaces the demo and management APIs of the four options above
 * @param {string} [options.name] the provider's name on its pages (default "ngx-oidc demo identity provider")
 * @param {string} [options.cookiePrefix] prefix of the cookie names (default none: `_session`,
 *   `_interaction`, `_interaction_resume`). Cookies ignore ports: two providers on localhost
 *   need different names, or they overwrite each other's sessions
 * @param {'same-origin'} [options.crossOriginOpenerPolicy] sent on every sign-in page and
 *   authorization answer; without it, only for requests with `coop=same-origin` (coop.mjs)
 * @param {'required' | 'off'} [options.dpopNonce] DPoP nonces at the token endpoint (default
 *   'required', see DPOP_NONCE_POLICIES)
 * @param {TtlOptions} [options.ttl]
 * @param {(line: string) => void} [options.log] default console.log
 * @returns {Promise<{ issuer: string, port: number, provider: Provider, server: http.Server,
 *   stats(): Stats, resetStats(): void, close(): Promise<void> }>}
 */
export async function startProvider({
  port = 0,
  host = '127.0.0.1',
  issuer,
  demoOrigins = ['http://localhost:4200', 'http://127.0.0.1:4200'],
  apiAudience = DEFAULT_API_AUDIENCE,
  apiScopes = DEFAULT_API_SCOPES,
  managementAudience = DEFAULT_MANAGEMENT_AUDIENCE,
  managementScopes = DEFAULT_MANAGEMENT_SCOPES,
  apis,
  name = DEFAULT_BRAND,
  cookiePrefix = '',
  crossOriginOpenerPolicy,
  dpopNonce = 'required',
  ttl = {},
  log = console.log,
} = {}) {
  const lifetimes = { ...DEFAULT_TTL };
  for (const [name, value] of Object.entries(ttl ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    const seconds = Number(value);
    if (!Number.isInteger(seconds) || seconds <= 0) {
      throw new TypeError(`ttl.${name} must be a positive integer (seconds), got ${value}`);
    }
    lifetimes[name] = seconds;
  }
  // Refresh tokens expire with the session / grant they belong to: keep those longer.
  lifetimes.Session = Math.max(lifetimes.Session, lifetimes.RefreshToken);
  lifetimes.Grant = Math.max(lifetimes.Grant, lifetimes.RefreshToken);

  if (!apis && apiAudience === managementAudience) {
    throw new TypeError(
      `the demo API and the management API need different audiences (${apiAudience})`,
    );
  }
  apis ??= [
    { audience: apiAudience, scopes: apiScopes },
    { audience: managementAudience, scopes: managementScopes },
  ];
  /** @type {Map<string, Set<string>>} resource indicator → its scopes */
  const resourceServers = new Map(
    apis.map(({ audience, scopes }) => [audience, new Set(scopes.split(' ').filter(Boolean))]),
  );
  if (resourceServers.size !== apis.length) {
    throw new TypeError(`every API needs its own audience (${apis.map((a) => a.audience)})`);
  }
  if (crossOriginOpenerPolicy !== undefined && crossOriginOpenerPolicy !== 'same-origin') {
    throw new TypeError(
      `crossOriginOpenerPolicy must be 'same-origin' or undefined, got ${crossOriginOpenerPolicy}`,
    );
  }
  if (!DPOP_NONCE_POLICIES.includes(dpopNonce)) {
    throw new TypeError(
      `dpopNonce must be one of ${DPOP_NONCE_POLICIES.join(', ')}, got ${dpopNonce}`,
    );
  }
  const counters = requestCounters();

  // Listen first so that port 0 resolves to the real port before the issuer is fixed.
  /** @type {http.RequestListener} */
  let handler = (_req, res) => {
    res.statusCode = 503;
    res.end('starting');
  };
  const server = http.createServer((req, res) => handler(req, res));
  await listen(server, port, host);
  const actualPort = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  issuer = (issuer ?? `http://localhost:${actualPort}`).replace(/\/+$/, '');

  const origins = [...new Set(demoOrigins.map((o) => new URL(o).origin))];
  const client = {
    client_id: CLIENT_ID,
    client_name: 'ngx-oidc demo',
    application_type: 'web',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token', 'implicit'],
    response_types: RESPONSE_TYPES,
    redirect_uris: origins.flatMap((o) => [`${o}/callback`, `${o}/silent-callback.html`]),
    post_logout_redirect_uris: origins.map((o) => `${o}/`),
  };
  // Registered for the record (and so that a token request cannot omit redirect_uri: there are
  // several); acceptLoopbackRedirects() accepts any loopback port and path for this client.
  const devClient = {
    ...client,
    client_id: DEV_CLIENT_ID,
    client_name: 'your app (ngx-oidc-dev, any localhost port)',
    redirect_uris: ['http://localhost:4200/callback', 'http://localhost:4200/silent-callback.html'],
    post_logout_redirect_uris: ['http://localhost:4200/'],
  };

  const jwks = await signingKeys(cookiePrefix || 'demo');
  const offline = offlineTracker();
  const consentLog = (accountId, granted, where) =>
    log(`[idp] consent auto-granted for ${accountId} at ${where} (${granted.join('; ')})`);

  const provider = new Provider(issuer, {
    clients: [client, devClient],
    jwks,
    findAccount: async (_ctx, sub) => {
      const account = findBySub(sub);
      if (!account) return undefined;
      return { accountId: account.sub, claims: async () => claimsOf(account) };
    },
    claims: {
      // amr: 'pwd' (password) or 'fed' (DemoSocial), plus 'otp' 'mfa' after the one-time code;
      // acr: urn:ngx-oidc:acr:password or urn:ngx-oidc:acr:mfa (acr.mjs)
      openid: ['sub', 'amr', 'acr'],
      profile: ['name', 'nickname', 'preferred_username', 'picture'],
      email: ['email', 'email_verified'],
    },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    acrValues: [...ACR_VALUES], // acr_values_supported
    // RFC 9068 §2.2.1: the JWT access tokens for the APIs carry the login's acr and auth_time, so an
    // API can demand a stronger authentication (RFC 9470; api.mjs /api/step-up).
    extraTokenClaims: async (ctx, token) => authenticationClaims(ctx, token),
    // Put the profile/email claims granted by scope into the ID token (the SPA reads the name from it).
    conformIdTokenClaims: false,
    responseTypes: RESPONSE_TYPES,
    pkce: { required: () => true }, // S256 is the only method oidc-provider 9 supports
    extraParams: { audience: undefined, [COOP_PARAM]: validateCoopParam },
    clientBasedCORS: (_ctx, origin, cl) =>
      origins.includes(origin) ||
      cl.redirectUris.some((uri) => URL.parse(uri)?.origin === origin) ||
      (LOOPBACK_CLIENTS.has(cl.clientId) && isLoopbackOrigin(origin)),
    cookies: {
      names: {
        session: `${cookiePrefix}_session`,
        interaction: `${cookiePrefix}_interaction`,
        resume: `${cookiePrefix}_interaction_resume`,
      },
      keys: [randomBytes(32).toString('base64url')],
      // Plain http on localhost: Lax (never SameSite=None, which requires Secure).
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      policy: loginPolicy(), // + the step-up check (acr_values asks for the second factor)
    },
    // First-party consent: grant (and save) what the request asks for before the consent prompt
    // is evaluated, so there is never a consent interaction, not even for prompt=none.
    loadExistingGrant: async (ctx) => {
      const { oidc } = ctx;
      const grantId =
        oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
      let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
      if (!FIRST_PARTY_CLIENTS.has(oidc.client.clientId)) return grant;
      const accountId = oidc.account.accountId;
      if (grant && (grant.accountId !== accountId || grant.clientId !== oidc.client.clientId)) {
        grant = undefined;
      }
      grant ??= new oidc.provider.Grant({ accountId, clientId: oidc.client.clientId });
      if (oidc.client.clientId === DEV_CLIENT_ID) requestAllApiScopes(oidc, resourceServers);
      const granted = grantRequested(grant, oidc);
      if (granted.length || !grant.jti) await grant.save();
      if (granted.length) consentLog(accountId, granted, '/auth');
      return grant;
    },
    // Without `prompt=consent`, oidc-provider drops `offline_access` from authorization requests
    // (OIDC Core 11). For this first-party public client, an authorization request that asked for
    // `offline_access` still gets a refresh token (see offlineTracker below).
    issueRefreshToken: async (_ctx, cl, source) => {
      if (!cl.grantTypeAllowed('refresh_token')) return false;
      if (source.scopes.has('offline_access')) return true;
      return (
        cl.clientAuthMethod === 'none' &&
        source instanceof provider.AuthorizationCode &&
        offline.has(`code:${source.jti}`)
      );
    },
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? lifetimes.AccessToken,
      IdToken: lifetimes.IdToken,
      // Absolute refresh-token lifetime: a rotated refresh token keeps the remaining lifetime.
      RefreshToken: (ctx) =>
        ctx?.oidc?.entities.RotatedRefreshToken?.remainingTTL ?? lifetimes.RefreshToken,
      Session: lifetimes.Session,
      Grant: lifetimes.Grant,
      AuthorizationCode: lifetimes.AuthorizationCode,
      Interaction: lifetimes.Interaction,
      ClientCredentials: lifetimes.AccessToken,
    },
    renderError: async (ctx, out, error) => {
      ctx.type = 'html';
      ctx.body = errorPage('Sign-in error', out, undefined, name);
      log(
        `[idp] error page: ${out.error}${out.error_description ? ` – ${out.error_description}` : ''}`,
      );
      if (error?.statusCode >= 500 || !error?.expose) log(`[idp] ${error?.stack ?? error}`);
    },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      // RFC 9126 at /request (pushed_authorization_request_endpoint). Optional: the authorization
      // endpoint still takes plain requests. A public client pushes with its client_id only.
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      // RFC 9449, for every client (none has `dpop_bound_access_tokens`, so Bearer still works):
      // a `DPoP` proof at /token → `token_type: DPoP`, `cnf.jkt` in the JWT access token, and a
      // public client's refresh token bound to the key (a refresh without that key's proof is
      // invalid_grant "failed jkt verification", and leaves the refresh token usable); `dpop_jkt`
      // at /auth or /request binds the code. Proofs: ES256, Ed25519 or EdDSA, `jti` not seen
      // before, `iat` within 300 s unless the proof carries a valid nonce. Nonces (§8): the secret
      // is new for every start; the nonce handed out changes every 60 s and is accepted for 3 to 4
      // minutes. Required at /token only (not at PAR or userinfo, which check one when sent). CORS at /token and /request: the preflight allows any request
      // header (DPoP too) and `DPoP-Nonce` is exposed.
      dPoP: {
        enabled: true,
        nonceSecret: dpopNonce === 'off' ? undefined : randomBytes(32),
        requireNonce: (ctx) => dpopNonce === 'required' && ctx.oidc?.route === 'token',
        allowReplay: false,
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, cl, token) => token.clientId === cl.clientId,
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.body = logoutPage(form);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = postLogoutPage();
        },
      },
      resourceIndicators: {
        enabled: true,
        // Auth0-style `audience` authorization parameter as an alias of RFC 8707 `resource`.
        defaultResource: async (ctx, _cl, oneOf) => {
          if (oneOf) return oneOf.length === 1 ? oneOf[0] : oneOf;
          return ctx.oidc.params.audience || ctx.oidc.params.resource || undefined;
        },
        // Code exchange and refresh grant issue the token for the resource granted at /auth
        // (unless the refresh grant names another API: see multiResourceRefresh).
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, resourceIndicator) => {
          const scopes = resourceServers.get(resourceIndicator);
          if (scopes) {
            return {
              scope: [...scopes].join(' '),
              audience: resourceIndicator,
              accessTokenFormat: 'jwt',
              accessTokenTTL: lifetimes.AccessToken,
              jwt: { sign: { alg: 'RS256' } },
            };
          }
          throw new errors.InvalidTarget(
            `unknown resource indicator / audience ${resourceIndicator}`,
          );
        },
      },
    },
  });

  allowHttpLocalhostImplicit(provider);
  acceptLoopbackRedirects(provider, LOOPBACK_CLIENTS);
  multiResourceRefresh(provider, resourceServers, consentLog);
  provider.use(counters.middleware);
  provider.use(offline.middleware);
  provider.use(coopMiddleware(crossOriginOpenerPolicy));
  logEvents(provider, log);

  const oidcCallback = provider.callback();
  const interactions = interactionRouter(provider, {
    log,
    brand: name,
    coop: crossOriginOpenerPolicy,
  });

  handler = (req, res) => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', issuer);
    res.on('finish', () =>
      log(
        `[idp] ${req.method} ${url.pathname} ${res.statusCode}${describe(url)} ${Date.now() - started}ms`,
      ),
    );
    if (url.pathname === '/__stats' || url.pathname === '/__stats/reset') {
      counters.route(req, res, url, origins);
      return;
    }
    if (url.pathname === '/auth') counters.authorize();
    if (url.pathname.startsWith('/interaction/')) {
      interactions(req, res, url).catch((err) => {
        log(`[idp] interaction handler failed: ${err?.stack ?? err}`);
        if (!res.headersSent)
          sendHtml(
            res,
            500,
            errorPage('Something went wrong', { error: 'server_error' }, undefined, name),
            crossOriginOpenerPolicy,
          );
        else res.end();
      });
      return;
    }
    oidcCallback(req, res);
  };

  return {
    issuer,
    port: actualPort,
    provider,
    server,
    stats: counters.snapshot,
    resetStats: counters.reset,
    close: () => closeServer(server),
  };
}

/**
 * Adds to `grant` what the authorization request asks for and the grant lacks: OIDC scopes, OIDC
 * claims (`claims` parameter) and, for each requested resource, the requested scopes of that
 * resource. The same "missing" computation as oidc-provider's consent prompt checks.
 * @returns {string[]} what was added, for the log
 */
function grantRequested(grant, oidc) {
  const added = [];
  const grantedOIDC = new Set(grant.getOIDCScopeEncountered().split(' '));
  const scopes = [...oidc.requestParamOIDCScopes].filter((s) => !grantedOIDC.has(s));
  if (scopes.length) {
    grant.addOIDCScope(scopes.join(' '));
    added.push(scopes.join(' '));
  }
  const grantedClaims = new Set(grant.getOIDCClaimsEncountered());
  const always = new Set(['sub', 'sid', 'auth_time', 'acr', 'amr', 'iss']);
  const claims = [...oidc.requestParamClaims].filter(
    (c) => !grantedClaims.has(c) && !always.has(c),
  );
  if (claims.length) {
    grant.addOIDCClaims(claims);
    added.push(`claims ${claims.join(' ')}`);
  }
  for (const [indicator, resourceServer] of Object.entries(oidc.resourceServers)) {
    const granted = new Set(grant.getResourceScopeEncountered(indicator).split(' '));
    const missing = [...oidc.requestParamScopes].filter(
      (s) => resourceServer.scopes.has(s) && !granted.has(s),
    );
    if (missing.length) {
      grant.addResourceScope(indicator, missing.join(' '));
      added.push(`${indicator}: ${missing.join(' ')}`);
    }
  }
  return added;
}

/**
 * For the development client: an authorization request that names an API (`audience`/`resource`)
 * but none of that API's scopes asks for all of them, so an app set up with `ng add` (default
 * `scope`, plus `audience`) can call the API without editing its scopes. Runs before the grant is
 * completed (loadExistingGrant), so the code, the tokens and the token response carry the scopes.
 * @param {Map<string, Set<string>>} resourceServers
 */
function requestAllApiScopes(oidc, resourceServers) {
  const requested = oidc.requestParamScopes;
  const added = [];
  for (const indicator of Object.keys(oidc.resourceServers ?? {})) {
    const scopes = [...(resourceServers.get(indicator) ?? [])];
    if (scopes.some((s) => requested.has(s))) continue;
    added.push(...scopes);
  }
  if (added.length) oidc.params.scope = [...requested, ...added].filter(Boolean).join(' ');
}

/**
 * RFC 8252 §7.3 for the given clients (development only): any loopback redirect URI and post-logout
 * redirect URI, on any port, is allowed (`isLoopbackUrl`: `http:`, host `localhost`, `127.0.0.1`
 * or `[::1]`, no userinfo, no fragment, canonical form). Other clients keep oidc-provider's exact
 * matching. oidc-provider 9 calls `Client#redirectUriAllowed` (authorization endpoint, and where it
 * decides whether an error may be redirected) and `Client#postLogoutRedirectUriAllowed`
 * (end_session); overriding them on `provider.Client.prototype` is the hook its maintainer points
 * to (panva/node-oidc-provider#249). Its own loopback port matching only covers
 * `application_type: native`, which would bring consent prompts and no `prompt=none`.
 * @param {Provider} provider
 * @param {Set<string>} clientIds
 */
function acceptLoopbackRedirects(provider, clientIds) {
  const proto = provider.Client.prototype;
  for (const method of ['redirectUriAllowed', 'postLogoutRedirectUriAllowed']) {
    const exact = proto[method];
    if (typeof exact !== 'function') {
      throw new Error(`oidc-provider changed: Client.prototype.${method} is missing`);
    }
    proto[method] = function loopbackAnyPort(value) {
      if (exact.call(this, value)) return true;
      return clientIds.has(this.clientId) && isLoopbackUrl(value);
    };
  }
}

/**
 * Refresh grant for an API the refresh token was not issued for (RFC 8707 §2.2 `resource`, or an
 * Auth0-style `audience` form parameter), like Auth0's "multi-resource refresh token".
 *
 * oidc-provider only accepts a `resource` at the token endpoint that was part of the original
 * authorization request (the refresh token's `resource`), otherwise `invalid_target`, even when the
 * grant covers it. For the first-party client this wrapper, for that one request:
 * - grants (and saves into the grant) the requested scopes of that API: the API's scopes named in
 *   `scope`, or all of its scopes when `scope` is absent;
 * - widens the refresh token's `resource` and `scope` in memory, so oidc-provider's checks pass
 *   and it issues the access token for the requested API.
 * The rotated refresh token is stored with the original `resource` and `scope`: a later refresh
 * without `resource`/`audience` still returns a token for the audience of the login.
 *
 * @param {Provider} provider
 * @param {Map<string, Set<string>>} resourceServers
 * @param {(accountId: string, granted: string[], where: string) => void} consentLog
 */
function multiResourceRefresh(provider, resourceServers, consentLog) {
  const { RefreshToken, Grant } = provider;
  /** @type {WeakMap<object, { grantId: string, resource: unknown, scope: unknown }>} ctx → original */
  const widened = new WeakMap();

  const find = RefreshToken.find;
  RefreshToken.find = async function findRefreshToken(...args) {
    const token = await find.apply(this, args);
    const ctx = Provider.ctx;
    if (token && ctx?.oidc?.route === 'token' && ctx.oidc.params.grant_type === 'refresh_token') {
      impliedOfflineAccess(ctx, token);
      await widen(ctx, token);
    }
    return token;
  };

  // Refresh tokens issued without prompt=consent (see issueRefreshToken) do not carry the
  // `offline_access` scope, so a refresh request repeating the login's `scope` would fail with
  // invalid_scope "refresh token missing requested scope offline_access". A refresh token implies
  // offline access: drop it from the requested scope.
  function impliedOfflineAccess(ctx, token) {
    const requested = ctx.oidc.params.scope?.split(' ');
    if (!requested?.includes('offline_access') || token.scopes.has('offline_access')) return;
    ctx.oidc.params.scope = requested.filter((s) => s !== 'offline_access').join(' ') || undefined;
  }

  const save = RefreshToken.prototype.save;
  RefreshToken.prototype.save = async function saveRefreshToken(...args) {
    const ctx = Provider.ctx;
    const original = ctx ? widened.get(ctx) : undefined;
    if (!original || original.grantId !== this.grantId) return save.apply(this, args);
    const current = { resource: this.resource, scope: this.scope };
    this.resource = original.resource;
    this.scope = original.scope;
    try {
      return await save.apply(this, args);
    } finally {
      Object.assign(this, current);
    }
  };

  async function widen(ctx, token) {
    const { oidc } = ctx;
    const audience = oidc.body?.audience;
    if (!oidc.params.resource && typeof audience === 'string' && audience) {
      oidc.params.resource = audience; // Auth0 style: `audience` as an alias of `resource`
    }
    const resource = oidc.params.resource;
    if (!resource) return;
    // Invalid refresh tokens are left to oidc-provider (invalid_grant; reuse detection).
    if (!token.isValid || token.clientId !== oidc.client.clientId) return;
    // oidc-provider checks the resource only after rotating the refresh token, so an
    // invalid_target would burn it (and retrying with the old one revokes the grant as reuse).
    // Refuse such requests here, before the rotation.
    if (Array.isArray(resource)) {
      throw new errors.InvalidTarget('only one resource / audience per token request');
    }
    if (token.resourceIndicators.has(resource)) return;
    const available = resourceServers.get(resource);
    if (!available || !FIRST_PARTY_CLIENTS.has(oidc.client.clientId)) {
      throw new errors.InvalidTarget(`unknown resource indicator / audience ${resource}`);
    }
    const grant = await Grant.find(token.grantId);
    if (!grant || grant.accountId !== token.accountId) return; // invalid_grant from oidc-provider

    const requested = oidc.params.scope
      ? [...oidc.requestParamScopes].filter((s) => available.has(s))
      : [...available];
    const granted = new Set(grant.getResourceScope(resource).split(' '));
    const missing = requested.filter((s) => !granted.has(s));
    if (missing.length) {
      grant.addResourceScope(resource, missing.join(' '));
      await grant.save();
      consentLog(token.accountId, [`${resource}: ${missing.join(' ')}`], 'refresh');
    }

    widened.set(ctx, { grantId: token.grantId, resource: token.resource, scope: token.scope });
    const resources = token.resource === undefined ? [] : [token.resource].flat();
    token.resource = resources.length ? [...resources, resource] : resource;
    token.scope = [...new Set([...(token.scope ?? '').split(' '), ...requested])]
      .filter(Boolean)
      .join(' ');
  }
}

/**
 * @typedef {{ token: { authorization_code: number, refresh_token: number }, authorize: number }} Stats
 */

/**
 * Test support: counts authorization requests (`/auth`, not its `/auth/:uid` resumes) and token
 * endpoint requests per grant type (successful or not). GET /__stats, POST /__stats/reset; loopback
 * clients only.
 */
function requestCounters() {
  /** @type {Stats} */
  let stats;
  const reset = () => {
    stats = { token: { authorization_code: 0, refresh_token: 0 }, authorize: 0 };
  };
  reset();
  const snapshot = () => structuredClone(stats);

  /** @type {(ctx: any, next: () => Promise<void>) => Promise<void>} */
  const middleware = async (ctx, next) => {
    if (ctx.path !== '/token' || ctx.method !== 'POST') return next();
    try {
      await next();
    } finally {
      // A DPoP nonce challenge is not a token request yet: the client repeats it with the nonce.
      const nonceChallenge = ctx.body?.error === 'use_dpop_nonce';
      const grantType = nonceChallenge ? undefined : ctx.oidc?.body?.grant_type;
      if (typeof grantType === 'string' && Object.hasOwn(stats.token, grantType)) {
        stats.token[grantType] += 1;
      }
    }
  };

  /**
   * @param {http.IncomingMessage} req
   * @param {http.ServerResponse} res
   * @param {URL} url
   * @param {string[]} origins CORS allow-list
   */
  const route = (req, res, url, origins) => {
    const send = (status, body) => {
      res.statusCode = status;
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Vary', 'Origin');
      const origin = req.headers.origin;
      if (typeof origin === 'string' && origins.includes(origin)) {
        res.setHeader('Access-Control-Allow-Origin', origin);
      }
      res.end(JSON.stringify(body));
    };
    if (!isLoopback(req.socket.remoteAddress)) {
      return send(403, {
        error: 'forbidden',
        error_description: '/__stats is for loopback clients',
      });
    }
    const isReset = url.pathname === '/__stats/reset';
    if (!isReset && req.method === 'GET') return send(200, snapshot());
    if (isReset && req.method === 'POST') {
      reset();
      return send(200, snapshot());
    }
    res.setHeader('Allow', isReset ? 'POST' : 'GET');
    return send(405, { error: 'method_not_allowed' });
  };

  return {
    middleware,
    route,
    snapshot,
    reset,
    authorize: () => {
      stats.authorize += 1;
    },
  };
}

/** @param {string | undefined} address */
function isLoopback(address) {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(v4);
}

/**
 * RS256 (first, the default for ID tokens and access tokens) and ES256 signing keys, new for every
 * start; `kid` = `<prefix>-<alg>-<time>-<random>`, so two providers never share one.
 */
async function signingKeys(prefix) {
  const stamp = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const keys = [];
  for (const alg of ['RS256', 'ES256']) {
    const { privateKey } = await generateKeyPair(alg, { extractable: true });
    const jwk = await exportJWK(privateKey);
    keys.push({ ...jwk, kid: `${prefix}-${alg.toLowerCase()}-${stamp}`, alg, use: 'sig' });
  }
  return { keys };
}

/**
 * oidc-provider refuses http:// and localhost redirect URIs for `web` clients that use the implicit
 * grant. `application_type: native` would allow them, but native clients always get the consent
 * prompt (no `prompt=none`). The documented escape hatch is to ignore these two validations.
 * @param {Provider} provider
 */
function allowHttpLocalhostImplicit(provider) {
  const { Schema } = provider.Client;
  const invalidate = Schema.prototype.invalidate;
  Schema.prototype.invalidate = function (message, code) {
    if (code === 'implicit-force-https' || code === 'implicit-forbid-localhost') return;
    invalidate.call(this, message, code);
  };
}

/**
 * `acr` and `auth_time` of the login behind an API's JWT access token (RFC 9068 §2.2.1): from the
 * authorization code or the refresh token it is issued for, or from the session (implicit flow).
 * Opaque tokens (userinfo only) get nothing.
 * @returns {{ acr?: string, auth_time?: number } | undefined}
 */
function authenticationClaims(ctx, token) {
  if (token.kind !== 'AccessToken' || !token.resourceServer) return undefined;
  const oidc = ctx?.oidc;
  const source = oidc?.entities?.RefreshToken ?? oidc?.entities?.AuthorizationCode;
  const acr = source ? source.acr : oidc?.acr;
  const authTime = source ? source.authTime : oidc?.session?.authTime?.();
  const claims = {};
  if (typeof acr === 'string') claims.acr = acr;
  if (typeof authTime === 'number') claims.auth_time = authTime;
  return Object.keys(claims).length ? claims : undefined;
}

/**
 * Remembers which authorization requests asked for `offline_access` (before oidc-provider drops
 * it), following the request through its interactions to the authorization code it produces. A
 * pushed request (PAR, `/request`) is remembered by its `request_uri`: oidc-provider drops the
 * scope there already, and `/auth` then gets only `client_id` and `request_uri`.
 */
function offlineTracker() {
  const TTL_MS = 60 * 60 * 1000;
  /** @type {Map<string, number>} key → expiry (ms) */
  const seen = new Map();
  const has = (key) => (seen.get(key) ?? 0) > Date.now();
  const add = (key) => {
    const now = Date.now();
    if (seen.size > 1000) for (const [k, exp] of seen) if (exp <= now) seen.delete(k);
    seen.set(key, now + TTL_MS);
  };
  /** @type {(ctx: any, next: () => Promise<void>) => Promise<void>} */
  const middleware = async (ctx, next) => {
    await next();
    const resume = /^\/auth\/([^/]+)$/.exec(ctx.path);
    const pushed = ctx.path === '/request';
    if (ctx.path !== '/auth' && !resume && !pushed) return;
    const oidc = ctx.oidc;
    if (!oidc) return;
    const raw = ctx.method === 'POST' ? oidc.body : ctx.query;
    const askedIn = (params) =>
      String(params?.scope ?? '')
        .split(' ')
        .includes('offline_access');
    if (pushed) {
      const requestUri = ctx.body?.request_uri;
      if (ctx.status === 201 && typeof requestUri === 'string' && askedIn(raw)) {
        add(`par:${requestUri}`);
      }
      return;
    }
    let asked;
    if (resume) {
      asked = has(`interaction:${resume[1]}`);
    } else if (typeof raw?.request_uri === 'string') {
      asked = has(`par:${raw.request_uri}`);
    } else {
      asked = askedIn(raw);
    }
    if (!asked) return;
    const { Interaction, AuthorizationCode } = oidc.entities ?? {};
    if (Interaction?.uid) add(`interaction:${Interaction.uid}`);
    if (AuthorizationCode?.jti) add(`code:${AuthorizationCode.jti}`);
  };
  return { has, middleware };
}

/** @param {Provider} provider @param {(line: string) => void} log */
function logEvents(provider, log) {
  const describeError = (err) =>
    `${err?.error ?? err?.name ?? 'error'}${err?.error_description ? ` – ${err.error_description}` : ''}${err?.error_detail ? ` (${err.error_detail})` : ''}`;
  for (const event of [
    'authorization.error',
    'grant.error',
    'end_session.error',
    'revocation.error',
    'userinfo.error',
    'discovery.error',
    'jwks.error',
    'check_session.error',
  ]) {
    provider.on(event, (_ctx, err) => log(`[idp] ${event}: ${describeError(err)}`));
  }
  provider.on('server_error', (_ctx, err) => log(`[idp] server_error: ${err?.stack ?? err}`));
  provider.on('interaction.started', (_ctx, prompt) =>
    log(`[idp] interaction ${prompt.name} (${prompt.reasons.join(', ')})`),
  );
  provider.on('grant.success', (ctx) => {
    const body = ctx.body ?? {};
    const issued = ['access_token', 'refresh_token', 'id_token'].filter((k) => body[k]).join(' ');
    const token = ctx.oidc.entities.AccessToken;
    const aud = token?.resourceServer?.audience;
    const dpop = token?.jkt ? ` (DPoP jkt=${token.jkt})` : '';
    log(
      `[idp] token ${ctx.oidc.params.grant_type}: sub=${token?.accountId ?? '?'}${aud ? ` aud=${aud}` : ''} → ${issued}${dpop}`,
    );
  });
  provider.on('end_session.success', (ctx) =>
    log(`[idp] logout ${ctx.oidc.session?.accountId ?? ''}`.trimEnd()),
  );
  provider.on('grant.revoked', (_ctx, grantId) => log(`[idp] grant revoked ${grantId}`));
}

/** Non-secret parameters worth seeing in the request log. */
function describe(url) {
  if (!/^\/(auth|session\/end)$/.test(url.pathname)) return '';
  const keep = [
    'response_type',
    'scope',
    'prompt',
    'audience',
    'resource',
    'response_mode',
    'acr_values',
    'max_age',
    COOP_PARAM,
  ];
  const parts = keep
    .filter((k) => url.searchParams.has(k))
    .map((k) => `${k}=${JSON.stringify(url.searchParams.getAll(k).join(','))}`);
  return parts.length ? ` ${parts.join(' ')}` : '';
}
