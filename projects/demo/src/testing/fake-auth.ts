import { computed, signal } from '@angular/core';
import type {
  AllowedUrlMatcher,
  AuthError,
  AuthService,
  AuthUser,
  LoginOptions,
  LogoutOptions,
} from 'ngx-oidc';

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
  readonly isAuthenticated = computed(() => this.idToken() !== null);

  /** URL prefixes `matchAllowedUrl` accepts (what `allowedUrls` would be). */
  allowedPrefixes: string[] = [];

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
    const prefix = this.allowedPrefixes.find((p) => url === p || url.startsWith(p + '/'));
    if (prefix === undefined) return undefined;
    const parsed = new URL(prefix);
    return { origin: parsed.origin, path: parsed.pathname, allowAnonymous: false };
  }

  /** Used by the real `authInterceptor`. */
  async getAccessToken(): Promise<string | null> {
    return this.accessToken();
  }

  /** Puts the fake in the logged-in state. */
  signIn(user: AuthUser, idToken = fakeJwt({ ...user, exp: 2_000_000_000 })): void {
    this.user.set(user);
    this.idToken.set(idToken);
    this.accessToken.set('access-token');
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
