import { inject, makeEnvironmentProviders, provideAppInitializer, type EnvironmentProviders } from '@angular/core';
import { PLACEHOLDER_ORIGIN, resolveConfig, type AuthConfig } from '../core/config';
import { checkFeatures } from '../core/features';
import { AUTH_CONFIG } from './auth-config';
import { AUTH_FEATURES, mergeFeatures, type AuthFeature } from './features';
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
 * Optional parts are added as features, e.g. `provideAuth(config, withSilentAuthentication())`:
 * {@link withImplicitFlow}, {@link withSilentAuthentication} and
 * {@link withPushedAuthorizationRequests}. Only the ones given end up in
 * the app's bundle.
 *
 * @param config Constructor-time options. Per-login options go to `AuthService.login()`.
 * @param features Optional parts the configuration uses.
 * @throws {AuthError} `invalid_configuration` at once when an option is missing or malformed,
 *   or needs a feature that was not given, naming the option.
 */
export function provideAuth(config: AuthConfig, ...features: AuthFeature[]): EnvironmentProviders {
  const merged = mergeFeatures(features);
  // Fail at start-up, not at the first login: every option that can be checked without the
  // app's origin is checked here (relative URLs resolve against a placeholder), once; the
  // client moves the result onto the app's origin.
  const resolved = resolveConfig(config, PLACEHOLDER_ORIGIN);
  checkFeatures(resolved, merged.protocol);
  return makeEnvironmentProviders([
    { provide: AUTH_CONFIG, useValue: config },
    { provide: AUTH_FEATURES, useValue: { ...merged, checked: { config, resolved } } },
    provideAppInitializer(() => inject(AuthService).initialize()),
  ]);
}
