import { NgModule, type ModuleWithProviders } from '@angular/core';
import type { AuthConfig } from '../core/config';
import type { AuthFeature } from './features';
import { provideAuth } from './provide-auth';

/**
 * ngx-oidc for NgModule apps: the same providers as {@link provideAuth}.
 *
 * ```ts
 * @NgModule({
 *   imports: [BrowserModule, AuthModule.forRoot({ authority: 'https://tenant.example.com/', clientId: 'spa' })],
 *   providers: [provideHttpClient(withInterceptors([authInterceptor]))],
 * })
 * export class AppModule {}
 * ```
 */
@NgModule({})
export class AuthModule {
  /**
   * @param config Constructor-time options, as for `provideAuth()`.
   * @param features Optional parts, as for `provideAuth()` (`withSilentAuthentication()`, …).
   * @throws {AuthError} `invalid_configuration` at once for a missing or malformed option.
   */
  static forRoot(config: AuthConfig, ...features: AuthFeature[]): ModuleWithProviders<AuthModule> {
    return { ngModule: AuthModule, providers: [provideAuth(config, ...features)] };
  }
}
