import { DOCUMENT } from '@angular/common';
import {
  computed,
  createEnvironmentInjector,
  DestroyRef,
  EnvironmentInjector,
  inject,
  Injectable,
  signal,
  type Signal,
} from '@angular/core';
import { BehaviorSubject, distinctUntilChanged, map, Subject, type Observable } from 'rxjs';
import {
  AUTH_BROWSER,
  AUTH_CONFIG,
  AuthError,
  AuthService,
  provideAuth,
  type AccessTokenOptions,
  type AllowedUrlMatcher,
  type AuthBrowser,
  type AuthEvent,
  type AuthUser,
  type LoginOptions,
  type LoginOutcome,
  type LogoutOptions,
  type ResolvedAuthConfig,
  type TokenRequest,
} from 'ngx-oidc';
import {
  AUTH_TESTING_OPTIONS,
  DEFAULT_TEST_USER,
  testAuthConfig,
  type AuthServiceApi,
  type FakeLoginBehavior,
  type FakeTokens,
  type RenewAfterRejectionCall,
} from './auth-testing-options';

interface FakeSession {
  readonly user: AuthUser;
  readonly accessToken: string;
  readonly idToken: string;
  readonly expiresAt: number | null;
}

interface FakeSnapshot {
  readonly isLoading: boolean;
  readonly session: FakeSession | null;
  readonly error: AuthError | null;
  readonly pending: { readonly nonce: string; readonly state: string } | null;
  readonly loginOutcome: LoginOutcome | null;
}

/**
 * A controllable stand-in for {@link AuthService}, provided by `provideAuthTesting()` both as
 * itself and as `AuthService`: the same signals and observables, read from one snapshot, with
 * no provider, no network, no storage and no timers. Tests drive it (`logIn()`, `failLogin()`,
 * `logOut()`, `expireSession()`, `setAccessToken()`, `emitError()`, `emitEvent()`) and read
 * what the app asked of it (`loginCalls`, `logoutCalls`, …). The real `authGuard` and
 * `authInterceptor` work with it unchanged; `matchAllowedUrl` and `configuration` come from the
 * library itself.
 *
 * @example
 * ```ts
 * TestBed.configureTestingModule({ providers: [provideAuthTesting()] });
 * const auth = TestBed.inject(FakeAuthService);
 * auth.logIn({ sub: 'alice', name: 'Alice' });
 * expect(TestBed.inject(AuthService).user()?.name).toBe('Alice');
 * ```
 */
@Injectable()
export class FakeAuthService implements AuthServiceApi {
  private readonly options = inject(AUTH_TESTING_OPTIONS);
  private readonly snapshot = signal<FakeSnapshot>({
    isLoading: this.options.loading === true,
    session: this.options.authenticated ? this.session(this.options.user, this.options) : null,
    error: this.options.error ?? null,
    pending: null,
    loginOutcome: null,
  });
  private readonly subject = new BehaviorSubject<FakeSnapshot>(this.snapshot());
  private readonly events = new Subject<AuthEvent>();
  /** Access tokens for other audiences or scopes, by `requestKey()`. */
  private readonly extraTokens = new Map<string, string>();
  private readonly startupWaiters: (() => void)[] = [];
  /** `getAccessToken()`/`renewAfterRejection()` calls held by `setAccessTokenPending(true)`. */
  private readonly tokenWaiters: (() => void)[] = [];
  private accessTokenError: AuthError | null = null;
  private accessTokenPending = false;
  private logins = 0;
  /** The library's own service over an inert browser: only its configuration and matcher are used. */
  private readonly library: AuthService;

  /** True while the app starts or a callback is being processed. */
  readonly isLoading: Signal<boolean> = this.select((s) => s.isLoading);
  /** See {@link FakeAuthService.isLoading}. */
  readonly isLoading$: Observable<boolean> = this.select$((s) => s.isLoading);
  /** True when the user is logged in. */
  readonly isAuthenticated: Signal<boolean> = this.select((s) => s.session !== null);
  /** See {@link FakeAuthService.isAuthenticated}. */
  readonly isAuthenticated$: Observable<boolean> = this.select$((s) => s.session !== null);
  /** The user's claims, or `null`. */
  readonly user: Signal<AuthUser | null> = this.select((s) => s.session?.user ?? null);
  /** See {@link FakeAuthService.user}. */
  readonly user$: Observable<AuthUser | null> = this.select$((s) => s.session?.user ?? null);
  /** The raw ID token, or `null`. */
  readonly idToken: Signal<string | null> = this.select((s) => s.session?.idToken ?? null);
  /** See {@link FakeAuthService.idToken}. */
  readonly idToken$: Observable<string | null> = this.select$((s) => s.session?.idToken ?? null);
  /** The login's access token, or `null`. */
  readonly accessToken: Signal<string | null> = this.select((s) => s.session?.accessToken ?? null);
  /** See {@link FakeAuthService.accessToken}. */
  readonly accessToken$: Observable<string | null> = this.select$(
    (s) => s.session?.accessToken ?? null,
  );
  /** When the login's access token expires (epoch milliseconds), or `null`. */
  readonly expiresAt: Signal<number | null> = this.select((s) => s.session?.expiresAt ?? null);
  /** See {@link FakeAuthService.expiresAt}. */
  readonly expiresAt$: Observable<number | null> = this.select$(
    (s) => s.session?.expiresAt ?? null,
  );
  /** The last error, cleared by the next login, by logout or by `clearError()`. */
  readonly error: Signal<AuthError | null> = this.select((s) => s.error);
  /** See {@link FakeAuthService.error}. */
  readonly error$: Observable<AuthError | null> = this.select$((s) => s.error);
  /**
   * The nonce of the login in progress (`login` behaviour `'pending'`): the one given to
   * `login()`, else a placeholder; `null` when no login is in progress.
   */
  readonly nonce: Signal<string | null> = this.select((s) => s.pending?.nonce ?? null);
  /** See {@link FakeAuthService.nonce}. */
  readonly nonce$: Observable<string | null> = this.select$((s) => s.pending?.nonce ?? null);
  /**
   * The state of the login in progress (`login` behaviour `'pending'`): the one given to
   * `login()`, else a placeholder; `null` when no login is in progress.
   */
  readonly loginState: Signal<string | null> = this.select((s) => s.pending?.state ?? null);
  /** See {@link FakeAuthService.loginState}. */
  readonly loginState$: Observable<string | null> = this.select$((s) => s.pending?.state ?? null);
  /** See {@link FakeAuthService.loginState}. */
  readonly state$: Observable<string | null> = this.loginState$;
  /** What happens: every control and call emits what the real service would (see `AuthEvent`). */
  readonly events$: Observable<AuthEvent> = this.events.asObservable();
  /**
   * What the last callback came to: set by `logIn()` (`login_completed`) and `failLogin()`
   * (`login_failed`), as the real callback sets it; `null` until then.
   */
  readonly loginOutcome: Signal<LoginOutcome | null> = this.select((s) => s.loginOutcome);
  /** See {@link FakeAuthService.loginOutcome}. */
  readonly loginOutcome$: Observable<LoginOutcome | null> = this.select$((s) => s.loginOutcome);

  /** Every `login()` call's options, oldest first. */
  readonly loginCalls: LoginOptions[] = [];
  /** Every `logout()` call's options, oldest first. */
  readonly logoutCalls: LogoutOptions[] = [];
  /** Every `getAccessToken()` call's options, oldest first. */
  readonly getAccessTokenCalls: AccessTokenOptions[] = [];
  /** Every `renewAfterRejection()` call, oldest first. */
  readonly renewAfterRejectionCalls: RenewAfterRejectionCall[] = [];
  /** How many times `initialize()` was called. */
  initializeCalls = 0;
  /** What `login()` does: see {@link FakeLoginBehavior}. Tests may change it at any time. */
  loginBehavior: FakeLoginBehavior = this.options.login ?? 'complete';

  constructor() {
    const origin = inject(DOCUMENT).defaultView?.location.origin ?? 'http://localhost';
    // The library's own AuthService resolves the configuration and matches the allowlist, so
    // authInterceptor sees exactly what it would in the app. Its browser is inert (a server
    // platform: memory storage, no fetch, no timers), and it is never initialized.
    const config = inject(AUTH_CONFIG, { optional: true }) ?? testAuthConfig(this.options);
    const features = this.options.features;
    const injector = createEnvironmentInjector(
      [
        // With features, provideAuth() itself: the same checks, and the features for the
        // service (its app initializer is inert here: a child injector runs none). Without,
        // those of an app's provideAuth() before provideAuthTesting() are inherited.
        features ? provideAuth(config, ...features) : { provide: AUTH_CONFIG, useValue: config },
        { provide: AUTH_BROWSER, useValue: inertBrowser(origin) },
        { provide: AuthService, useClass: AuthService },
      ],
      inject(EnvironmentInjector),
      'ngx-oidc/testing',
    );
    this.library = injector.get(AuthService);
    inject(DestroyRef).onDestroy(() => {
      injector.destroy();
      this.subject.complete();
      this.events.complete();
    });
  }

  /** The resolved configuration, exactly as `provideAuth()` would resolve the test's config. */
  get configuration(): ResolvedAuthConfig {
    return this.library.configuration;
  }

  /**
   * Resolves once `isLoading` is false (at once, unless the test started with `loading: true`
   * and has not called `setLoading(false)` or `logIn()` yet). Never rejects.
   */
  initialize(): Promise<void> {
    this.initializeCalls++;
    if (!this.snapshot().isLoading) return Promise.resolve();
    return new Promise((resolve) => this.startupWaiters.push(resolve));
  }

  /**
   * Records the call in `loginCalls`, then does what `loginBehavior` says: logs the configured
   * user in (`'complete'`, emitting `login_started` then `login_completed`), leaves a login in
   * progress (`'pending'`, emitting `login_started`), or fails. Never leaves the app. Like the
   * real service, it uses the `nonce` and `state` given in `options` exactly as given (read
   * them on `nonce` and `loginState` while the login is pending).
   *
   * @param options Recorded as given.
   * @throws {AuthError} The `loginBehavior` error, also set on `error`.
   */
  async login(options: LoginOptions = {}): Promise<void> {
    this.loginCalls.push(options);
    const behavior = this.loginBehavior;
    if (typeof behavior !== 'string') {
      this.update({ error: behavior });
      throw behavior;
    }
    const n = ++this.logins;
    this.update({
      pending: {
        nonce: options.nonce ?? `fake-nonce-${n}`,
        state: options.state ?? `fake-state-${n}`,
      },
    });
    this.events.next({ type: 'login_started' });
    if (behavior === 'complete') this.logIn(undefined, {}, options.appState);
  }

  /**
   * Records the call in `logoutCalls` and forgets the session, emitting `logged_out` when
   * someone was logged in. Never leaves the app.
   *
   * @param options Recorded as given.
   */
  logout(options: LogoutOptions = {}): Promise<void> {
    this.logoutCalls.push(options);
    this.logOut();
    return Promise.resolve();
  }

  /**
   * Records the call in `getAccessTokenCalls` and resolves with the token for the audience and
   * scope: one set with `setAccessToken(token, { audience, scope })`, else the login's. While
   * `setAccessTokenPending(true)` holds it, it waits, then answers with what is current when
   * released.
   *
   * @param options Recorded as given.
   * @returns The token, or `null` when nobody is logged in.
   * @throws {AuthError} The error given to `setAccessTokenError()`, while one is set.
   */
  getAccessToken(options: AccessTokenOptions = {}): Promise<string | null> {
    this.getAccessTokenCalls.push(options);
    return this.answer(() => this.tokenFor(options));
  }

  /**
   * Always `undefined`, so the interceptor asks {@link FakeAuthService.getAccessToken}, where
   * every call is recorded and `setAccessTokenError()` applies.
   */
  peekAccessToken(_request?: TokenRequest): string | undefined {
    return undefined;
  }

  /** Forgets the last error. */
  clearError(): void {
    this.update({ error: null });
  }

  /**
   * The allowlist entry a request URL may send the token to, found by the library's own
   * matcher over the configured `allowedUrls` (never the provider's endpoints).
   *
   * @param url Request URL, absolute or relative to the app.
   * @param method Request method.
   * @returns The matching entry, or `undefined`.
   */
  matchAllowedUrl(url: string, method: string): AllowedUrlMatcher | undefined {
    return this.library.matchAllowedUrl(url, method);
  }

  /**
   * Records the call in `renewAfterRejectionCalls` and resolves with the current token for the
   * request when it differs from the rejected one (a test "renews" with `setAccessToken()`
   * first), else `null`, so the API's 401 reaches the app. While `setAccessTokenPending(true)`
   * holds it, it waits, then answers with what is current when released.
   *
   * @param rejectedToken The token the API refused.
   * @param request Audience and scope of the refused token.
   * @returns A different token, or `null`.
   * @throws {AuthError} The error given to `setAccessTokenError()`, while one is set.
   */
  renewAfterRejection(rejectedToken: string, request: TokenRequest): Promise<string | null> {
    this.renewAfterRejectionCalls.push({ rejectedToken, request });
    return this.answer(() => {
      const token = this.tokenFor(request);
      return token !== rejectedToken ? token : null;
    });
  }

  // ---- Controls -------------------------------------------------------------------------

  /**
   * Logs a user in at once, as a completed callback would: sets the session, ends loading,
   * clears the error and any login in progress, and emits `login_completed`.
   *
   * @param user The user's claims. Default: the `user` option, else {@link DEFAULT_TEST_USER}.
   * @param tokens The tokens; each one left out gets the option's value, else a placeholder.
   * @param appState Handed back on `login_completed`, as the real callback does with the
   *   login's `appState`.
   * @example
   * ```ts
   * auth.logIn({ sub: 'alice', name: 'Alice' }, { accessToken: 'alice-token' });
   * ```
   */
  logIn(user?: AuthUser, tokens: FakeTokens = {}, appState?: unknown): void {
    this.extraTokens.clear();
    const outcome: LoginOutcome =
      appState === undefined ? { type: 'login_completed' } : { type: 'login_completed', appState };
    this.update({
      isLoading: false,
      session: this.session(user ?? this.options.user, { ...this.options, ...tokens }),
      error: null,
      pending: null,
      loginOutcome: outcome,
    });
    this.events.next(outcome);
  }

  /**
   * Fails a callback, as the real one does: ends loading, sets `error` and `loginOutcome`,
   * forgets the login in progress, emits `login_failed`, and leaves a session that was there
   * as it was.
   *
   * @param error Set on `error`, and on `loginOutcome` as `{ type: 'login_failed', error }`.
   * @example
   * ```ts
   * auth.failLogin(new AuthError('authorization_error', 'Cancelled.', { error: 'access_denied' }));
   * ```
   */
  failLogin(error: AuthError): void {
    const outcome: LoginOutcome = { type: 'login_failed', error };
    this.update({ isLoading: false, error, pending: null, loginOutcome: outcome });
    this.events.next(outcome);
  }

  /**
   * Forgets the session, the error and any login in progress, as `logout()` would (without
   * recording a call), and emits `logged_out` when someone was logged in.
   *
   * @example
   * ```ts
   * auth.logOut(); // e.g. the user logged out in another tab
   * ```
   */
  logOut(): void {
    const had = this.snapshot().session !== null;
    this.extraTokens.clear();
    this.update({ session: null, error: null, pending: null });
    if (had) this.events.next({ type: 'logged_out' });
  }

  /**
   * Ends the session without the user asking, as the real service does when the access token
   * expires and nothing renews it: forgets the user and the tokens, sets `error`, then emits
   * `session_expired` (when someone was logged in). The real `authGuard` then sends the next
   * navigation to a guarded route to the login.
   *
   * @param error Set on `error`. Default: an `AuthError` with code `session_expired` (nothing
   *   could renew the token); pass e.g. `new AuthError('login_required', '…')` for a renewal
   *   the provider refused.
   * @example
   * ```ts
   * auth.expireSession(); // error().code === 'session_expired'
   * auth.expireSession(new AuthError('login_required', 'The session is over.'));
   * ```
   */
  expireSession(error?: AuthError): void {
    const had = this.snapshot().session !== null;
    this.extraTokens.clear();
    this.update({
      session: null,
      error:
        error ??
        new AuthError(
          'session_expired',
          'ngx-oidc/testing: the access token expired and nothing renewed it (expireSession()).',
        ),
      pending: null,
    });
    if (had) this.events.next({ type: 'session_expired' });
  }

  /**
   * Changes an access token, as a renewal would: without an audience or scope, the login's
   * (`accessToken` changes); with one, the token `getAccessToken()` and `authInterceptor` use
   * for that audience and scope.
   *
   * @param token The new token.
   * @param request `audience` and `scope` of the token (default: the login's).
   * @param options `expiresAt` of the login's token; `event: true` also emits `token_renewed`.
   * @throws {TypeError} When nobody is logged in (call `logIn()` first).
   * @example
   * ```ts
   * auth.setAccessToken('orders-token', { audience: 'https://orders.example.test' });
   * ```
   */
  setAccessToken(
    token: string,
    request: TokenRequest = {},
    options: { readonly expiresAt?: number; readonly event?: boolean } = {},
  ): void {
    const session = this.snapshot().session;
    if (!session)
      throw new TypeError(
        'ngx-oidc/testing: setAccessToken() needs a logged-in user; call logIn() first.',
      );
    if (request.audience === undefined && request.scope === undefined) {
      this.update({
        session: {
          ...session,
          accessToken: token,
          expiresAt: options.expiresAt ?? session.expiresAt,
        },
      });
    } else {
      this.extraTokens.set(requestKey(request), token);
    }
    if (options.event)
      this.events.next({ type: 'token_renewed', audience: request.audience, scope: request.scope });
  }

  /**
   * Makes `getAccessToken()` and `renewAfterRejection()` reject with `error` (e.g.
   * `login_required`, `consent_required`) until called with `null`.
   *
   * @param error The error, or `null` to answer with tokens again.
   * @example
   * ```ts
   * auth.setAccessTokenError(new AuthError('consent_required', 'Consent needed.'));
   * ```
   */
  setAccessTokenError(error: AuthError | null): void {
    this.accessTokenError = error;
  }

  /**
   * Holds `getAccessToken()` and `renewAfterRejection()` calls, as a renewal that takes a while
   * would (e.g. to test what the app shows meanwhile). While `true`, calls are recorded but
   * wait; when set back to `false`, every waiting call answers with the token (or the
   * `setAccessTokenError()` error) current at that moment, and later calls answer at once.
   *
   * @param pending `true` to hold the calls, `false` to release them.
   * @example
   * ```ts
   * auth.setAccessTokenPending(true);
   * button.click(); // the app awaits getAccessToken()
   * auth.setAccessToken('renewed-token');
   * auth.setAccessTokenPending(false); // it resolves with 'renewed-token'
   * ```
   */
  setAccessTokenPending(pending: boolean): void {
    this.accessTokenPending = pending;
    if (!pending) this.tokenWaiters.splice(0).forEach((release) => release());
  }

  /**
   * Sets `error`, as a failed start-up, callback or renewal would. Emits no event; follow with
   * `emitEvent({ type: 'login_failed', error })` for that.
   *
   * @param error The error, or `null` to clear it.
   * @example
   * ```ts
   * auth.emitError(new AuthError('state_mismatch', 'No pending login.'));
   * ```
   */
  emitError(error: AuthError | null): void {
    this.update({ error });
  }

  /**
   * Emits an event on `events$` without changing any state.
   *
   * @param event The event.
   * @example
   * ```ts
   * auth.emitEvent({ type: 'session_synced' });
   * ```
   */
  emitEvent(event: AuthEvent): void {
    this.events.next(event);
  }

  /**
   * Sets `isLoading`; when it becomes false, pending `initialize()` calls (and so guards)
   * resolve.
   *
   * @param loading The new value.
   * @example
   * ```ts
   * auth.setLoading(false); // start-up is over
   * ```
   */
  setLoading(loading: boolean): void {
    this.update({ isLoading: loading });
  }

  private session(user: AuthUser | undefined, tokens: FakeTokens): FakeSession {
    return {
      user: user ?? DEFAULT_TEST_USER,
      accessToken: tokens.accessToken ?? 'fake-access-token',
      idToken: tokens.idToken ?? 'fake-id-token',
      expiresAt: tokens.expiresAt ?? null,
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
    const session = this.snapshot().session;
    if (!session) return null;
    if (request.audience === undefined && request.scope === undefined) return session.accessToken;
    return this.extraTokens.get(requestKey(request)) ?? session.accessToken;
  }

  private update(patch: Partial<FakeSnapshot>): void {
    const next = { ...this.snapshot(), ...patch };
    this.snapshot.set(next);
    this.subject.next(next);
    if (!next.isLoading) this.startupWaiters.splice(0).forEach((resolve) => resolve());
  }

  private select<T>(project: (s: FakeSnapshot) => T): Signal<T> {
    return computed(() => project(this.snapshot()));
  }

  private select$<T>(project: (s: FakeSnapshot) => T): Observable<T> {
    return this.subject.pipe(map(project), distinctUntilChanged());
  }
}

function requestKey(request: TokenRequest): string {
  const scope = request.scope?.trim().split(/\s+/).sort().join(' ') ?? '';
  return `${request.audience ?? ''}|${scope}`;
}

/** A browser that goes nowhere: the library's service over it only resolves and matches. */
function inertBrowser(origin: string): AuthBrowser {
  const refuse = () => {
    throw new TypeError('ngx-oidc/testing: the fake AuthService never leaves the app.');
  };
  return {
    server: true,
    origin,
    href: () => `${origin}/`,
    assign: refuse,
    replaceUrl: () => undefined,
    fetch: () =>
      Promise.reject(
        new TypeError('ngx-oidc/testing: the fake AuthService never calls the network.'),
      ),
    warn: () => undefined,
    setTimer: () => () => undefined,
  };
}
