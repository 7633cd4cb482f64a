import { makeEnvironmentProviders, type EnvironmentProviders } from '@angular/core';
import { AUTH_CONFIG, AuthService } from 'ngx-oidc';
import {
  AUTH_TESTING_OPTIONS,
  testAuthConfig,
  type AuthTestingOptions,
} from './auth-testing-options';
import { FakeAuthService } from './fake-auth';

/**
 * Swaps ngx-oidc for a controllable fake in tests: `AuthService` becomes a
 * {@link FakeAuthService} (also injectable as itself, to drive it), and `AUTH_CONFIG` a
 * harmless configuration. Unlike `provideAuth()` it adds no app initializer, and nothing talks
 * to a provider, the network, storage or timers. The real `authGuard` and `authInterceptor`
 * work unchanged against it.
 *
 * @param options The state the fake starts in and how `login()` behaves (default: nobody
 *   logged in, and `login()` logs the default test user in at once).
 * @returns Providers for `TestBed.configureTestingModule({ providers })`; put them after
 *   `provideAuth()` if the app config is reused, so they win.
 * @example
 * ```ts
 * TestBed.configureTestingModule({
 *   providers: [
 *     provideAuthTesting({ authenticated: true, user: { sub: 'alice', name: 'Alice' },
 *                          allowedUrls: ['https://api.example.test'] }),
 *     provideHttpClient(withInterceptors([authInterceptor])),
 *     provideHttpClientTesting(),
 *   ],
 * });
 * const auth = TestBed.inject(FakeAuthService);
 * ```
 */
export function provideAuthTesting(options: AuthTestingOptions = {}): EnvironmentProviders {
  return makeEnvironmentProviders([
    { provide: AUTH_TESTING_OPTIONS, useValue: options },
    { provide: AUTH_CONFIG, useValue: testAuthConfig(options) },
    FakeAuthService,
    // FakeAuthService implements every public member of AuthService (AuthServiceApi);
    // AuthService's private members are what keep it from being declared a subclass.
    { provide: AuthService, useExisting: FakeAuthService },
  ]);
}
