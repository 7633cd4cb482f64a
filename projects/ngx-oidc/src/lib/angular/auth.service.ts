import { DestroyRef, inject, Injectable, type Signal } from '@angular/core';
import { Subject, type Observable } from 'rxjs';
import type { AuthClient } from '../core/auth-client';
import type { AccessTokenOptions } from '../core/client';
import type { ResolvedAuthConfig } from '../core/config';
import type { AuthError } from '../core/errors';
import type { AuthEvent, LoginOutcome } from '../core/events';
import type { LoginOptions } from '../core/login-flow';
import type { PopupLoginOptions } from '../core/popup-login';
import type { IdTokenClaims } from '../core/types';
import { AUTH_CLIENT } from './auth-client';
import { AuthState } from './auth-state';

/** Options of {@link AuthService.logout}. */
export interface LogoutOptions {
  /** Only forget the local session; do not end the session at the provider. */
  readonly localOnly?: boolean;
}

/** The user's claims: the ID token's, merged with UserInfo's when `loadUserInfo` is set. */
export type AuthUser = Readonly<Record<string, unknown>> & Partial<IdTokenClaims>;

/**
 * The authentication state of the app and the way to change it. Every piece of state is a
 * signal (`isAuthenticated`) and an observable (`isAuthenticated$`) read from one snapshot.
 *
 * Created by `provideAuth()`, which also runs {@link AuthService.initialize} before the first
 * navigation, so a callback URL is processed before any guard or component sees the app.
 */
@Injectable({ providedIn: 'root' })
export class AuthService {
  readonly #state = new AuthState();
  readonly #events = new Subject<AuthEvent>();
  /** The client it forwards to; `clientOf()` (auth-client.ts) reads this field for `authInterceptor`. */
  private readonly client: AuthClient;

  /** True while the app starts or a callback is being processed. */
  readonly isLoading: Signal<boolean> = this.#state.select((s) => s.isLoading);
  /** {@link AuthService.isLoading} as an observable: emits the current value on subscribe, then each change. */
  readonly isLoading$: Observable<boolean> = this.#state.select$((s) => s.isLoading);
  /** True when the user is logged in with a validated ID token. */
  readonly isAuthenticated: Signal<boolean> = this.#state.select((s) => s.session !== null);
  /** {@link AuthService.isAuthenticated} as an observable: emits the current value on subscribe, then each change. */
  readonly isAuthenticated$: Observable<boolean> = this.#state.select$((s) => s.session !== null);
  /** The user's claims, or `null`. */
  readonly user: Signal<AuthUser | null> = this.#state.select((s) => s.session?.user ?? null);
  /** {@link AuthService.user} as an observable: emits the current value on subscribe, then each change. */
  readonly user$: Observable<AuthUser | null> = this.#state.select$((s) => s.session?.user ?? null);
  /** The raw ID token, or `null`. */
  readonly idToken: Signal<string | null> = this.#state.select((s) => s.session?.tokens.idToken ?? null);
  /** {@link AuthService.idToken} as an observable: emits the current value on subscribe, then each change. */
  readonly idToken$: Observable<string | null> = this.#state.select$((s) => s.session?.tokens.idToken ?? null);
  /** The login's access token, or `null`. Opaque to the client: it is sent, never parsed. */
  readonly accessToken: Signal<string | null> = this.#state.select((s) => s.session?.tokens.accessToken ?? null);
  /** {@link AuthService.accessToken} as an observable: emits the current value on subscribe, then each change. */
  readonly accessToken$: Observable<string | null> = this.#state.select$((s) => s.session?.tokens.accessToken ?? null);
  /** When the login's access token expires (epoch milliseconds), or `null` when unknown or logged out. */
  readonly expiresAt: Signal<number | null> = this.#state.select((s) => s.session?.tokens.expiresAt ?? null);
  /** {@link AuthService.expiresAt} as an observable: emits the current value on subscribe, then each change. */
  readonly expiresAt$: Observable<number | null> = this.#state.select$((s) => s.session?.tokens.expiresAt ?? null);
  /** The last error, cleared by the next successful login, by logout or by `clearError()`. */
  readonly error: Signal<AuthError | null> = this.#state.select((s) => s.error);
  /** {@link AuthService.error} as an observable: emits the current value on subscribe, then each change. */
  readonly error$: Observable<AuthError | null> = this.#state.select$((s) => s.error);
  /** The nonce of the login in progress, between `login()` and its callback. */
  readonly nonce: Signal<string | null> = this.#state.select((s) => s.pending?.nonce ?? null);
  /** {@link AuthService.nonce} as an observable: emits the current value on subscribe, then each change. */
  readonly nonce$: Observable<string | null> = this.#state.select$((s) => s.pending?.nonce ?? null);
  /** The state of the login in progress, between `login()` and its callback. */
  readonly loginState: Signal<string | null> = this.#state.select((s) => s.pending?.state ?? null);
  /** {@link AuthService.loginState} as an observable: emits the current value on subscribe, then each change. */
  readonly loginState$: Observable<string | null> = this.#state.select$((s) => s.pending?.state ?? null);
  /**
   * What happens from the moment of subscription: logins, renewals, expiry, logouts, other tabs
   * (see {@link AuthEvent}). Not replayed: the callback completes before the first component
   * exists, so read its outcome from {@link AuthService.loginOutcome}.
   */
  readonly events$: Observable<AuthEvent> = this.#events.asObservable();
  /**
   * What the callback of this page load came to, for as long as the page lives: its
   * `login_completed` event (with the login's `appState`) or its `login_failed` event (with the
   * error); `null` when the app was not loaded on the redirect URI, or before the callback ends.
   *
   * @example
   * ```ts
   * const outcome = auth.loginOutcome();
   * if (outcome?.type === 'login_completed') restoreCart(outcome.appState);
   * ```
   */
  readonly loginOutcome: Signal<LoginOutcome | null> = this.#state.select((s) => s.loginOutcome ?? null);
  /** {@link AuthService.loginOutcome} as an observable: emits the current value on subscribe, then each change. */
  readonly loginOutcome$: Observable<LoginOutcome | null> = this.#state.select$((s) => s.loginOutcome ?? null);

  constructor() {
    // The client (OidcClient; a scripted one under ngx-oidc/testing) reports here. authInterceptor
    // reaches it through clientOf(), which reads this field: allowlist, cached token, renewal
    // after a rejection.
    this.client = inject(AUTH_CLIENT)({
      update: (patch) => this.#state.update(patch),
      event: (event) => this.#events.next(event),
    });
    inject(DestroyRef).onDestroy(() => {
      this.client.destroy();
      this.#state.complete();
      this.#events.complete();
    });
  }

  /** The constructor-time options after defaults were applied (read-only). */
  get configuration(): ResolvedAuthConfig {
    return this.client.config;
  }

  /**
   * Restores a stored session and, when the app was loaded on the redirect URI, completes the
   * login: the callback parameters leave the address bar first, then the response is validated,
   * then the address bar shows the return URL. Never rejects: failures are emitted on `error$`.
   * Idempotent.
   */
  initialize(): Promise<void> {
    return this.client.initialize();
  }

  /**
   * Starts a login by redirecting to the provider.
   *
   * @param options Show-time options for this login only; they never change the configuration.
   * @throws {AuthError} `reserved_parameter`, `invalid_configuration`, `storage_error`,
   *   `network_error`, `discovery_failed`, … (also emitted on `error$`). Nothing is stored
   *   when it throws.
   * @throws {TypeError} for a `state`, `nonce`, `maxAge` or `acrRequired` option that can never work.
   */
  login(options: LoginOptions = {}): Promise<void> {
    return this.client.login(options);
  }

  /**
   * Logs in in a popup window and resolves once the app is authenticated, without navigating
   * or reloading the app: the same options, transaction and checks as {@link login} (but
   * `state`, which is the popup's own, and `returnUrl`), plus `timeoutSeconds` (default 300).
   * Emits `login_started`, then `login_completed` (or `login_failed`).
   *
   * Call it directly in a click handler, before any `await`: browsers block a window opened
   * later. The provider's answer comes back over a BroadcastChannel, so it works when the
   * provider sends `Cross-Origin-Opener-Policy` (which severs `window.opener`); the browser then
   * reports the popup closed while it is open, so a user closing it is only known after
   * `timeoutSeconds` (see docs/configuration.md, "Popup login").
   *
   * @param options Show-time options for this login only.
   * @throws {AuthError} `popup_blocked` (no window could be opened; nothing stored),
   *   `popup_closed` (closed by the user, or replaced by a newer `loginWithPopup()`), `timeout`
   *   (still open after `timeoutSeconds`; it is closed), and the codes of {@link login} and of
   *   a callback (`state_mismatch`, `nonce_mismatch`, `authorization_error`, …). Also emitted
   *   on `error$`, except for a replaced login; a session already here stays.
   * @throws {TypeError} for a `state` option, a `timeoutSeconds` that is not a positive number,
   *   and the options `login()` refuses.
   * @example
   * ```ts
   * // In the click handler itself:
   * logIn(): void {
   *   this.auth.loginWithPopup({ appState: { cart } }).catch((err: AuthError) => this.show(err.code));
   * }
   * ```
   */
  loginWithPopup(options: PopupLoginOptions = {}): Promise<void> {
    return this.client.loginWithPopup(options);
  }

  /**
   * Logs out in every tab of the app: always forgets the local session, then (unless
   * `localOnly`) sends the browser to the provider's `end_session_endpoint` with
   * `id_token_hint` and `post_logout_redirect_uri`.
   */
  logout(options: LogoutOptions = {}): Promise<void> {
    return this.client.logout(options);
  }

  /**
   * Resolves with a valid access token for `audience` and `scope` (default: the login's),
   * renewing it through the refresh token or silent authentication when it is missing or about
   * to expire. Tokens are cached per audience and scope, so an app can hold a second token for
   * another API. Resolves `null` when nobody is logged in. With several providers
   * (`withAuthProvider()`), `provider` names the one whose token it is (default: this service's).
   *
   * @throws {AuthError} `session_expired` (the login's token expired, or had to be renewed, and
   *   nothing can renew it: the session ends), `login_required` (the session is over),
   *   `consent_required`, `interaction_required`, `timeout`, `token_request_failed`,
   *   `network_error`.
   * @throws {TypeError} for a `provider` that no `withAuthProvider()` names.
   */
  getAccessToken(options: AccessTokenOptions = {}): Promise<string | null> {
    return this.client.getAccessToken(options);
  }

  /** Forgets the last error (e.g. after the app showed it). */
  clearError(): void {
    this.#state.update({ error: null });
  }
}
