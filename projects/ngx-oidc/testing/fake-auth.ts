import { inject, Injectable } from '@angular/core';
import {
  AuthService,
  type AccessTokenOptions,
  type AuthError,
  type AuthEvent,
  type AuthUser,
  type LoginOptions,
  type LogoutOptions,
  type PopupLoginOptions,
  type TokenRequest,
} from 'ngx-oidc';
import type { FakeLoginBehavior, FakeTokens, RenewAfterRejectionCall } from './auth-testing-options';
import { FakeAuthClient } from './fake-client';

/**
 * The real {@link AuthService} over a scripted client, provided by `provideAuthTesting()` both
 * as itself and as `AuthService`: the same signals, observables and methods, because they are
 * `AuthService`'s own, with no provider, no network, no storage and no timers behind them.
 * Tests drive it (`logIn()`, `failLogin()`, `logOut()`, `expireSession()`, `setAccessToken()`,
 * `emitError()`, `emitEvent()`) and read what the app asked of it (`loginCalls`,
 * `logoutCalls`, …). The real `authGuard` and `authInterceptor` work with it unchanged; the
 * configuration and the allowlist are the library's own.
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
export class FakeAuthService extends AuthService {
  private readonly fake = inject(FakeAuthClient);

  /** Every `login()` call's options, oldest first. */
  get loginCalls(): LoginOptions[] {
    return this.fake.loginCalls;
  }
  /**
   * Every `loginWithPopup()` call's options, oldest first. It behaves as `login()` does (see
   * {@link FakeAuthService.loginBehavior}), opens no window, and resolves once logged in: at
   * once with `'complete'`, else when the test calls `logIn()` (or rejects on `failLogin()`).
   */
  get loginWithPopupCalls(): PopupLoginOptions[] {
    return this.fake.loginWithPopupCalls;
  }
  /** Every `logout()` call's options, oldest first. */
  get logoutCalls(): LogoutOptions[] {
    return this.fake.logoutCalls;
  }
  /** Every `getAccessToken()` call's options (the app's and `authInterceptor`'s), oldest first. */
  get getAccessTokenCalls(): AccessTokenOptions[] {
    return this.fake.getAccessTokenCalls;
  }
  /**
   * Every renewal `authInterceptor` asked for after an API answered 401 `invalid_token`, oldest
   * first. It gets the current token for the request when it differs from the rejected one (a
   * test "renews" with `setAccessToken()` first), else none, so the API's 401 reaches the app.
   * `setAccessTokenPending()` and `setAccessTokenError()` apply to it.
   */
  get renewAfterRejectionCalls(): RenewAfterRejectionCall[] {
    return this.fake.renewAfterRejectionCalls;
  }
  /** How many times `initialize()` was called. */
  get initializeCalls(): number {
    return this.fake.initializeCalls;
  }
  /** Sets the count (e.g. back to 0 between two steps of a test). */
  set initializeCalls(count: number) {
    this.fake.initializeCalls = count;
  }
  /**
   * What `login()` does: see {@link FakeLoginBehavior}. Tests may change it at any time. Like
   * the real service, `login()` uses the `nonce` and `state` given in its options exactly as
   * given (read them on `nonce` and `loginState` while the login is pending), and never leaves
   * the app.
   */
  get loginBehavior(): FakeLoginBehavior {
    return this.fake.loginBehavior;
  }
  /** Changes what the next `login()` calls do. */
  set loginBehavior(behavior: FakeLoginBehavior) {
    this.fake.loginBehavior = behavior;
  }

  // ---- Controls -------------------------------------------------------------------------

  /**
   * Logs a user in at once, as a completed callback would: sets the session, ends loading,
   * clears the error and any login in progress, and emits `login_completed`.
   *
   * @param user The user's claims. Default: the `user` option, else {@link DEFAULT_TEST_USER}.
   * @param tokens The tokens; each one left out gets the option's value, else a placeholder.
   * @param appState Handed back on `login_completed`, as the real callback does with the
   *   login's `appState`. A pending `loginWithPopup()` resolves.
   * @example
   * ```ts
   * auth.logIn({ sub: 'alice', name: 'Alice' }, { accessToken: 'alice-token' });
   * ```
   */
  logIn(user?: AuthUser, tokens: FakeTokens = {}, appState?: unknown): void {
    this.fake.logIn(user, tokens, appState);
  }

  /**
   * Fails a callback, as the real one does: ends loading, sets `error` and `loginOutcome`,
   * forgets the login in progress, emits `login_failed`, and leaves a session that was there
   * as it was. A pending `loginWithPopup()` rejects with `error`.
   *
   * @param error Set on `error`, and on `loginOutcome` as `{ type: 'login_failed', error }`.
   * @example
   * ```ts
   * auth.failLogin(new AuthError('authorization_error', 'Cancelled.', { error: 'access_denied' }));
   * ```
   */
  failLogin(error: AuthError): void {
    this.fake.failLogin(error);
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
    this.fake.logOut();
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
    this.fake.expireSession(error);
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
    this.fake.setAccessToken(token, request, options);
  }

  /**
   * Makes `getAccessToken()` and the interceptor's renewals (`renewAfterRejectionCalls`)
   * reject with `error` (e.g. `login_required`, `consent_required`) until called with `null`.
   *
   * @param error The error, or `null` to answer with tokens again.
   * @example
   * ```ts
   * auth.setAccessTokenError(new AuthError('consent_required', 'Consent needed.'));
   * ```
   */
  setAccessTokenError(error: AuthError | null): void {
    this.fake.setAccessTokenError(error);
  }

  /**
   * Holds `getAccessToken()` calls and the interceptor's renewals, as a renewal that takes a
   * while would (e.g. to test what the app shows meanwhile). While `true`, calls are recorded but
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
    this.fake.setAccessTokenPending(pending);
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
    this.fake.emitError(error);
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
    this.fake.emit(event);
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
    this.fake.setLoading(loading);
  }
}
