import type { AllowedUrlMatcher } from './allowed-url';
import type { AccessTokenOptions, ClientListener } from './client-types';
import type { ResolvedAuthConfig } from './config';
import type { Dpop } from './dpop/dpop';
import { AuthError } from './errors';
import type { ProtocolFeatures } from './features';
import type { FlowContext, LoginOptions } from './login-flow';
import { createMetadataCache, type ProviderMetadata } from './metadata-cache';
import type { AuthPlatform } from './platform';
import type { PopupClientHost } from './popup-feature';
import type { PopupLoginOptions } from './popup-login';
import { loadProtocol } from './protocol-loader';
import { createRenewalTimer, type RenewalTimer } from './renewal-timer';
import { createRenewer, type Renewer } from './renewer';
import { createRequestAllowlist, type RequestAllowlist } from './request-allowlist';
import { sanitizeReturnUrl } from './return-url';
import { createSessionHolder, loginOf, type SessionHolder } from './session-holder';
import { scopeName } from './session-store';
import { checkSurvivesRedirect, MemoryStorage, openWebStorage, type AuthStorage } from './storage';
import { createTabSync, RenewalMarks, type TabSync } from './tab-sync';
import { findToken, type TokenRequest } from './token-cache';
import { startUp } from './start-up';

// The client's listener and options are in client-types.ts; importers of client.ts find them here.
export type { AccessTokenOptions, ClientListener, ClientSnapshot } from './client-types';

/**
 * The relying party, framework-free: start-up and callback, login, logout and token lookup. The
 * session's other jobs are small objects it wires together: the metadata cache, the request
 * allowlist, the session holder, the renewer, the renewal timer and tab sync. The Angular
 * `AuthService` is a thin wrapper around it.
 */
export class OidcClient {
  readonly #platform: AuthPlatform;
  readonly #listener: ClientListener;
  readonly #ctx: FlowContext;
  readonly #tokenStorage: AuthStorage;
  readonly #now: () => number;
  readonly #holder: SessionHolder;
  readonly #allowlist: RequestAllowlist;
  readonly #marks: RenewalMarks;
  readonly #tabs: TabSync;
  readonly #renewer: Renewer;
  readonly #timer: RenewalTimer;
  readonly #close?: () => void;
  #protecting?: Promise<void>;
  /** What `withPopupLogin()` runs a popup login with (it keeps the one under way). */
  #popup?: PopupClientHost;
  #ready = false;
  #initialized?: Promise<void>;

  /**
   * @param config A configuration that passed `checkFeatures()` with `features` (the
   *   Angular layer checks it once, at `provideAuth()`).
   * @param features The optional protocol parts the app provided (`withImplicitFlow()`, …).
   */
  constructor(
    readonly config: ResolvedAuthConfig,
    platform: AuthPlatform,
    listener: ClientListener,
    features: ProtocolFeatures = {},
  ) {
    this.#platform = platform;
    this.#listener = listener;
    const now = (this.#now = () => platform.now?.() ?? Date.now());
    // On a server there is no browser storage; memory keeps every code path the same.
    const transactions = platform.server ? new MemoryStorage() : openWebStorage('session', platform.warn);
    this.#ctx = { config, fetch: platform.fetch, transactions, now, features, metadata: createMetadataCache(config.authority, platform.fetch, transactions, now) };
    const storage = (this.#tokenStorage =
      typeof config.storage === 'object'
        ? config.storage
        : config.storage === 'memory' || platform.server
          ? new MemoryStorage()
          : openWebStorage(config.storage, platform.warn));
    this.#allowlist = createRequestAllowlist(config);
    const scope = scopeName(config);
    const marks = (this.#marks = new RenewalMarks(platform.locks, scope));
    const channel = platform.openChannel?.(`ngx-oidc:${scope}`);
    this.#close = channel && (() => channel.close());
    const holder = (this.#holder = createSessionHolder(config, storage, listener, channel, marks, platform.warn, () => this.#timer.schedule()));
    const metadata = () => this.#loadMetadata();
    const cached = (request: TokenRequest, any?: boolean) => this.#cached(request, any);
    const tabs = (this.#tabs = createTabSync({
      config,
      channel,
      marks,
      holder,
      listener,
      storage,
      now,
      warn: platform.warn,
      metadata,
      cached,
      getAccessToken: (options) => this.getAccessToken(options),
      schedule: () => this.#timer.schedule(),
    }));
    const fail = (err: unknown) => this.#fail(err);
    this.#renewer = createRenewer({ ctx: this.#ctx, platform, listener, holder, tabs, marks, storage, scope, timer: () => this.#timer, metadata, cached, fail });
    this.#timer = createRenewalTimer({
      config,
      now,
      setTimer: platform.setTimer?.bind(platform),
      session: holder.current,
      renewable: (session) => this.#renewer.renewable(session),
      renew: () => this.getAccessToken({ forceRefresh: true }),
      expire: (cause) => void this.#renewer.expire(cause),
    });
  }

  /** Restores a stored session, then completes a login when loaded on the redirect URI. Idempotent; never rejects. */
  initialize(): Promise<void> {
    this.#initialized ??= this.#runInitialize();
    return this.#initialized;
  }

  /**
   * Redirects to the provider to log in.
   * @throws {AuthError} (also reported to the listener); nothing is stored when it throws.
   */
  async login(options: LoginOptions = {}): Promise<void> {
    if (this.#platform.server) return; // the browser logs in; a server render cannot redirect
    try {
      // Before anything is sent: a transaction only in memory is gone when the provider answers.
      checkSurvivesRedirect(this.#ctx.transactions);
      const returnUrl = sanitizeReturnUrl(options.returnUrl ?? this.#currentPath(), this.config.appOrigin);
      // The login's code (on demand: protocol.ts) loads alongside the provider's metadata.
      const [{ startLogin }] = await Promise.all([loadProtocol(), this.#loadMetadata()]);
      const { url, transaction } = await startLogin(this.#ctx, { ...options, returnUrl });
      this.#listener.update({ pending: { nonce: transaction.nonce, state: transaction.state } });
      this.#listener.event({ type: 'login_started' });
      this.#platform.assign(url);
    } catch (err) {
      // Misuse of the API (a `state` too short, …) is the caller's bug, not the session's error.
      if (err instanceof TypeError) throw err;
      throw this.#fail(err);
    }
  }

  /**
   * Logs in in a popup window, without leaving or reloading the app (`withPopupLogin()`, which
   * brings the code: popup-feature.ts and popup-login.ts say how). Call it in the user's click,
   * before any `await`. On the server it does nothing.
   *
   * @throws {AuthError} `popup_blocked`, `popup_closed`, `timeout`, and the codes of
   *   {@link login} and of a callback (also reported to the listener). A session already here stays.
   * @throws {TypeError} without `withPopupLogin()`, and for the options it refuses.
   */
  loginWithPopup(options: PopupLoginOptions = {}): Promise<void> {
    const popup = this.#ctx.features?.popup;
    if (!popup) {
      return Promise.reject(new TypeError((typeof ngDevMode === 'undefined' || ngDevMode) ? 'loginWithPopup() needs withPopupLogin(): provideAuth(config, withPopupLogin()).' : 'withPopupLogin'));
    }
    this.#popup ??= {
      ctx: this.#ctx,
      platform: this.#platform,
      listener: this.#listener,
      holder: this.#holder,
      allowlist: this.#allowlist,
      loadMetadata: () => this.#loadMetadata(),
      initialize: () => this.initialize(),
      fail: (err) => this.#fail(err),
    };
    return popup.start(this.#popup, options);
  }

  /**
   * Forgets the session in this tab and every other tab of the app, revokes its refresh token
   * at the provider's `revocation_endpoint` (if advertised; a failure is the `revoke_failed`
   * event), then (unless `localOnly`) ends the provider's session through its
   * `end_session_endpoint`. With `withDpop()` it deletes the DPoP key (the next login makes a
   * new one); a failure to do so is reported as the state's error.
   */
  async logout(options: { readonly localOnly?: boolean } = {}): Promise<void> {
    const session = this.#holder.current();
    const tokens = session?.tokens;
    this.#holder.end('logged_out');
    this.#tabs.logout(session ? loginOf(session) : undefined);
    this.#listener.update({ error: null, pending: null });
    // A server render has no session, no DPoP key and no page to leave: nothing more to do.
    if (this.#platform.server) return;
    // withDpop(): tokens bound to this key are worthless here from now on (before leaving the page).
    const forgotten = this.dpop()?.forget().catch((err: unknown) => void this.#fail(err));
    if (options.localOnly && !tokens?.refreshToken) return forgotten;
    // The code of what follows loads on demand (protocol.ts), alongside the provider's metadata.
    const protocol = Promise.all([loadProtocol(), this.#loadMetadata()]);
    protocol.catch(() => undefined);
    // RFC 7009 §2.1: end the refresh token's grant with the session, also when the provider's
    // session stays (localOnly, no end_session_endpoint); before leaving the page, which would
    // cancel the request. It never holds back the local logout, already done.
    if (tokens?.refreshToken) {
      try {
        const [{ revokeToken }, { discovery }] = await protocol;
        await revokeToken(discovery, tokens.refreshToken, this.config.clientId, this.#ctx.fetch);
      } catch (err) {
        this.#listener.event({ type: 'revoke_failed', error: err instanceof AuthError ? err : this.#fail(err) });
      }
    }
    await forgotten;
    if (options.localOnly) return;
    let url: string | undefined;
    try {
      url = await (await protocol)[0].buildLogoutUrl(this.#ctx, tokens?.idToken);
    } catch (err) {
      // The local session is gone either way; the provider's session may outlive it.
      this.#fail(err);
      return;
    }
    if (url) this.#platform.assign(url);
  }

  /**
   * Returns a valid access token for an audience and scope (default: the login's), renewing it
   * when it is missing, stale or `forceRefresh` is set. Concurrent calls for the same audience
   * and scope share one renewal, and so do the app's tabs.
   *
   * @returns The access token, or `null` when nobody is logged in.
   * @throws {AuthError} `session_expired` (the login's token expired, or must be renewed, and
   *   nothing can renew it: the session ends), `login_required` (the provider requires a new
   *   login), `consent_required`, `interaction_required`, `user_changed`, `renewal_unavailable`
   *   (another audience or scope, and nothing can get it without the user), `session_ended` (a
   *   logout during the renewal), `timeout`, `token_request_failed`, `network_error`, …
   * @throws {TypeError} with `responseType: 'id_token'`, which has no access token.
   */
  async getAccessToken(options: AccessTokenOptions = {}): Promise<string | null> {
    // withAuthProvider() resolves a provider name before the client of that provider is asked:
    // a name that reaches a client names no provider, and this client's token must not stand in
    // for another provider's (it would go to that provider's API), in production builds too.
    if (options.provider !== undefined) {
      throw new TypeError(
        (typeof ngDevMode === 'undefined' || ngDevMode) ? `getAccessToken(): no auth provider is named "${options.provider}": provideAuth(config, withAuthProvider('${options.provider}', itsConfig)).` : 'provider',
      );
    }
    await this.initialize();
    if (!this.#holder.current()) return null;
    // A tab that restored or adopted its session has not read discovery yet: learn the
    // provider's endpoints before the interceptor can send the token anywhere.
    if (!this.#allowlist.known()) await this.#protect();
    if (this.config.responseType === 'id_token') {
      // OIDC Core 1.0 §3.2.2.5: response_type=id_token issues no access token, ever.
      throw new TypeError(
        (typeof ngDevMode === 'undefined' || ngDevMode) ? 'getAccessToken(): responseType "id_token" never returns an access token; use "code" (or "id_token token") to call APIs.' : 'responseType',
      );
    }
    const request = this.#normalize(options);
    if (!options.forceRefresh) {
      const cached = this.#cached(request);
      if (cached) return cached;
    }
    return this.#renewer.renew(request, options.forceRefresh ? (this.#cached(request, true) ?? '') : undefined);
  }

  /**
   * After an API refused `rejectedToken` (401 invalid_token): returns a different valid token
   * for the request, renewing at most once however many requests failed together.
   */
  async renewAfterRejection(rejectedToken: string, request: TokenRequest): Promise<string | null> {
    if (!this.#holder.current()) return null;
    const normalized = this.#normalize(request);
    const current = this.#cached(normalized);
    if (current && current !== rejectedToken) return current;
    return this.#renewer.renew(normalized, rejectedToken);
  }

  /**
   * The allowlist entry a request may send the token to; never a provider endpoint, under any
   * spelling (see `isProviderEndpoint`), and before discovery none once a token is asked for
   * (`getAccessToken` learns them first). A relative `url` resolves against the app's origin;
   * the interceptor passes it resolved as `HttpClient` sends it.
   */
  matchAllowedUrl(url: string, method: string): AllowedUrlMatcher | undefined {
    return this.#allowlist.match(url, method);
  }

  /**
   * The cached access token for a request if it is fresh and start-up is done, else
   * `undefined`; never renews, never waits. The interceptor's fast path.
   */
  peekAccessToken(request: TokenRequest = {}): string | undefined {
    if (!this.#ready || !this.#allowlist.known() || !this.#holder.current() || this.config.responseType === 'id_token') return undefined;
    return this.#cached(this.#normalize(request));
  }

  /** With `withDpop()`: this client's DPoP (key, proofs, nonces) for the interceptor; else `undefined`. */
  dpop(): Dpop | undefined {
    return this.#ctx.features?.dpop?.(this.config);
  }

  /** Stops timers and the tab channel. */
  destroy(): void {
    this.#popup?.abort?.abort();
    this.#timer.stop();
    this.#close?.();
    this.#marks.release();
  }

  async #runInitialize(): Promise<void> {
    await startUp({
      ctx: this.#ctx,
      platform: this.#platform,
      listener: this.#listener,
      holder: this.#holder,
      allowlist: this.#allowlist,
      renewer: this.#renewer,
      storage: this.#tokenStorage,
      protect: () => this.#protect(),
      fail: (err) => this.#fail(err),
    });
    this.#ready = !this.#platform.server;
    this.#listener.update({ isLoading: false });
  }

  /** Fills in the login's audience; the login's scope is implied by omitting it. */
  #normalize(request: TokenRequest): TokenRequest {
    return { audience: request.audience !== undefined ? request.audience : this.#holder.current()?.tokens.audience, scope: request.scope };
  }

  /** The cached access token for a request: fresh only, unless `any`. */
  #cached(request: TokenRequest, any = false): string | undefined {
    const session = this.#holder.current();
    // Without a way to renew, a token serves until it expires (the timer then ends the session).
    return session ? findToken(session, request, this.#now(), any ? undefined : this.#renewer.renewable(session) ? this.config.renewLeadSeconds : 0) : undefined;
  }

  /** Loads the provider's endpoints once (retried after a failure). */
  #protect(): Promise<void> {
    return (this.#protecting ??= this.#loadMetadata().then(
      () => undefined,
      (err) => {
        this.#protecting = undefined;
        throw err;
      },
    ));
  }

  async #loadMetadata(): Promise<ProviderMetadata> {
    const metadata = await this.#ctx.metadata.load();
    // Discovery read again (once an hour) may move an endpoint: protect it where it is now.
    if (metadata.discovery !== this.#allowlist.learned()) this.#allowlist.learn(metadata.discovery);
    return metadata;
  }

  #currentPath(): string {
    const url = new URL(this.#platform.href());
    return url.pathname + url.search + url.hash;
  }

  #fail(err: unknown): AuthError {
    const error =
      err instanceof AuthError
        ? err
        : new AuthError('invalid_response', (typeof ngDevMode === 'undefined' || ngDevMode) ? `Unexpected failure: ${err instanceof Error ? err.message : String(err)}` : '', { cause: err });
    this.#listener.update({ error });
    return error;
  }
}
