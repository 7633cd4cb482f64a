import { computed, signal } from '@angular/core';
import type {
  AccessTokenOptions,
  AllowedUrlEntry,
  AllowedUrlMatcher,
  AuthError,
  AuthEvent,
  AuthService,
  AuthUser,
  LoginOptions,
  LogoutOptions,
  TokenRequest,
} from 'ngx-oidc';
import { Subject } from 'rxjs';

/**
 * A stand-in for `AuthService` in unit tests: writable signals for the state the demo reads,
 * and jasmine spies for the actions. Provide with `{ provide: AuthService, useValue: fake }`.
 */
export class FakeAuthService {
  readonly user = signal<AuthUser | null>(null);
  readonly idToken = signal<string | null>(null);
  readonly accessToken = signal<string | null>(null);
  readonly error = signal<AuthError | null>(null);
  readonly nonce = signal<string | null>(null);
  readonly loginState = signal<string | null>(null);
  readonly isLoading = signal(false);
  /** Expiry of the login's access token (epoch milliseconds). */
  readonly expiresAt = signal<number | null>(null);
  readonly isAuthenticated = computed(() => this.idToken() !== null);

  /** URL prefixes `matchAllowedUrl` accepts (what `allowedUrls` would be). */
  allowedPrefixes: (string | AllowedUrlEntry)[] = [];

  /** Tokens `getAccessToken` resolves for other audiences than the login's. */
  readonly audienceTokens = new Map<string, string>();

  private readonly events = new Subject<AuthEvent>();
  readonly events$ = this.events.asObservable();

  readonly configuration = {
    authority: 'http://localhost:9000',
    clientId: 'ngx-oidc-demo',
    redirectUri: 'http://localhost:4200/callback',
    scope: 'openid profile email read:messages',
  };

  readonly login = jasmine
    .createSpy<(options?: LoginOptions) => Promise<void>>('login')
    .and.resolveTo();
  readonly logout = jasmine
    .createSpy<(options?: LogoutOptions) => Promise<void>>('logout')
    .and.callFake(async () => {
      this.idToken.set(null);
      this.user.set(null);
    });

  readonly initialize = jasmine.createSpy<() => Promise<void>>('initialize').and.resolveTo();

  /** Used by the real `authInterceptor`. */
  matchAllowedUrl(url: string, _method: string): AllowedUrlMatcher | undefined {
    const entry = this.allowedPrefixes.find((e) => {
      const prefix = typeof e === 'string' ? e : e.uri;
      return url === prefix || url.startsWith(prefix + '/');
    });
    if (entry === undefined) return undefined;
    const { uri, audience, scope } = typeof entry === 'string' ? { uri: entry } : entry;
    const parsed = new URL(uri);
    return { origin: parsed.origin, path: parsed.pathname, allowAnonymous: false, audience, scope };
  }

  /**
   * Used by the real `authInterceptor` and the session panel: `null` when logged out, else the
   * login's token, or the one in {@link audienceTokens} for another audience.
   */
  readonly getAccessToken = jasmine
    .createSpy<(options?: AccessTokenOptions) => Promise<string | null>>('getAccessToken')
    .and.callFake(async (options = {}) => {
      const token = this.accessToken();
      if (token === null || !options.audience) return token;
      return this.audienceTokens.get(options.audience) ?? token;
    });

  /** The interceptor's fast path; `undefined` sends it to `getAccessToken`, which is recorded. */
  peekAccessToken(): string | undefined {
    return undefined;
  }

  /** Used by the real `authInterceptor` after a 401 `invalid_token`: a new token. */
  readonly renewAfterRejection = jasmine
    .createSpy<(rejectedToken: string, request: TokenRequest) => Promise<string | null>>(
      'renewAfterRejection',
    )
    .and.callFake(async (rejected) => {
      if (this.accessToken() === null) return null;
      this.accessToken.set(`${rejected}-renewed`);
      return this.accessToken();
    });

  /** Publishes `event` on `events$`. */
  emit(event: AuthEvent): void {
    this.events.next(event);
  }

  /** Puts the fake in the logged-in state. */
  signIn(user: AuthUser, idToken = fakeJwt({ ...user, exp: 2_000_000_000 })): void {
    this.user.set(user);
    this.idToken.set(idToken);
    this.accessToken.set('access-token');
    this.expiresAt.set(Date.now() + 300_000);
  }

  /** Typed for `useValue`. */
  asService(): AuthService {
    return this as unknown as AuthService;
  }
}

/** An unsigned JWT carrying `payload` (the demo only decodes it for display). */
export function fakeJwt(payload: Record<string, unknown>): string {
  const encode = (value: unknown) =>
    btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.`;
}
