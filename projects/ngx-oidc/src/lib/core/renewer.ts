import type { ClientListener } from './client';
import { normalizeScope } from './config';
import { AuthError, INTERACTION_ERRORS } from './errors';
import type { FlowContext } from './login-flow';
import type { ProviderMetadata } from './metadata-cache';
import type { AuthPlatform } from './platform';
import { loadProtocol, type Protocol } from './protocol-loader';
import type { RenewalTimer } from './renewal-timer';
import { loginOf, type SessionHolder } from './session-holder';
import { loadSession, type StoredSession } from './session-store';
import type { AuthStorage } from './storage';
import { TAB_WAIT_MS, type RenewalMarks, type TabSync } from './tab-sync';
import { requestKey, satisfies, type TokenRequest } from './token-cache';

/** What the renewer needs from the client. */
export interface RenewerHost {
  readonly ctx: FlowContext;
  readonly platform: AuthPlatform;
  readonly listener: ClientListener;
  readonly holder: SessionHolder;
  readonly tabs: TabSync;
  readonly marks: RenewalMarks;
  /** Where the session is persisted (re-read under the lock: another tab may have renewed). */
  readonly storage: AuthStorage;
  /** The issuer and client id naming the renewal lock (see `scopeName`). */
  readonly scope: string;
  timer(): RenewalTimer;
  metadata(): Promise<ProviderMetadata>;
  /** The cached access token for a request: fresh only, unless `any`. */
  cached(request: TokenRequest, any?: boolean): string | undefined;
  /** Reports an unexpected failure on the listener's `error`, as an `AuthError`. */
  fail(err: unknown): AuthError;
}

/** Renews access tokens: single-flight per audience and scope, across tabs, with the failure policy. */
export interface Renewer {
  /**
   * Renews the token for `request` (already normalised), or returns one another request or tab
   * renewed meanwhile; `rejectedToken` must not come back (forced, or refused by an API).
   */
  renew(request: TokenRequest, rejectedToken: string | undefined): Promise<string>;
  /** Whether anything can renew the session's token: a refresh token, the tab holding it, silent authentication. */
  renewable(session: StoredSession): boolean;
  canRenewSilently(): boolean;
  /**
   * Ends a session whose token nothing renewed: `session_expired` on `error`, then on events.
   * @param cause The renewal that failed; absent when nothing can renew.
   */
  expire(cause?: AuthError): AuthError;
}

/**
 * Creates the renewer of one client. A renewal, top to bottom: {@link Renewer.renew} joins a
 * renewal in flight for the same audience and scope, else asks the tab holding the refresh token
 * (`askHolder`), else takes the tabs' renewal lock (`withLock`: adopts what another tab stored,
 * waits for a renewal another tab marked), checks again whether a fresh token arrived meanwhile
 * (`renewLocked`), and renews by refresh token or silent authentication; a failure for good of
 * the login's own token ends the session (`failed`).
 */
export function createRenewer(host: RenewerHost): Renewer {
  const { ctx, platform, listener, holder } = host;
  const { config } = ctx;
  const inflight = new Map<string, Promise<string>>();
  /** Failures that end the session whatever token was renewed: the refresh answer was forged. */
  const untrusted = new WeakSet<AuthError>();
  /** This tab's renewals in order, when the platform has no tab-wide lock. */
  let queue: Promise<unknown> = Promise.resolve();

  function renew(request: TokenRequest, rejectedToken: string | undefined): Promise<string> {
    const key = requestKey(request);
    let flight = inflight.get(key);
    if (!flight) {
      flight = renewAnywhere(request, rejectedToken).finally(() => inflight.delete(key));
      inflight.set(key, flight);
    }
    return flight;
  }

  // A refresh token never crosses the tab channel: a tab that adopted its session from another
  // tab has none, and asks that tab first.
  async function renewAnywhere(request: TokenRequest, rejectedToken: string | undefined): Promise<string> {
    const session = holder.current();
    let token;
    try {
      token = await host.tabs.askHolder(request, rejectedToken);
    } catch (err) {
      throw failed(err, request, session !== null && satisfies(session.tokens, request));
    }
    return token ?? withLock(() => renewLocked(request, rejectedToken));
  }

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
    // The refresh's code (on demand: protocol.ts) loads alongside.
    let metadata: ProviderMetadata | undefined;
    let protocol: Protocol | undefined;
    try {
      if (holder.current()?.tokens.refreshToken) [metadata, protocol] = await Promise.all([host.metadata(), loadProtocol()]);
    } catch (err) {
      const session = holder.current();
      throw failed(err, request, session !== null && satisfies(session.tokens, request));
    }
    const fresh = host.cached(request);
    // Someone (another request or tab) renewed since this renewal was asked for.
    if (fresh && (rejectedToken === undefined || fresh !== rejectedToken)) return fresh;
    const session = holder.current();
    if (!session) throw new AuthError('session_ended', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'The session ended before the renewal could start (logged out here or in another tab).' : '');
    const primary = satisfies(session.tokens, request);
    // Nothing can renew the login's token (no refresh token, no silent authentication): the
    // session is over, and nothing was tried (no renew_failed).
    if (primary && !renewable(session)) throw expire();
    try {
      const token = session.tokens.refreshToken
        ? await withRefreshToken(session, metadata ?? (await host.metadata()), protocol ?? (await loadProtocol()), request, primary)
        : await silently(request, primary);
      listener.event({ type: 'token_renewed', audience: request.audience, scope: request.scope });
      return token;
    } catch (err) {
      throw failed(err, request, primary);
    }
  }

  /** Reports a failed renewal; the login's own token failing for good ends the session. */
  function failed(err: unknown, request: TokenRequest, primary: boolean): AuthError {
    const error = err instanceof AuthError ? err : host.fail(err);
    listener.event({ type: 'renew_failed', error, audience: request.audience, scope: request.scope });
    // The login's own token cannot be renewed without the user, or the provider's answer could
    // not be trusted (`untrusted`, any token): the session is over.
    if (holder.current() && ((primary && [...INTERACTION_ERRORS, 'user_changed', 'renewal_unavailable'].includes(error.code)) || untrusted.has(error))) {
      holder.end('session_expired', error);
    }
    return error;
  }

  async function withRefreshToken(session: StoredSession, metadata: ProviderMetadata, protocol: Protocol, request: TokenRequest, primary: boolean): Promise<string> {
    const { refreshTokens, validateRefreshedIdToken, applyRefreshResponse } = protocol;
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
      );
    } catch (err) {
      // An audience or scope the refresh token's grant does not cover (invalid_target,
      // invalid_scope, …) may still be granted by the provider's session.
      if (!primary && err instanceof AuthError && err.code === 'token_request_failed' && err.details.error && canRenewSilently()) {
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
          untrusted.add(error);
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

  function renewable(session: StoredSession): boolean {
    return session.tokens.refreshToken !== undefined || holder.delegated || canRenewSilently();
  }

  function canRenewSilently(): boolean {
    return config.silentRedirectUri !== undefined && platform.runFrame !== undefined && ctx.features?.silent !== undefined;
  }

  async function silently(request: TokenRequest, primary: boolean): Promise<string> {
    if (!canRenewSilently()) {
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

  function expire(cause?: AuthError): AuthError {
    const tokens = holder.current()?.tokens;
    const error = new AuthError(
      'session_expired',
      (typeof ngDevMode === 'undefined' || ngDevMode)
        ? (tokens && ctx.now() < (tokens.expiresAt ?? tokens.claims.exp * 1000)
            ? 'The access token had to be renewed (forceRefresh, or an API refused it) and '
            : 'The access token expired and ') +
          (cause
            ? `its renewal failed (${cause.code}: ${cause.message})`
            : 'nothing can renew it: there is no refresh token (' +
              (config.storage === 'local' && !config.refreshTokenInLocalStorage
                ? 'storage "local" keeps refresh tokens out of localStorage without refreshTokenInLocalStorage, or the login got none'
                : ` ${tokens?.requestedScope} `.includes(' offline_access ')
                  ? 'the provider issued none for offline_access'
                  : 'the scope has no offline_access') +
              ') and ' +
              (config.silentRedirectUri === undefined
                ? 'silent authentication is not configured (silentRedirectUri with withSilentAuthentication())'
                : 'this browser cannot run silent authentication (no frames)')) +
          '. The session is over: log in again.'
        : '',
      { cause },
    );
    holder.end('session_expired', error);
    return error;
  }

  return { renew, renewable, canRenewSilently, expire };
}
