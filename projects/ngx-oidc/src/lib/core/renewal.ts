import { normalizeScope } from './config';
import { AuthError } from './errors';
import type { ProviderMetadata } from './metadata-cache';
import { refreshTokens } from './refresh';
import { validateRefreshedIdToken } from './refreshed-id-token';
import { applyRefreshResponse } from './renewed-session';
import type { RenewerHost, RenewerParts } from './renewer';
import { loginOf } from './session-holder';
import { loadSession, type StoredSession } from './session-store';
import { TAB_WAIT_MS } from './tab-sync';
import { satisfies, type TokenRequest } from './token-cache';

/** Renews one token in this tab: see {@link createRenewal}. */
export type Renewal = (request: TokenRequest, rejectedToken: string | undefined) => Promise<string>;

/**
 * The part of a renewal that runs in this tab, loaded on demand (protocol.ts) by the renewer
 * (renewer.ts: single flight, the tab holding the refresh token, the failure policy). Top to
 * bottom: takes the tabs' renewal lock (`withLock`: adopts what another tab stored, waits for a
 * renewal another tab marked), checks again whether a fresh token arrived meanwhile
 * (`renewLocked`), and renews by refresh token (`withRefreshToken`) or silent authentication
 * (`silently`).
 */
export function createRenewal(host: RenewerHost, parts: RenewerParts): Renewal {
  const { ctx, platform, listener, holder } = host;
  const { config } = ctx;
  /** This tab's renewals in order, when the platform has no tab-wide lock. */
  let queue: Promise<unknown> = Promise.resolve();

  return (request, rejectedToken) => withLock(() => renewLocked(request, rejectedToken));

  async function withLock<T>(fn: () => Promise<T>): Promise<T> {
    if (!platform.withLock) {
      // No Web Locks (a server, an old browser): renewals of this tab still run one at a time,
      // or two would send the same refresh token and the later answer would undo the earlier.
      const run = queue.then(fn, fn);
      queue = run.catch(() => undefined);
      return run;
    }
    return platform.withLock<T>(`ngx-oidc:renew:${host.scope}`, async () => {
      if (config.storage !== 'memory') {
        const stored = loadSession(host.storage, config, ctx.now());
        if (stored) await host.tabs.adopt(stored);
      }
      // A tab that renewed the generation this tab holds marked it before releasing the lock (a
      // Web Lock: no message can be overtaken by it); its session is on its way. Refreshing now
      // would reuse a rotated refresh token (and may get the whole grant revoked), so wait for
      // it, for a bounded time.
      let id = holder.current()?.id;
      if (id && (await host.marks.renewed(id))) {
        await holder.wait(id, TAB_WAIT_MS);
        id = holder.current()?.id;
      }
      try {
        return await fn();
      } finally {
        // Held before the lock is released, so the next tab to get the lock sees it.
        const now = holder.current();
        if (id && now && now.id !== id) await host.marks.mark(id);
      }
    });
  }

  async function renewLocked(request: TokenRequest, rejectedToken: string | undefined): Promise<string> {
    // Loading the provider's metadata can wait for the network, and another tab's renewal can
    // land meanwhile: decide what to renew, with which refresh token, only after it.
    let metadata: ProviderMetadata | undefined;
    try {
      if (holder.current()?.tokens.refreshToken) metadata = await host.metadata();
    } catch (err) {
      const session = holder.current();
      throw parts.failed(err, request, session !== null && satisfies(session.tokens, request));
    }
    const fresh = host.cached(request);
    // Someone (another request or tab) renewed since this renewal was asked for.
    if (fresh && (rejectedToken === undefined || fresh !== rejectedToken)) return fresh;
    const session = holder.current();
    if (!session) throw new AuthError('session_ended', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'The session ended before the renewal could start (logged out here or in another tab).' : '');
    const primary = satisfies(session.tokens, request);
    // Nothing can renew the login's token (no refresh token, no silent authentication): the
    // session is over, and nothing was tried (no renew_failed).
    if (primary && !parts.renewable(session)) throw parts.expire();
    try {
      const token = session.tokens.refreshToken
        ? await withRefreshToken(session, metadata ?? (await host.metadata()), request, primary)
        : await silently(request, primary);
      listener.event({ type: 'token_renewed', audience: request.audience, scope: request.scope });
      return token;
    } catch (err) {
      throw parts.failed(err, request, primary);
    }
  }

  async function withRefreshToken(session: StoredSession, metadata: ProviderMetadata, request: TokenRequest, primary: boolean): Promise<string> {
    let response;
    try {
      response = await refreshTokens(
        metadata.discovery,
        {
          refreshToken: session.tokens.refreshToken!,
          clientId: config.clientId,
          scope: primary ? undefined : request.scope,
          audience: request.audience,
          audienceParameter: config.audienceParameter,
        },
        ctx.fetch,
        ctx.features?.dpop?.(config),
      );
    } catch (err) {
      // An audience or scope the refresh token's grant does not cover (invalid_target,
      // invalid_scope, …) may still be granted by the provider's session.
      if (!primary && err instanceof AuthError && err.code === 'token_request_failed' && err.details.error && parts.canRenewSilently()) {
        return silently(request, false);
      }
      throw err;
    }
    let claims;
    // The new ID token could not be checked at all (JWKS unreachable or answering 5xx, network
    // error, timeout): no verdict on it, so the session stays (below).
    let unchecked: AuthError | undefined;
    if (response.id_token) {
      try {
        claims = await validateRefreshedIdToken(response.id_token, metadata.keys.resolve, session.tokens.claims, {
          issuer: metadata.discovery.issuer,
          clientId: config.clientId,
          clockSkewSeconds: config.clockSkewSeconds,
          now: ctx.now(),
          algorithms: metadata.discovery.id_token_signing_alg_values_supported,
        });
      } catch (err) {
        if (!(err instanceof AuthError && (err.code === 'jwks_failed' || err.code === 'network_error'))) {
          // A failed check (signature, iss, aud, sub, nonce, …): the provider has probably
          // rotated the refresh token already, and what it sent cannot be trusted: nothing of
          // this session can be renewed any more (`failed` ends it, after renew_failed).
          const error = err instanceof AuthError ? err : host.fail(err);
          parts.distrust(error);
          throw error;
        }
        unchecked = err;
      }
    }
    // Logged out (here or in another tab), or another login took its place, while the request
    // was out: nothing to renew. A newer generation of the same login (another tab's renewal of
    // another audience) is what the answer applies to.
    const current = holder.current();
    if (!current || loginOf(current) !== loginOf(session)) {
      throw new AuthError('session_ended', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'The session ended during the renewal.' : '');
    }
    // Without `claims` the session keeps its verified ID token and claims.
    const renewed = applyRefreshResponse(current, response, claims, request, primary, ctx.now());
    const pace = host.timer().retries();
    holder.set(renewed.session, true);
    if (unchecked) {
      // Decision: the new refresh token (the old one is probably dead: rotation) and access token
      // are kept, persisted and handed to the caller. The token endpoint issued them to this
      // client over TLS (RFC 6749 §6); only the ID token, which they do not depend on, is
      // unchecked. renew_failed reports it, and the renewal is retried with backoff.
      host.timer().schedule(unchecked, pace);
      listener.event({ type: 'renew_failed', error: unchecked, audience: request.audience, scope: request.scope });
    }
    return renewed.accessToken;
  }

  async function silently(request: TokenRequest, primary: boolean): Promise<string> {
    if (!parts.canRenewSilently()) {
      throw new AuthError(
        'renewal_unavailable',
        (typeof ngDevMode === 'undefined' || ngDevMode)
          ? 'No token for this audience or scope can be had without the user: there is no refresh token (ask for offline_access) and silent authentication is not configured (silentRedirectUri).'
          : '',
      );
    }
    const silent = ctx.features!.silent!;
    const result = await silent.login(
      ctx,
      config.silentRedirectUri!,
      {
        audience: request.audience,
        // prompt=none is an OpenID Connect request: without openid there is no ID token to check.
        scope: primary || request.scope === undefined ? undefined : [...new Set(['openid', ...normalizeScope(request.scope).split(' ')])].join(' '),
        // OIDC Core 1.0 §3.1.2.1: id_token_hint SHOULD accompany prompt=none (some providers
        // refuse it otherwise), and the provider then answers for this user only.
        idTokenHint: holder.current()?.tokens.idToken,
      },
      platform.runFrame!.bind(platform),
      config.silentTimeoutSeconds * 1000,
    );
    const session = holder.current();
    if (!session) throw new AuthError('session_ended', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'The session ended during silent authentication.' : '');
    const renewed = silent.apply(session, result, request, primary);
    holder.set(renewed.session, true);
    return renewed.accessToken;
  }
}
