import { DestroyRef, inject, Injectable, type Signal } from '@angular/core';
import type { Observable } from 'rxjs';
import { matchAllowedUrl, type AllowedUrlMatcher } from '../core/allowed-url';
import { resolveConfig, type ResolvedAuthConfig } from '../core/config';
import { AuthError } from '../core/errors';
import {
  buildLogoutUrl,
  completeLogin,
  isLoginCallback,
  startLogin,
  type FlowContext,
  type LoginOptions,
} from '../core/login-flow';
import { isProviderEndpoint, providerEndpoints } from '../core/provider-endpoints';
import { sanitizeReturnUrl } from '../core/return-url';
import { clearSession, loadSession, saveSession } from '../core/session-store';
import { MemoryStorage, openWebStorage, type AuthStorage } from '../core/storage';
import { latestTransaction, purgeExpiredTransactions } from '../core/transaction';
import type { IdTokenClaims } from '../core/types';
import { AUTH_BROWSER } from './auth-browser';
import { AUTH_CONFIG } from './auth-config';
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
  private readonly browser = inject(AUTH_BROWSER);
  private readonly state = new AuthState();
  private readonly config: ResolvedAuthConfig = resolveConfig(inject(AUTH_CONFIG), this.browser.origin);
  private readonly ctx: FlowContext;
  private readonly tokenStorage: AuthStorage;
  private endpoints = providerEndpoints(this.config.authority);
  private initialized?: Promise<void>;

  /** True while the app starts or a callback is being processed. */
  readonly isLoading: Signal<boolean> = this.state.select((s) => s.isLoading);
  readonly isLoading$: Observable<boolean> = this.state.select$((s) => s.isLoading);
  /** True when the user is logged in with a validated ID token. */
  readonly isAuthenticated: Signal<boolean> = this.state.select((s) => s.tokens !== null);
  readonly isAuthenticated$: Observable<boolean> = this.state.select$((s) => s.tokens !== null);
  /** The user's claims, or `null`. */
  readonly user: Signal<AuthUser | null> = this.state.select((s) => s.user);
  readonly user$: Observable<AuthUser | null> = this.state.select$((s) => s.user);
  /** The raw ID token, or `null`. */
  readonly idToken: Signal<string | null> = this.state.select((s) => s.tokens?.idToken ?? null);
  readonly idToken$: Observable<string | null> = this.state.select$((s) => s.tokens?.idToken ?? null);
  /** The access token, or `null`. Opaque to the client: it is sent, never parsed. */
  readonly accessToken: Signal<string | null> = this.state.select((s) => s.tokens?.accessToken ?? null);
  readonly accessToken$: Observable<string | null> = this.state.select$((s) => s.tokens?.accessToken ?? null);
  /** When the access token expires (epoch milliseconds), or `null` when unknown or logged out. */
  readonly expiresAt: Signal<number | null> = this.state.select((s) => s.tokens?.expiresAt ?? null);
  readonly expiresAt$: Observable<number | null> = this.state.select$((s) => s.tokens?.expiresAt ?? null);
  /** The last error, cleared by the next successful login, by logout or by `clearError()`. */
  readonly error: Signal<AuthError | null> = this.state.select((s) => s.error);
  readonly error$: Observable<AuthError | null> = this.state.select$((s) => s.error);
  /** The nonce of the login in progress, between `login()` and its callback. */
  readonly nonce: Signal<string | null> = this.state.select((s) => s.pending?.nonce ?? null);
  readonly nonce$: Observable<string | null> = this.state.select$((s) => s.pending?.nonce ?? null);
  /** The state of the login in progress, between `login()` and its callback. */
  readonly state$: Observable<string | null> = this.state.select$((s) => s.pending?.state ?? null);
  readonly loginState: Signal<string | null> = this.state.select((s) => s.pending?.state ?? null);

  constructor() {
    const transactions = openWebStorage('session', this.browser.warn);
    this.ctx = { config: this.config, fetch: this.browser.fetch, transactions, now: () => Date.now() };
    this.tokenStorage =
      this.config.storage === 'memory' ? new MemoryStorage() : openWebStorage(this.config.storage, this.browser.warn);
    inject(DestroyRef).onDestroy(() => this.state.complete());
  }

  /** The constructor-time options after defaults were applied (read-only). */
  get configuration(): ResolvedAuthConfig {
    return this.config;
  }

  /**
   * Restores a stored session and, when the app was loaded on the redirect URI, completes the
   * login: the callback parameters leave the address bar first, then the code is exchanged
   * and the ID token validated, then the address bar shows the return URL. Never rejects:
   * failures are emitted on `error$`. Idempotent.
   */
  initialize(): Promise<void> {
    this.initialized ??= this.runInitialize();
    return this.initialized;
  }

  /**
   * Starts a login by redirecting to the provider.
   *
   * @param options Show-time options for this login only; they never change the configuration.
   * @throws {AuthError} `reserved_parameter`, `storage_error`, `network_error`,
   *   `discovery_failed`, … (also emitted on `error$`). Nothing is stored when it throws.
   */
  async login(options: LoginOptions = {}): Promise<void> {
    try {
      const returnUrl = sanitizeReturnUrl(options.returnUrl ?? this.currentPath(), this.config.appOrigin);
      const { url, transaction } = await startLogin(this.ctx, { ...options, returnUrl });
      this.state.update({ pending: { nonce: transaction.nonce, state: transaction.state } });
      this.browser.assign(url);
    } catch (err) {
      throw this.fail(err);
    }
  }

  /**
   * Logs out: always forgets the local session, then (unless `localOnly`) sends the browser to
   * the provider's `end_session_endpoint` with `id_token_hint` and `post_logout_redirect_uri`.
   */
  async logout(options: LogoutOptions = {}): Promise<void> {
    const idToken = this.state.value.tokens?.idToken;
    clearSession(this.tokenStorage, this.config.clientId);
    this.state.update({ tokens: null, user: null, error: null, pending: null });
    if (options.localOnly) return;
    let url: string | undefined;
    try {
      url = await buildLogoutUrl(this.ctx, idToken);
    } catch (err) {
      // The local session is gone either way; the provider's session may outlive it.
      this.fail(err);
      return;
    }
    if (url) this.browser.assign(url);
  }

  /** Forgets the last error (e.g. after the app showed it). */
  clearError(): void {
    this.state.update({ error: null });
  }

  /**
   * Resolves with the current access token once start-up is done, or `null` when nobody is
   * logged in or the token has expired.
   */
  async getAccessToken(): Promise<string | null> {
    await this.initialize();
    const tokens = this.state.value.tokens;
    if (!tokens) return null;
    if (tokens.expiresAt !== undefined && tokens.expiresAt <= Date.now()) return null;
    return tokens.accessToken ?? null;
  }

  /**
   * Finds the allowlist entry a request URL may send the token to; `undefined` for any other
   * URL and always for the provider's own endpoints.
   */
  matchAllowedUrl(url: string, method: string): AllowedUrlMatcher | undefined {
    if (this.config.allowedUrls.length === 0) return undefined;
    if (isProviderEndpoint(this.endpoints, url, this.config.appOrigin)) return undefined;
    return matchAllowedUrl(this.config.allowedUrls, url, method, this.config.appOrigin);
  }

  private async runInitialize(): Promise<void> {
    const now = Date.now();
    purgeExpiredTransactions(this.ctx.transactions, now);
    const session = loadSession(this.tokenStorage, this.config.clientId, now);
    if (session) this.state.update({ tokens: session.tokens, user: session.user });
    const href = this.browser.href();
    if (isLoginCallback(this.ctx, href)) {
      // RFC 9700 §4.2.4: the code and state leave the address bar (history, Referer) before
      // anything else runs.
      this.browser.replaceUrl(new URL(this.config.redirectUri).pathname);
      await this.handleCallback(href);
    } else if (!session) {
      // A login started before this page load (another tab, or one the user walked away from)
      // is still pending; once someone is logged in it is only noise.
      const pending = latestTransaction(this.ctx.transactions, now);
      if (pending) this.state.update({ pending: { nonce: pending.nonce, state: pending.state } });
    }
    this.state.update({ isLoading: false });
  }

  private async handleCallback(href: string): Promise<void> {
    try {
      const { tokens, user, transaction, discovery } = await completeLogin(this.ctx, href);
      this.endpoints = providerEndpoints(this.config.authority, discovery);
      this.state.update({ tokens, user, error: null, pending: null });
      this.persist();
      this.browser.replaceUrl(sanitizeReturnUrl(transaction.returnUrl, this.config.appOrigin));
    } catch (err) {
      // Nothing half-authenticated: no token or user survives a failed callback.
      this.state.update({ tokens: null, user: null, pending: null });
      this.fail(err);
      this.browser.replaceUrl('/');
    }
  }

  private persist(): void {
    const { tokens, user } = this.state.value;
    if (!tokens || !user || this.config.storage === 'memory') return;
    try {
      saveSession(this.tokenStorage, this.config.clientId, { tokens, user });
    } catch (err) {
      this.browser.warn(`ngx-oidc: ${(err as Error).message} The session lives in memory only.`);
    }
  }

  private currentPath(): string {
    const url = new URL(this.browser.href());
    return url.pathname + url.search + url.hash;
  }

  private fail(err: unknown): AuthError {
    const error =
      err instanceof AuthError
        ? err
        : new AuthError('invalid_response', `Unexpected failure: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    this.state.update({ error });
    return error;
  }
}
