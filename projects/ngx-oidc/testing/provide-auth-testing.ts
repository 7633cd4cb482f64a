import { inject, makeEnvironmentProviders, type EnvironmentProviders } from '@angular/core';
import { AUTH_CONFIG, AuthService, ɵAUTH_CLIENT, type ɵAuthClientFactory } from 'ngx-oidc';
import {
  AUTH_TESTING_OPTIONS,
  testAuthConfig,
  type AuthTestingOptions,
} from './auth-testing-options';
import { FakeAuthService } from './fake-auth';
import { FakeAuthClient } from './fake-client';

/**
 * Swaps the client behind `AuthService` for a scripted one in tests: `AuthService` becomes a
 * {@link FakeAuthService} (the real service, also injectable as itself to drive it), and
 * `AUTH_CONFIG` a harmless configuration. Unlike `provideAuth()` it adds no app initializer, and
 * nothing talks to a provider, the network, storage or timers. The real `authGuard` and
 * `authInterceptor` work unchanged against it.
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
    FakeAuthClient,
    // The real AuthService (as FakeAuthService, which adds the controls) creates its client
    // through this factory: the scripted one.
    { provide: ɵAUTH_CLIENT, useFactory: scriptedClient },
    FakeAuthService,
    { provide: AuthService, useExisting: FakeAuthService },
  ]);
}

function scriptedClient(): ɵAuthClientFactory {
  const client = inject(FakeAuthClient);
  return (listener) => client.connect(listener);
}
