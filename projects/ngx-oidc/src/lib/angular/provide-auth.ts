import { inject, makeEnvironmentProviders, provideAppInitializer, type EnvironmentProviders } from '@angular/core';
import { PLACEHOLDER_ORIGIN, resolveConfig, type AuthConfig } from '../core/config';
import { AUTH_CONFIG } from './auth-config';
import { AuthService } from './auth.service';

/**
 * Sets up ngx-oidc for a standalone app: the constructor-time options, and an app initializer
 * that completes a login when the app is loaded on the redirect URI, before the first
 * navigation.
 *
 * ```ts
 * bootstrapApplication(App, { providers: [
 *   provideRouter(routes),
 *   provideAuth({ authority: 'https://tenant.example.com', clientId: 'spa',
 *                 audience: 'https://api.example.com', allowedUrls: ['https://api.example.com'] }),
 *   provideHttpClient(withInterceptors([authInterceptor])),
 * ]});
 * ```
 *
 * @param config Constructor-time options. Per-login options go to `AuthService.login()`.
 * @throws {AuthError} `invalid_configuration` at once when an option is missing or malformed,
 *   naming the option.
 */
export function provideAuth(config: AuthConfig): EnvironmentProviders {
  // Fail at start-up, not at the first login: every option that can be checked without the
  // app's origin is checked here (relative URLs resolve against a placeholder).
  resolveConfig(config, PLACEHOLDER_ORIGIN);
  return makeEnvironmentProviders([
    { provide: AUTH_CONFIG, useValue: config },
    provideAppInitializer(() => inject(AuthService).initialize()),
  ]);
}
