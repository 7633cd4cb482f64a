import { matchAllowedUrl, type AllowedUrlMatcher } from './allowed-url';
import { normalizeScope, type ResolvedAuthConfig } from './config';
import { AuthError, type AuthErrorCode } from './errors';
import type { AuthEvent, LoginOutcome } from './events';
import { checkFeatures, type ProtocolFeatures } from './features';
import { buildLogoutUrl, completeLogin, isLoginCallback, startLogin, takeLogoutReturn, type FlowContext, type LoginOptions } from './login-flow';
import type { AuthPlatform, TabChannel } from './platform';
import { isProviderEndpoint, providerEndpoints } from './provider-endpoints';
import { createMetadataCache, type ProviderMetadata } from './metadata-cache';
import { refreshTokens, validateRefreshedIdToken } from './refresh';
import { revokeToken } from './revoke-token';
import { sanitizeReturnUrl } from './return-url';
import { timeCallback } from './timing';
import { clearSession, hasExpired, loadSession, saveSession, scopeName, type StoredSession } from './session-store';
import { checkSurvivesRedirect, MemoryStorage, openWebStorage, type AuthStorage } from './storage';
import { RenewalMarks, TAB_WAIT_MS, type TabMessage } from './tab-sync';
import { validateIdToken } from './id-token';
import { applyRefreshResponse } from './renewed-session';
import { isFresh, renewAt, requestKey, satisfies, type TokenRequest } from './token-cache';
import { generateRandom } from './random';
import type { DiscoveryDocument } from './types';
import { latestTransaction, purgeExpiredTransactions } from './transaction';

/** The longest delay `setTimeout` can hold (2^31 - 1 ms, ~24.8 days); a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The first retry after a failed renewal, and the longest (the wait doubles in between). */
const RETRY_MS = 5_000;
const MAX_RETRY_MS = 300_000;

/** How many URL answers the allowlist remembers per HTTP method, and for how many methods. */
const MATCH_CACHE_SIZE = 256;
const MATCH_CACHE_METHODS = 8;

/** What the client exposes; the Angular layer turns it into signals and observables. */
export interface ClientSnapshot {
  readonly isLoading: boolean;
  readonly session: StoredSession | null;
  readonly error: AuthError | null;
  readonly pending: { readonly nonce: string; readonly state: string } | null;
  /** What the callback of this page load came to; absent or `null` when none ran. */
  readonly loginOutcome?: LoginOutcome | null;
}

/** Receives the client's state changes and events. */
export interface ClientListener {
  update(patch: Partial<ClientSnapshot>): void;
  event(event: AuthEvent): void;
}

/** Options of {@link OidcClient.getAccessToken}. */
export interface AccessTokenOptions extends TokenRequest {
  /** Renew even if the cached token is still fresh. */
  readonly forceRefresh?: boolean;
}

/**
 * The relying party, framework-free: start-up and callback, login, logout, token cache and
 * renewal (refresh token, else silent authentication), single-flight across requests and tabs,
 * and tab synchronisation. The Angular `AuthService` is a thin wrapper around it.
 */
export class OidcClient {
  private readonly ctx: FlowContext;
  private readonly tokenStorage: AuthStorage;
  private readonly now: () => number;
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly channel?: TabChannel;
  /** What the tabs tell each other through Web Locks: who holds a refresh token, what was renewed. */
  private readonly marks: RenewalMarks;
  /** The issuer and client id naming the tab channel, renewal lock and marker (see `scopeName`). */
  private readonly scope: string;
  private readonly sessionWaiters = new Set<() => void>();
  /** Logins ended by a logout here or in another tab: their late session messages are ignored. */
  private readonly ended = new Set<string>();
  /** Tab messages, handled one at a time in order (adopting a session awaits its ID token's check). */
  private inbox: Promise<void> = Promise.resolve();
  /** The answer of the tab asked to renew (`renew_failed`), for the generation it was asked about. */
  private refusal?: { readonly from: string; readonly code: string };
  /** The session came from a tab holding its refresh token, which renews it for this one. */
  private delegated = false;
  private session: StoredSession | null = null;
  private endpoints: Set<string>;
  /** The discovery document the provider's endpoints were taken from. */
  private learned?: DiscoveryDocument;
  /** The provider's endpoints are known (discovery read): until then no access token leaves. */
  private known: boolean;
  private knowing?: Promise<void>;
  /** The allowlist's answers, per method, then per URL (no key to build per request). */
  private readonly matches = new Map<string, Map<string, AllowedUrlMatcher | null>>();
  private ready = false;
  private cancelTimer?: () => void;
  private initialized?: Promise<void>;
  private destroyed = false;

  /**
   * @param features The optional protocol parts the app provided (`withImplicitFlow()`, …).
   * @throws {AuthError} `invalid_configuration` when the configuration needs a feature that
   *   is missing.
   */
  constructor(
    readonly config: ResolvedAuthConfig,
    private readonly platform: AuthPlatform,
    private readonly listener: ClientListener,
    features: ProtocolFeatures = {},
  ) {
    checkFeatures(config, features);
    this.now = () => platform.now?.() ?? Date.now();
    // On a server there is no browser storage; memory keeps every code path the same.
    const transactions = platform.server ? new MemoryStorage() : openWebStorage('session', platform.warn);
    this.ctx = { config, fetch: platform.fetch, transactions, now: this.now, features, metadata: createMetadataCache(config.authority, platform.fetch, transactions, this.now) };
    this.tokenStorage =
      typeof config.storage === 'object'
        ? config.storage
        : config.storage === 'memory' || platform.server
          ? new MemoryStorage()
          : openWebStorage(config.storage, platform.warn);
    this.endpoints = providerEndpoints(config.authority);
    // Without an allowlist no request gets the token: nothing to protect.
    this.known = !config.allowedUrls.length;
    this.scope = scopeName(config);
    this.marks = new RenewalMarks(platform.locks, this.scope);
    this.channel = platform.openChannel?.(`ngx-oidc:${this.scope}`);
    this.channel?.onMessage((message) => this.receive(message as TabMessage));
  }

  /** Restores a stored session, then completes a login when loaded on the redirect URI. Idempotent; never rejects. */
  initialize(): Promise<void> {
    this.initialized ??= this.runInitialize();
    return this.initialized;
  }

  /**
   * Redirects to the provider to log in.
   * @throws {AuthError} (also reported to the listener); nothing is stored when it throws.
   */
  async login(options: LoginOptions = {}): Promise<void> {
    if (this.platform.server) return; // the browser logs in; a server render cannot redirect
    try {
      // Before anything is sent: a transaction only in memory is gone when the provider answers.
      checkSurvivesRedirect(this.ctx.transactions);
      const returnUrl = sanitizeReturnUrl(options.returnUrl ?? this.currentPath(), this.config.appOrigin);
      const { url, transaction } = await startLogin(this.ctx, { ...options, returnUrl });
      this.listener.update({ pending: { nonce: transaction.nonce, state: transaction.state } });
      this.listener.event({ type: 'login_started' });
      this.platform.assign(url);
    } catch (err) {
      throw this.fail(err);
    }
  }

  /**
   * Forgets the session in this tab and every other tab of the app, revokes its refresh token
   * at the provider's `revocation_endpoint` (if advertised; a failure is the `revoke_failed`
   * event), then (unless `localOnly`) ends the provider's session through its
   * `end_session_endpoint`.
   */
  async logout(options: { readonly localOnly?: boolean } = {}): Promise<void> {
    const tokens = this.session?.tokens;
    const login = this.session ? loginOf(this.session) : undefined;
    if (login) this.ended.add(login);
    this.endSession('logged_out');
    this.channel?.post({ type: 'logout', login } satisfies TabMessage);
    this.listener.update({ error: null, pending: null });
    // RFC 7009 §2.1: end the refresh token's grant with the session, also when the provider's
    // session stays (localOnly, no end_session_endpoint); before leaving the page, which would
    // cancel the request. It never holds back the local logout, already done.
    if (tokens?.refreshToken) {
      try {
        await revokeToken((await this.loadMetadata()).discovery, tokens.refreshToken, this.config.clientId, this.ctx.fetch);
      } catch (err) {
        this.listener.event({ type: 'revoke_failed', error: err instanceof AuthError ? err : this.fail(err) });
      }
    }
    if (options.localOnly) return;
    let url: string | undefined;
    try {
      url = await buildLogoutUrl(this.ctx, tokens?.idToken);
    } catch (err) {
      // The local session is gone either way; the provider's session may outlive it.
      this.fail(err);
      return;
    }
    if (url) this.platform.assign(url);
  }

  /**
   * Returns a valid access token for an audience and scope (default: the login's), renewing it
   * when it is missing, stale or `forceRefresh` is set. Concurrent calls for the same audience
   * and scope share one renewal, and so do the app's tabs.
   *
   * @returns The access token, or `null` when nobody is logged in.
   * @throws {AuthError} `session_expired` (the login's token expired, or must be renewed, and
   *   nothing can renew it: the session ends), `login_required` (session over), `consent_required`,
   *   `interaction_required`, `timeout`, `token_request_failed`, `network_error`, …;
   *   `invalid_configuration` with `responseType: 'id_token'`, which has no access token.
   */
  async getAccessToken(options: AccessTokenOptions = {}): Promise<string | null> {
    await this.initialize();
    if (!this.session) return null;
    // A tab that restored or adopted its session has not read discovery yet: learn the
    // provider's endpoints before the interceptor can send the token anywhere.
    if (!this.known) await this.protect();
    if (this.config.responseType === 'id_token') {
      // OIDC Core 1.0 §3.2.2.5: response_type=id_token issues no access token, ever.
      throw new AuthError(
        'invalid_configuration',
        (typeof ngDevMode === 'undefined' || ngDevMode) ? 'responseType "id_token" never returns an access token; use "code" (or "id_token token") to call APIs.' : '',
        { option: 'responseType', actual: 'id_token' },
      );
    }
    const request = this.normalize(options);
    if (!options.forceRefresh) {
      const cached = this.cached(request);
      if (cached) return cached;
    }
    return this.renew(request, options.forceRefresh ? (this.cached(request, true) ?? '') : undefined);
  }

  /**
   * After an API refused `rejectedToken` (401 invalid_token): returns a different valid token
   * for the request, renewing at most once however many requests failed together.
   */
  async renewAfterRejection(rejectedToken: string, request: TokenRequest): Promise<string | null> {
    if (!this.session) return null;
    const normalized = this.normalize(request);
    const current = this.cached(normalized);
    if (current && current !== rejectedToken) return current;
    return this.renew(normalized, rejectedToken);
  }

  /**
   * The allowlist entry a request may send the token to; never a provider endpoint, under any
   * spelling (see `isProviderEndpoint`), and before discovery none once a token is asked for
   * (`getAccessToken` learns them first). A relative `url` resolves against the app's origin;
   * the interceptor passes it resolved as `HttpClient` sends it.
   */
  matchAllowedUrl(url: string, method: string): AllowedUrlMatcher | undefined {
    if (this.config.allowedUrls.length === 0) return undefined;
    // Every HttpClient request asks; parsing the URL is the cost, so answers are remembered
    // per method + URL (bounded, and forgotten when the provider's endpoints become known).
    let byUrl = this.matches.get(method);
    const known = byUrl?.get(url);
    if (known !== undefined) return known ?? undefined;
    const match = isProviderEndpoint(this.endpoints, url, this.config.appOrigin)
      ? undefined
      : matchAllowedUrl(this.config.allowedUrls, url, method, this.config.appOrigin);
    if (!byUrl || byUrl.size >= MATCH_CACHE_SIZE) {
      // Bounded: a full list, or one method too many, starts over.
      if (!byUrl && this.matches.size >= MATCH_CACHE_METHODS) this.matches.clear();
      this.matches.set(method, (byUrl = new Map()));
    }
    byUrl.set(url, match ?? null);
    return match;
  }

  /**
   * The cached access token for a request if it is fresh and start-up is done, else
   * `undefined`; never renews, never waits. The interceptor's fast path.
   */
  peekAccessToken(request: TokenRequest = {}): string | undefined {
    if (!this.ready || !this.known || !this.session || this.config.responseType === 'id_token') return undefined;
    return this.cached(this.normalize(request));
  }

  /** Stops timers and the tab channel. */
  destroy(): void {
    this.destroyed = true;
    this.cancelTimer?.();
    this.channel?.close();
    this.marks.release();
  }

  private async runInitialize(): Promise<void> {
    if (this.platform.server) {
      // Server rendering: anonymous, and the callback (if any) is the browser's to complete.
      this.listener.update({ isLoading: false });
      return;
    }
    const now = this.now();
    purgeExpiredTransactions(this.ctx.transactions, now);
    const restored = loadSession(this.tokenStorage, this.config);
    // Its access token expired and no refresh token can renew it: held, unannounced and without
    // a timer, until silent authentication renews it or it ends (below).
    const expired = restored !== null && hasExpired(restored, now);
    if (expired) this.session = restored;
    else if (restored) this.setSession(restored, false);
    // Every tab protects the provider's endpoints from start-up: with the metadata cached
    // before the redirect, else (a session to protect) read now, without holding start-up.
    const discovery = this.ctx.metadata.known()?.discovery;
    if (discovery) this.learn(discovery);
    else if (restored && !this.known) this.protect().catch(() => undefined);
    const href = this.platform.href();
    // RP-Initiated Logout 1.0 §3: back from this client's logout, with its state: not a login
    // response, whatever the path.
    const loggedOut = takeLogoutReturn(this.ctx, href);
    if (loggedOut !== undefined) {
      this.platform.replaceUrl(loggedOut);
    } else if (isLoginCallback(this.ctx, href)) {
      // RFC 9700 §4.2.4: the code and state leave the address bar (history, Referer) before
      // anything else runs.
      this.platform.replaceUrl(new URL(this.config.redirectUri).pathname);
      await this.handleCallback(href);
    } else if (!restored) {
      // A login started before this page load (another tab, or one the user walked away from)
      // is still pending; once someone is logged in it is only noise.
      const pending = latestTransaction(this.ctx.transactions, now);
      if (pending) this.listener.update({ pending: { nonce: pending.nonce, state: pending.state } });
    }
    // A reload never logs the user out without a word; isLoading stays true meanwhile, so
    // guards wait for the outcome.
    if (expired && this.session === restored) await this.revive();
    this.ready = true;
    this.listener.update({ isLoading: false });
  }

  /**
   * A restored session whose access token expired with no refresh token: silent authentication,
   * if configured, renews it (`token_renewed`; it fails within `silentTimeoutSeconds`); else, or
   * when that fails (`renew_failed`), the session ends with `session_expired`.
   */
  private async revive(): Promise<void> {
    let cause: AuthError | undefined;
    if (this.canRenewSilently()) {
      try {
        return void (await this.renew(this.normalize({}), undefined));
      } catch (err) {
        cause = err as AuthError;
      }
    }
    // login_required, consent_required and interaction_required ended it already; after any
    // other failure (timeout, network) its token is still of no use.
    if (this.session) this.expire(cause);
  }

  private async handleCallback(href: string): Promise<void> {
    const timing = timeCallback(this.ctx.fetch);
    try {
      const { tokens, user, transaction, discovery } = await completeLogin({ ...this.ctx, fetch: timing.fetch }, href);
      this.learn(discovery);
      // A login id, kept through renewals: a logout names it, so other tabs ignore its late messages.
      this.setSession({ tokens, user, login: generateRandom() }, true);
      // The outcome stays readable after start-up (the app subscribes to events$ too late).
      const outcome: LoginOutcome = transaction.appState === undefined ? { type: 'login_completed' } : { type: 'login_completed', appState: transaction.appState };
      this.listener.update({ error: null, pending: null, loginOutcome: outcome });
      this.listener.event(outcome);
      this.platform.replaceUrl(sanitizeReturnUrl(transaction.returnUrl, this.config.appOrigin));
    } catch (err) {
      // Nothing of a failed callback is installed, and a session already here stays: anyone can
      // link to the redirect URI with a state no login sent (RFC 6749 §10.12), and that must not
      // log the user out, here or in the tabs sharing its storage.
      const error = this.fail(err);
      const outcome: LoginOutcome = { type: 'login_failed', error };
      this.listener.update({ pending: null, loginOutcome: outcome });
      this.listener.event(outcome);
      this.platform.replaceUrl('/');
    } finally {
      timing.done();
    }
  }

  /** Fills in the login's audience; the login's scope is implied by omitting it. */
  private normalize(request: TokenRequest): TokenRequest {
    return { audience: request.audience !== undefined ? request.audience : this.session?.tokens.audience, scope: request.scope };
  }

  /**
   * The cached access token for a request: fresh only, unless `any`. Allocates nothing: the
   * interceptor asks on every request.
   */
  private cached(request: TokenRequest, any = false): string | undefined {
    const session = this.session;
    if (!session) return undefined;
    // Without a way to renew, a token serves until it expires (the timer then ends the session).
    const lead = this.renewable(session) ? this.config.renewLeadSeconds : 0;
    const now = this.now();
    const { tokens } = session;
    if (tokens.accessToken && satisfies(tokens, request) && (any || isFresh(tokens, now, lead))) return tokens.accessToken;
    for (const entry of session.extra ?? []) {
      if (satisfies(entry, request) && (any || isFresh(entry, now, lead))) return entry.accessToken;
    }
    return undefined;
  }

  private renew(request: TokenRequest, rejectedToken: string | undefined): Promise<string> {
    const key = requestKey(request);
    let flight = this.inflight.get(key);
    if (!flight) {
      flight = this.renewAnywhere(request, rejectedToken).finally(() => this.inflight.delete(key));
      this.inflight.set(key, flight);
    }
    return flight;
  }

  /**
   * Renews here, or asks the tab holding the refresh token to: a refresh token never crosses
   * the tab channel, so a tab that adopted its session from another tab has none.
   */
  private async renewAnywhere(request: TokenRequest, rejectedToken: string | undefined): Promise<string> {
    const session = this.session;
    if (session?.id && this.delegated && !session.tokens.refreshToken && this.channel) {
      if (await this.marks.holderExists()) {
        const from = session.id;
        this.refusal = undefined;
        this.channel.post({ type: 'renew', from, audience: request.audience, scope: request.scope, force: rejectedToken !== undefined } satisfies TabMessage);
        await this.waitForNewGeneration(from, TAB_WAIT_MS);
        const refusal = this.takeRefusal(from);
        if (refusal) {
          const error = new AuthError(refusal.code as AuthErrorCode, (typeof ngDevMode === 'undefined' || ngDevMode) ? `The tab holding the refresh token could not renew it (${refusal.code}).` : '');
          throw this.renewFailed(error, request, satisfies(session.tokens, request));
        }
        const token = this.cached(request);
        if (token && token !== rejectedToken) return token;
        // No answer in time (that tab closed mid-renewal): renew here if anything can.
      } else {
        // The tabs holding the refresh token are gone: the token serves until it expires.
        this.delegated = false;
        this.schedule();
      }
    }
    return this.withLock(() => this.renewLocked(request, rejectedToken));
  }

  private async withLock<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.platform.withLock) return fn();
    return this.platform.withLock<T>(`ngx-oidc:renew:${this.scope}`, async () => {
      if (this.config.storage !== 'memory') {
        const stored = loadSession(this.tokenStorage, this.config, this.now());
        if (stored) await this.adopt(stored, false, false);
      }
      // A tab that renewed the generation this tab holds marked it before releasing the lock (a
      // Web Lock: no message can be overtaken by it); its session is on its way. Refreshing now
      // would reuse a rotated refresh token (and may get the whole grant revoked), so wait for
      // it, for a bounded time.
      let id = this.session?.id;
      if (id && (await this.marks.renewed(id))) {
        await this.waitForNewGeneration(id, TAB_WAIT_MS);
        id = this.session?.id;
      }
      try {
        return await fn();
      } finally {
        // Held before the lock is released, so the next tab to get the lock sees it.
        if (id && this.session && this.session.id !== id) await this.marks.mark(id);
      }
    });
  }

  private async renewLocked(request: TokenRequest, rejectedToken: string | undefined): Promise<string> {
    // Loading the provider's metadata can wait for the network, and another tab's renewal can
    // land meanwhile: decide what to renew, with which refresh token, only after it.
    let metadata: ProviderMetadata | undefined;
    try {
      if (this.session?.tokens.refreshToken) metadata = await this.loadMetadata();
    } catch (err) {
      throw this.renewFailed(err, request, this.session !== null && satisfies(this.session.tokens, request));
    }
    const fresh = this.cached(request);
    // Someone (another request or tab) renewed since this renewal was asked for.
    if (fresh && (rejectedToken === undefined || fresh !== rejectedToken)) return fresh;
    const session = this.session;
    if (!session) throw new AuthError('login_required', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'Nobody is logged in.' : '');
    const primary = satisfies(session.tokens, request);
    // Nothing can renew the login's token (no refresh token, no silent authentication): the
    // session is over, and nothing was tried (no renew_failed).
    if (primary && !this.renewable(session)) throw this.expire();
    try {
      const token = session.tokens.refreshToken
        ? await this.renewWithRefreshToken(session, metadata ?? (await this.loadMetadata()), request, primary)
        : await this.renewSilently(request, primary);
      this.listener.event({ type: 'token_renewed', audience: request.audience, scope: request.scope });
      return token;
    } catch (err) {
      throw this.renewFailed(err, request, primary);
    }
  }

  /** Reports a failed renewal; the login's own token failing for good ends the session. */
  private renewFailed(err: unknown, request: TokenRequest, primary: boolean): AuthError {
    const error = err instanceof AuthError ? err : this.fail(err);
    this.listener.event({ type: 'renew_failed', error, audience: request.audience, scope: request.scope });
    // The login's own token cannot be renewed without the user: the session is over.
    if (primary && this.session && ['login_required', 'consent_required', 'interaction_required'].includes(error.code)) {
      this.endSession('session_expired', error);
    }
    return error;
  }

  /** Loads the provider's endpoints once (retried after a failure). */
  private protect(): Promise<void> {
    return (this.knowing ??= this.loadMetadata().then(
      (metadata) => this.learn(metadata.discovery),
      (err) => {
        this.knowing = undefined;
        throw err;
      },
    ));
  }

  /** The allowlist never matches these endpoints from now on (RFC 6750 §5.3, RFC 9700 §4.9). */
  private learn(discovery: DiscoveryDocument): void {
    this.learned = discovery;
    this.endpoints = providerEndpoints(this.config.authority, discovery);
    this.matches.clear();
    this.known = true;
  }

  private async loadMetadata(): Promise<ProviderMetadata> {
    const metadata = await this.ctx.metadata.load();
    // Discovery read again (once an hour) may move an endpoint: protect it where it is now.
    if (metadata.discovery !== this.learned) this.learn(metadata.discovery);
    return metadata;
  }

  private async renewWithRefreshToken(session: StoredSession, metadata: ProviderMetadata, request: TokenRequest, primary: boolean): Promise<string> {
    let response;
    try {
      response = await refreshTokens(
        metadata.discovery,
        {
          refreshToken: session.tokens.refreshToken!,
          clientId: this.config.clientId,
          scope: primary ? undefined : request.scope,
          audience: request.audience,
          audienceParameter: this.config.audienceParameter,
        },
        this.ctx.fetch,
      );
    } catch (err) {
      // An audience or scope the refresh token's grant does not cover (invalid_target,
      // invalid_scope, …) may still be granted by the provider's session.
      if (!primary && err instanceof AuthError && err.code === 'token_request_failed' && err.details.error && this.canRenewSilently()) {
        return this.renewSilently(request, false);
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
          clientId: this.config.clientId,
          clockSkewSeconds: this.config.clockSkewSeconds,
          now: this.now(),
          algorithms: metadata.discovery.id_token_signing_alg_values_supported,
        });
      } catch (err) {
        if (err instanceof AuthError && (err.code === 'jwks_failed' || err.code === 'network_error')) {
          unchecked = err;
        } else {
          // A failed check (signature, iss, aud, sub, nonce, …): the provider has probably
          // rotated the refresh token already, and what it sent cannot be trusted: nothing of
          // this session can be renewed any more.
          if (this.session) {
            // The error is set before session_expired is emitted, as on every path that ends it.
            this.fail(err);
            this.endSession('session_expired');
          }
          throw err;
        }
      }
    }
    // Logged out (here or in another tab) while the request was out: nothing to renew.
    if (!this.session) throw new AuthError('login_required', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'The session ended during the renewal.' : '');
    // Without `claims` the session keeps its verified ID token and claims.
    const renewed = applyRefreshResponse(session, response, claims, request, primary, this.now());
    const retries = this.retries;
    this.setSession(renewed.session, true);
    if (unchecked) {
      // Decision: the new refresh token (the old one is probably dead: rotation) and access token
      // are kept, persisted and handed to the caller. The token endpoint issued them to this
      // client over TLS (RFC 6749 §6); only the ID token, which they do not depend on, is
      // unchecked. renew_failed reports it, and the renewal is retried with backoff.
      this.retries = retries;
      this.schedule(unchecked);
      this.listener.event({ type: 'renew_failed', error: unchecked, audience: request.audience, scope: request.scope });
    }
    return renewed.accessToken;
  }

  private renewable(session: StoredSession): boolean {
    return session.tokens.refreshToken !== undefined || this.delegated || this.canRenewSilently();
  }

  private canRenewSilently(): boolean {
    return this.config.silentRedirectUri !== undefined && this.platform.runFrame !== undefined && this.ctx.features?.silent !== undefined;
  }

  private async renewSilently(request: TokenRequest, primary: boolean): Promise<string> {
    if (!this.canRenewSilently()) {
      throw new AuthError(
        'login_required',
        (typeof ngDevMode === 'undefined' || ngDevMode)
          ? 'The access token expired and cannot be renewed: there is no refresh token (ask for offline_access) and silent authentication is not configured (silentRedirectUri).'
          : '',
      );
    }
    const silent = this.ctx.features!.silent!;
    const result = await silent.login(
      this.ctx,
      this.config.silentRedirectUri!,
      {
        audience: request.audience,
        // prompt=none is an OpenID Connect request: without openid there is no ID token to check.
        scope: primary || request.scope === undefined ? undefined : withOpenid(request.scope),
        // OIDC Core 1.0 §3.1.2.1: id_token_hint SHOULD accompany prompt=none (some providers
        // refuse it otherwise), and the provider then answers for this user only.
        idTokenHint: this.session?.tokens.idToken,
      },
      this.platform.runFrame!.bind(this.platform),
      this.config.silentTimeoutSeconds * 1000,
    );
    const session = this.session;
    if (!session) throw new AuthError('login_required', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'The session ended during silent authentication.' : '');
    const renewed = silent.apply(session, result, request, primary);
    this.setSession(renewed.session, true);
    return renewed.accessToken;
  }

  /** Installs a session: state, storage, other tabs, renewal timer. */
  private setSession(session: StoredSession, announce: boolean): void {
    if (announce) session = { ...session, id: generateRandom() };
    this.session = session;
    this.listener.update({ session });
    this.marks.holdRefreshToken(session.tokens.refreshToken !== undefined);
    if (announce) {
      this.persist(session);
      this.announce(session);
    }
    this.schedule();
    this.sessionWaiters.forEach((check) => check());
  }

  /**
   * Sends a session to the other tabs without its refresh token, which stays in this tab (and
   * the storage the app chose for it): they ask this one to renew (`holder`), and a script
   * listening to the channel gets none.
   */
  private announce(session: StoredSession): void {
    const { refreshToken, ...tokens } = session.tokens;
    this.channel?.post({ type: 'session', session: { ...session, tokens }, holder: refreshToken !== undefined } satisfies TabMessage);
  }

  /** Forgets the session (state, storage, timer); `error`, if given, is set in the same update, before the event. */
  private endSession(event: 'logged_out' | 'session_expired' | undefined, error?: AuthError): void {
    const had = this.session !== null;
    this.session = null;
    this.delegated = false;
    this.marks.holdRefreshToken(false);
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    clearSession(this.tokenStorage, this.config);
    this.listener.update(error ? { session: null, error } : { session: null });
    if (event && had) this.listener.event({ type: event });
    this.sessionWaiters.forEach((check) => check());
  }

  /**
   * Ends a session whose token nothing renewed: `session_expired` on `error`, then on events.
   * @param cause The renewal that failed; absent when nothing can renew (no refresh token, no
   *   silent authentication).
   */
  private expire(cause?: AuthError): AuthError {
    const tokens = this.session?.tokens;
    const error = new AuthError(
      'session_expired',
      (typeof ngDevMode === 'undefined' || ngDevMode)
        ? (tokens && this.now() < (tokens.expiresAt ?? tokens.claims.exp * 1000)
            ? 'The access token had to be renewed (forceRefresh, or an API refused it) and '
            : 'The access token expired and ') +
          (cause
            ? `its renewal failed (${cause.code}: ${cause.message})`
            : 'nothing can renew it: there is no refresh token (' +
              (this.config.storage === 'local' && !this.config.refreshTokenInLocalStorage
                ? 'storage "local" keeps refresh tokens out of localStorage without refreshTokenInLocalStorage, or the login got none'
                : ` ${tokens?.requestedScope} `.includes(' offline_access ')
                  ? 'the provider issued none for offline_access'
                  : 'the scope has no offline_access') +
              ') and ' +
              (this.config.silentRedirectUri === undefined
                ? 'silent authentication is not configured (silentRedirectUri with withSilentAuthentication())'
                : 'this browser cannot run silent authentication (no frames)')) +
          '. The session is over: log in again.'
        : '',
      { cause },
    );
    this.endSession('session_expired', error);
    return error;
  }

  private persist(session: StoredSession): void {
    if (this.config.storage === 'memory') return;
    // The refresh token stays out of localStorage unless the app opted in.
    const keepRefresh = this.config.storage !== 'local' || this.config.refreshTokenInLocalStorage;
    const stored = keepRefresh ? session : { ...session, tokens: { ...session.tokens, refreshToken: undefined } };
    try {
      saveSession(this.tokenStorage, this.config, stored);
    } catch (err) {
      // A real problem in production too, so a short text stays there.
      this.platform.warn((typeof ngDevMode === 'undefined' || ngDevMode) ? `ngx-oidc: ${(err as Error).message} The session lives in memory only.` : 'ngx-oidc: storage_error');
    }
  }

  /** Renewals in a row that failed and left the session in place: they pace the retries. */
  private retries = 0;

  /**
   * Renews the login's token ahead of expiry (`autoRenew`), or ends the session when it
   * expires and nothing can renew it. A renewal that failed and left the session in place
   * (`failed`: `network_error`, a 5xx, `timeout`, an unreachable JWKS, …) is retried after
   * 5 s, 10 s, 20 s, … (at most 5 min), while that is before the token expires; past that a
   * refresh token renews on demand, and without one the session ends at expiry. Any other
   * session installed (renewed, adopted, logged in) resets the pace.
   */
  private schedule(failed?: AuthError): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const session = this.session;
    if (!session || this.destroyed) return;
    const expiry = session.tokens.expiresAt ?? session.tokens.claims.exp * 1000;
    const retryAt = this.now() + Math.min(RETRY_MS * 2 ** this.retries, MAX_RETRY_MS);
    this.retries = failed ? this.retries + 1 : 0;
    const renew = this.renewable(session) && (!failed || retryAt < expiry);
    if (renew ? !this.config.autoRenew : session.tokens.refreshToken) return;
    const at = !renew ? expiry : failed ? retryAt : renewAt(session.tokens, this.config.renewLeadSeconds);
    if (at === undefined) return;
    const setTimer =
      this.platform.setTimer?.bind(this.platform) ??
      ((fn: () => void, ms: number) => {
        const id = setTimeout(fn, ms);
        return () => clearTimeout(id);
      });
    const delay = Math.max(0, at - this.now());
    this.cancelTimer = setTimer(() => {
      this.cancelTimer = undefined;
      // Woken early because the wait was longer than a timer can hold: wait the rest.
      if (delay > MAX_TIMER_MS && this.now() < at) return this.schedule(failed);
      if (!renew) return void this.expire(failed);
      // Failures are reported through events and state; nobody awaits this renewal. One that
      // left the session as it was (timeout, network) is retried, or arms the end at expiry.
      this.getAccessToken({ forceRefresh: true }).catch((err: AuthError) => {
        if (this.session === session) this.schedule(err);
      });
    }, Math.min(delay, MAX_TIMER_MS));
  }

  private receive(message: TabMessage): void {
    // One at a time, in order: a session's ID token is verified before it is adopted, and a
    // logout posted after it must not overtake it.
    this.inbox = this.inbox.then(() => this.handle(message)).catch(() => undefined);
  }

  private async handle(message: TabMessage): Promise<void> {
    switch (message?.type) {
      case 'logout':
        if (message.login) this.ended.add(message.login);
        return this.endSession('logged_out');
      case 'renew':
        // Asked by a tab without the refresh token; answered whether or not this tab renews.
        if (this.session?.tokens.refreshToken) void this.renewFor(message);
        return;
      case 'renew_failed':
        if (message.from === this.session?.id) {
          this.refusal = message;
          this.sessionWaiters.forEach((check) => check());
        }
        return;
      case 'session':
      case 'reload': {
        const holder = message.type === 'session' && message.holder === true;
        const session = message.type === 'session' ? message.session : loadSession(this.tokenStorage, this.config, this.now());
        if (session?.tokens && (await this.adopt(session, holder, message.type === 'session'))) {
          this.listener.update({ error: null, pending: null });
          this.listener.event({ type: 'session_synced' });
        }
      }
    }
  }

  /** Renews for a tab that has no refresh token, and sends it the session (or the failure). */
  private async renewFor(message: Extract<TabMessage, { type: 'renew' }>): Promise<void> {
    const { from, audience, scope } = message;
    try {
      // That tab's generation is this one's: its token is this one's, replaced when forced.
      await this.getAccessToken({ audience, scope, forceRefresh: message.force && this.session?.id === from });
      const session = this.session;
      if (session) this.announce(session);
    } catch (err) {
      this.channel?.post({ type: 'renew_failed', from, code: err instanceof AuthError ? err.code : 'invalid_response' } satisfies TabMessage);
    }
  }

  /**
   * Takes over a session another tab produced, once its ID token verifies (signature with the
   * provider's keys, `iss`, `aud`): anything on the origin can post to the channel or write to
   * storage. Newer generations only; never one of a login that was logged out.
   *
   * @param holder The sending tab holds the refresh token (and renews for this one): this tab's
   *   own refresh token, if any, may have been rotated by it and is dropped.
   * @param fromChannel A channel message never brings a refresh token; storage may.
   * @returns Whether the session was adopted.
   */
  private async adopt(session: StoredSession, holder: boolean, fromChannel: boolean): Promise<boolean> {
    const mine = this.session;
    const login = loginOf(session);
    if (login && this.ended.has(login)) return false;
    // A late message about an older generation must not undo a newer one.
    const stale = (current: StoredSession | null) =>
      current !== null && current.tokens.claims.sub === session.tokens.claims.sub && (session.tokens.obtainedAt < current.tokens.obtainedAt || session.id === current.id);
    if (stale(mine)) return false;
    let claims;
    try {
      const { discovery, keys } = await this.loadMetadata();
      const { tokens } = session;
      // Checked as of its own issue time: an ID token outlives its exp in a session renewed by
      // refresh tokens; what matters here is who signed it, for whom, about whom.
      claims = await validateIdToken(tokens.idToken, keys.resolve, {
        issuer: discovery.issuer,
        clientId: this.config.clientId,
        nonce: tokens.claims.nonce,
        nonceRequired: false,
        clockSkewSeconds: this.config.clockSkewSeconds,
        now: tokens.claims.iat * 1000,
        algorithms: discovery.id_token_signing_alg_values_supported,
      });
      if (claims.sub !== tokens.claims.sub || session.user['sub'] !== claims.sub) throw new AuthError('invalid_response', '');
    } catch (err) {
      const code = err instanceof AuthError ? err.code : 'invalid_response';
      this.platform.warn((typeof ngDevMode === 'undefined' || ngDevMode) ? `ngx-oidc: ignored a session from another tab whose ID token does not verify (${code}).` : `ngx-oidc: ${code}`);
      return false;
    }
    const current = this.session;
    if (stale(current) || (login && this.ended.has(login))) return false;
    const own = current && loginOf(current) === login && !holder ? current.tokens.refreshToken : undefined;
    const refreshToken = (fromChannel ? undefined : session.tokens.refreshToken) ?? own;
    this.delegated = holder && refreshToken === undefined;
    this.setSession({ ...session, tokens: { ...session.tokens, claims, refreshToken } }, false);
    return true;
  }

  /** The `renew_failed` answer about generation `from`, once. */
  private takeRefusal(from: string): { readonly code: string } | undefined {
    const refusal = this.refusal;
    this.refusal = undefined;
    return refusal?.from === from ? refusal : undefined;
  }

  /**
   * Resolves once this tab holds a session generation other than `id` (or none), the tab asked
   * to renew it refused, or after `ms`.
   */
  private waitForNewGeneration(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.session?.id !== id || this.refusal?.from === id) done();
      };
      const timer = setTimeout(() => done(), ms);
      const done = () => {
        clearTimeout(timer);
        this.sessionWaiters.delete(check);
        resolve();
      };
      this.sessionWaiters.add(check);
      check();
    });
  }

  private currentPath(): string {
    const url = new URL(this.platform.href());
    return url.pathname + url.search + url.hash;
  }

  private fail(err: unknown): AuthError {
    const error =
      err instanceof AuthError
        ? err
        : new AuthError('invalid_response', (typeof ngDevMode === 'undefined' || ngDevMode) ? `Unexpected failure: ${err instanceof Error ? err.message : String(err)}` : '', { cause: err });
    this.listener.update({ error });
    return error;
  }
}

function withOpenid(scope: string): string {
  return [...new Set(['openid', ...normalizeScope(scope).split(' ')])].join(' ');
}

/** The login a session belongs to (older sessions have no login id: their generation stands in). */
function loginOf(session: StoredSession): string | undefined {
  return session.login ?? session.id;
}
