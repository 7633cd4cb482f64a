import { DOCUMENT } from '@angular/common';
import {
  createEnvironmentInjector,
  DestroyRef,
  EnvironmentInjector,
  inject,
  Injectable,
  runInInjectionContext,
} from '@angular/core';
import {
  AUTH_CONFIG,
  AuthError,
  provideAuth,
  ɵoidcClientFactory,
  ɵrequestKey,
  type AccessTokenOptions,
  type AuthEvent,
  type AuthUser,
  type LoginOptions,
  type LoginOutcome,
  type LogoutOptions,
  type PopupLoginOptions,
  type TokenRequest,
  type ɵAuthClient,
  type ɵAuthClientFactory,
} from 'ngx-oidc';
import {
  AUTH_TESTING_OPTIONS,
  DEFAULT_TEST_USER,
  testAuthConfig,
  type FakeLoginBehavior,
  type FakeTokens,
  type RenewAfterRejectionCall,
} from './auth-testing-options';

/** What the real `AuthService` listens with. */
type Listener = Parameters<ɵAuthClientFactory>[0];
/** A change of the service's state. */
type Patch = Parameters<Listener['update']>[0];
/** A session as the service reads it. */
type Session = NonNullable<Patch['session']>;
/** The browser platform of the library's own client. */
type Platform = NonNullable<Parameters<typeof ɵoidcClientFactory>[0]>;

/**
 * The scripted client behind the real `AuthService` under `provideAuthTesting()`: a session set
 * by the test, tokens per audience and scope, every call recorded, no provider, network,
 * storage or timers. The configuration and the allowlist are the library's own (a real client
 * over an inert platform, never initialized), so `authInterceptor` and `authGuard` decide
 * exactly as in the app. `FakeAuthService` drives it.
 */
@Injectable()
export class FakeAuthClient implements ɵAuthClient {
  private readonly options = inject(AUTH_TESTING_OPTIONS);
  /** The library's client: only its configuration and allowlist are used. */
  private readonly library: ɵAuthClient;
  private listener?: Listener;
  private loading = this.options.loading === true;
  private session: Session | null = null;
  /** Access tokens for other audiences or scopes, by the library's `requestKey()`. */
  private readonly extraTokens = new Map<string, string>();
  private readonly startupWaiters: (() => void)[] = [];
  /** `getAccessToken()`/`renewAfterRejection()` calls held by `setAccessTokenPending(true)`. */
  private readonly tokenWaiters: (() => void)[] = [];
  private accessTokenError: AuthError | null = null;
  private accessTokenPending = false;
  private logins = 0;
  /** `loginWithPopup()` calls left pending, settled by `logIn()` or `failLogin()`. */
  private popupWaiters: { resolve: () => void; reject: (error: AuthError) => void }[] = [];

  readonly loginCalls: LoginOptions[] = [];
  readonly loginWithPopupCalls: PopupLoginOptions[] = [];
  readonly logoutCalls: LogoutOptions[] = [];
  readonly getAccessTokenCalls: AccessTokenOptions[] = [];
  readonly renewAfterRejectionCalls: RenewAfterRejectionCall[] = [];
  initializeCalls = 0;
  loginBehavior: FakeLoginBehavior = this.options.login ?? 'complete';

  constructor() {
    const origin = inject(DOCUMENT).defaultView?.location.origin ?? 'http://localhost';
    const config = inject(AUTH_CONFIG, { optional: true }) ?? testAuthConfig(this.options);
    const features = this.options.features;
    const injector = createEnvironmentInjector(
      // With features, provideAuth() itself: the same checks, and the features for the client
      // (its app initializer is inert here: a child injector runs none). Without, those of an
      // app's provideAuth() before provideAuthTesting() are inherited.
      [features ? provideAuth(config, ...features) : { provide: AUTH_CONFIG, useValue: config }],
      inject(EnvironmentInjector),
      'ngx-oidc/testing',
    );
    try {
      const create = runInInjectionContext(injector, () => ɵoidcClientFactory(inertPlatform(origin)));
      this.library = create({ update: () => undefined, event: () => undefined });
    } finally {
      injector.destroy();
    }
    inject(DestroyRef).onDestroy(() => this.library.destroy());
  }

  /**
   * Connects the service's listener and hands it the state the options describe.
   * @returns This client, for `AuthService`.
   */
  connect(listener: Listener): this {
    this.listener = listener;
    this.update({
      isLoading: this.loading,
      session: this.options.authenticated ? this.newSession(this.options.user, this.options) : null,
      error: this.options.error ?? null,
      pending: null,
    });
    return this;
  }

  // ---- AuthClient: what AuthService and authInterceptor call ---------------------------

  get config(): ɵAuthClient['config'] {
    return this.library.config;
  }

  initialize(): Promise<void> {
    this.initializeCalls++;
    if (!this.loading) return Promise.resolve();
    return new Promise((resolve) => this.startupWaiters.push(resolve));
  }

  async login(options: LoginOptions): Promise<void> {
    this.loginCalls.push(options);
    const behavior = this.loginBehavior;
    if (typeof behavior !== 'string') {
      this.update({ error: behavior });
      throw behavior;
    }
    const n = ++this.logins;
    this.update({
      pending: { nonce: options.nonce ?? `fake-nonce-${n}`, state: options.state ?? `fake-state-${n}` },
    });
    this.emit({ type: 'login_started' });
    if (behavior === 'complete') this.logIn(undefined, {}, options.appState);
  }

  async loginWithPopup(options: PopupLoginOptions): Promise<void> {
    this.loginWithPopupCalls.push(options);
    const behavior = this.loginBehavior;
    if (typeof behavior !== 'string') {
      // As the real one: error, login_failed, and a session already here stays.
      this.update({ error: behavior, pending: null });
      this.emit({ type: 'login_failed', error: behavior });
      throw behavior;
    }
    const n = ++this.logins;
    this.update({ pending: { nonce: options.nonce ?? `fake-nonce-${n}`, state: `fake-popup-state-${n}` } });
    this.emit({ type: 'login_started' });
    // A popup login completes without a page load: no loginOutcome, as in the real client.
    if (behavior === 'complete') return this.logIn(undefined, {}, options.appState, false);
    return new Promise<void>((resolve, reject) => this.popupWaiters.push({ resolve, reject }));
  }

  logout(options: LogoutOptions): Promise<void> {
    this.logoutCalls.push(options);
    this.logOut();
    return Promise.resolve();
  }

  getAccessToken(options: AccessTokenOptions): Promise<string | null> {
    this.getAccessTokenCalls.push(options);
    return this.answer(() => this.tokenFor(options));
  }

  /** Always `undefined`, so `authInterceptor` asks `getAccessToken()`, where calls are recorded. */
  peekAccessToken(): string | undefined {
    return undefined;
  }

  matchAllowedUrl(url: string, method: string): ReturnType<ɵAuthClient['matchAllowedUrl']> {
    return this.library.matchAllowedUrl(url, method);
  }

  renewAfterRejection(rejectedToken: string, request: TokenRequest): Promise<string | null> {
    this.renewAfterRejectionCalls.push({ rejectedToken, request });
    return this.answer(() => {
      const token = this.tokenFor(request);
      return token !== rejectedToken ? token : null;
    });
  }

  destroy(): void {
    // Nothing runs: no timers, no channels.
  }

  // ---- Controls: see FakeAuthService ----------------------------------------------------

  logIn(user?: AuthUser, tokens: FakeTokens = {}, appState?: unknown, callback = true): void {
    this.extraTokens.clear();
    const outcome: LoginOutcome =
      appState === undefined ? { type: 'login_completed' } : { type: 'login_completed', appState };
    this.update({
      isLoading: false,
      session: this.newSession(user ?? this.options.user, { ...this.options, ...tokens }),
      error: null,
      pending: null,
      ...(callback ? { loginOutcome: outcome } : {}),
    });
    this.emit(outcome);
    this.popupWaiters.splice(0).forEach((waiter) => waiter.resolve());
  }

  failLogin(error: AuthError): void {
    const outcome: LoginOutcome = { type: 'login_failed', error };
    this.update({ isLoading: false, error, pending: null, loginOutcome: outcome });
    this.emit(outcome);
    this.popupWaiters.splice(0).forEach((waiter) => waiter.reject(error));
  }

  logOut(): void {
    this.end('logged_out', null);
  }

  expireSession(error?: AuthError): void {
    this.end(
      'session_expired',
      error ??
        new AuthError(
          'session_expired',
          'ngx-oidc/testing: the access token expired and nothing renewed it (expireSession()).',
        ),
    );
  }

  setAccessToken(
    token: string,
    request: TokenRequest,
    options: { readonly expiresAt?: number; readonly event?: boolean },
  ): void {
    const session = this.session;
    if (!session)
      throw new TypeError(
        'ngx-oidc/testing: setAccessToken() needs a logged-in user; call logIn() first.',
      );
    if (request.audience === undefined && request.scope === undefined) {
      const expiresAt = options.expiresAt ?? session.tokens.expiresAt;
      this.update({ session: { ...session, tokens: { ...session.tokens, accessToken: token, expiresAt } } });
    } else {
      this.extraTokens.set(ɵrequestKey(request), token);
    }
    if (options.event)
      this.emit({ type: 'token_renewed', audience: request.audience, scope: request.scope });
  }

  setAccessTokenError(error: AuthError | null): void {
    this.accessTokenError = error;
  }

  setAccessTokenPending(pending: boolean): void {
    this.accessTokenPending = pending;
    if (!pending) this.tokenWaiters.splice(0).forEach((release) => release());
  }

  emitError(error: AuthError | null): void {
    this.update({ error });
  }

  emit(event: AuthEvent): void {
    this.listener?.event(event);
  }

  setLoading(loading: boolean): void {
    this.update({ isLoading: loading });
  }

  // ---- Helpers ----------------------------------------------------------------------------

  /** Forgets the session, the tokens and any login in progress; `event` only when someone was logged in. */
  private end(event: 'logged_out' | 'session_expired', error: AuthError | null): void {
    const had = this.session !== null;
    this.extraTokens.clear();
    this.update({ session: null, error, pending: null });
    if (had) this.emit({ type: event });
  }

  /** A session as the real client keeps one, with the test's user and tokens. */
  private newSession(user: AuthUser | undefined, tokens: FakeTokens): Session {
    const claims = user ?? DEFAULT_TEST_USER;
    const config = this.library.config;
    return {
      user: claims,
      tokens: {
        idToken: tokens.idToken ?? 'fake-id-token',
        accessToken: tokens.accessToken ?? 'fake-access-token',
        expiresAt: tokens.expiresAt,
        tokenType: 'Bearer',
        obtainedAt: 0,
        scope: config.scope,
        requestedScope: config.scope,
        // Not a validated ID token's: nothing in the fake parses or checks them.
        claims: { iss: config.authority, aud: config.clientId, sub: String(claims.sub ?? ''), exp: 0, iat: 0 },
      },
    };
  }

  /** Answers a token call now, or once `setAccessTokenPending(false)` releases it. */
  private answer(token: () => string | null): Promise<string | null> {
    const settle = () =>
      this.accessTokenError ? Promise.reject(this.accessTokenError) : Promise.resolve(token());
    if (!this.accessTokenPending) return settle();
    return new Promise<void>((release) => this.tokenWaiters.push(release)).then(settle);
  }

  private tokenFor(request: TokenRequest): string | null {
    const session = this.session;
    if (!session) return null;
    const login = session.tokens.accessToken ?? null;
    if (request.audience === undefined && request.scope === undefined) return login;
    return this.extraTokens.get(ɵrequestKey(request)) ?? login;
  }

  /** Applies a change here and in the service, then releases `initialize()` once loaded. */
  private update(patch: Patch): void {
    if (patch.isLoading !== undefined) this.loading = patch.isLoading;
    if (patch.session !== undefined) this.session = patch.session;
    this.listener?.update(patch);
    if (!this.loading) this.startupWaiters.splice(0).forEach((resolve) => resolve());
  }
}

/** A browser that goes nowhere: the library's client over it only resolves and matches. */
function inertPlatform(origin: string): Platform {
  const refuse = () => {
    throw new TypeError('ngx-oidc/testing: the fake client never leaves the app.');
  };
  return {
    server: true,
    origin,
    href: () => `${origin}/`,
    assign: refuse,
    replaceUrl: () => undefined,
    fetch: () =>
      Promise.reject(new TypeError('ngx-oidc/testing: the fake client never calls the network.')),
    warn: () => undefined,
    setTimer: () => () => undefined,
  };
}
