import { InjectionToken } from '@angular/core';
import type {
  AllowedUrl,
  AuthConfig,
  AuthError,
  AuthFeature,
  AuthService,
  AuthUser,
  TokenRequest,
} from 'ngx-oidc';
/**
 * The public members of {@link AuthService}: what an app can call, and so what a stand-in must
 * offer. (`AuthService` itself has private members, so no other class can `implement` it.)
 *
 * @example
 * ```ts
 * const auth: AuthServiceApi = TestBed.inject(FakeAuthService);
 * ```
 */
export type AuthServiceApi = Pick<AuthService, keyof AuthService>;

/**
 * What the fake's `login()` (and `loginWithPopup()`) does: `'complete'` logs the configured user
 * in at once (the default), `'pending'` leaves a login in progress (as if the browser had gone
 * to the provider and not come back; a `loginWithPopup()` then waits for `logIn()` or
 * `failLogin()`), and an `AuthError` makes it fail with it.
 *
 * @example
 * ```ts
 * provideAuthTesting({ login: 'pending' });
 * TestBed.inject(FakeAuthService).loginBehavior = new AuthError('network_error', 'Offline.');
 * ```
 */
export type FakeLoginBehavior = 'complete' | 'pending' | AuthError;

/**
 * Tokens of a fake login; each one left out gets a fixed placeholder.
 *
 * @example
 * ```ts
 * auth.logIn(undefined, { accessToken: 'token-1', expiresAt: Date.now() + 60_000 });
 * ```
 */
export interface FakeTokens {
  /** The login's access token. Default `'fake-access-token'`. */
  readonly accessToken?: string;
  /** The raw ID token. Default `'fake-id-token'` (not a JWT: nothing should parse it). */
  readonly idToken?: string;
  /** When the access token expires (epoch milliseconds). Default `null` (unknown). */
  readonly expiresAt?: number;
}

/**
 * Options of `provideAuthTesting()`: the state the fake starts in and how it behaves.
 *
 * @example
 * ```ts
 * provideAuthTesting({ authenticated: true, user: { sub: 'alice', name: 'Alice' },
 *                      allowedUrls: ['https://api.example.test'], config: { loginRoute: '/login' } });
 * ```
 */
export interface AuthTestingOptions extends FakeTokens {
  /** Start logged in (with `user` and the tokens). Default `false`. */
  readonly authenticated?: boolean;
  /**
   * The user's claims, used when starting authenticated and by every later `login()` or
   * `logIn()` that names no user. Default `{ sub: 'test-user', name: 'Test User', email: … }`.
   */
  readonly user?: AuthUser;
  /** An error to start with, as if start-up had failed. Default `null`. */
  readonly error?: AuthError | null;
  /** Start with `isLoading` true; `initialize()` (and so `authGuard`) waits until it is false. */
  readonly loading?: boolean;
  /** Allowlist of `authInterceptor`, checked by the library's own matcher. Default none. */
  readonly allowedUrls?: readonly AllowedUrl[];
  /**
   * More constructor-time options (`loginRoute`, `audience`, …) over a harmless configuration
   * (`https://auth.example.test`, client `ngx-oidc-testing`). They are resolved and checked as
   * `provideAuth()` would, but nothing is ever fetched from `authority`.
   */
  readonly config?: Partial<AuthConfig>;
  /**
   * The features the app gives `provideAuth(config, ...features)`, so that a configuration
   * using them (`silentRedirectUri` needs `withSilentAuthentication()`, an implicit
   * `responseType` needs `withImplicitFlow()`) is accepted, as `provideAuth()` would. They
   * only let the configuration resolve: the fake never renews in a frame or reads a callback.
   * Default: those of a `provideAuth()` provided before `provideAuthTesting()`, else none.
   *
   * @example
   * ```ts
   * provideAuthTesting({ config: { silentRedirectUri: `${location.origin}/silent.html` },
   *                      features: [withSilentAuthentication()] });
   * ```
   */
  readonly features?: readonly AuthFeature[];
  /** What `login()` does. Default `'complete'`. */
  readonly login?: FakeLoginBehavior;
}

/** The options handed from `provideAuthTesting()` to the fake. */
export const AUTH_TESTING_OPTIONS = new InjectionToken<AuthTestingOptions>(
  'ngx-oidc AUTH_TESTING_OPTIONS',
  {
    providedIn: 'root',
    factory: () => ({}),
  },
);

/**
 * The user a fake login logs in when no other is given.
 *
 * @example
 * ```ts
 * await auth.login();
 * expect(auth.user()).toEqual(DEFAULT_TEST_USER);
 * ```
 */
export const DEFAULT_TEST_USER: AuthUser = Object.freeze({
  sub: 'test-user',
  name: 'Test User',
  email: 'test-user@example.test',
});

/** The authority of the harmless configuration. Nothing is ever fetched from it. */
export const TEST_AUTHORITY = 'https://auth.example.test';

/** The client id of the harmless configuration. */
export const TEST_CLIENT_ID = 'ngx-oidc-testing';

/**
 * The configuration `provideAuthTesting()` provides as `AUTH_CONFIG`: a harmless one, plus the
 * test's `allowedUrls` and `config`.
 *
 * @param options The options given to `provideAuthTesting()`.
 * @returns A valid `AuthConfig` that points nowhere real.
 */
export function testAuthConfig(options: AuthTestingOptions = {}): AuthConfig {
  return {
    authority: TEST_AUTHORITY,
    clientId: TEST_CLIENT_ID,
    ...(options.allowedUrls ? { allowedUrls: options.allowedUrls } : {}),
    ...options.config,
  };
}

/**
 * The arguments of one `renewAfterRejection()` call, as recorded by the fake.
 *
 * @example
 * ```ts
 * expect(auth.renewAfterRejectionCalls).toEqual([{ rejectedToken: 'old', request: {} }]);
 * ```
 */
export interface RenewAfterRejectionCall {
  /** The token the API refused (the first argument). */
  readonly rejectedToken: string;
  /** The audience and scope asked for (the second argument). */
  readonly request: TokenRequest;
}
