import { inject, InjectionToken } from '@angular/core';
import type { AuthClient, AuthClientFactory } from '../core/auth-client';
import { OidcClient } from '../core/client';
import { rebaseConfig, resolveConfig, type ResolvedAuthConfig } from '../core/config';
import { checkFeatures, type ProtocolFeatures } from '../core/features';
import type { AuthPlatform } from '../core/platform';
import { AUTH_BROWSER } from './auth-browser';
import { AUTH_CONFIG } from './auth-config';
import { AUTH_FEATURES } from './features';

/**
 * The real client's factory, from the app's `provideAuth()` configuration and features, over
 * `platform` (default: the browser). Call in an injection context.
 *
 * @internal ngx-oidc/testing builds one over an inert platform for the configuration and the
 *   allowlist; not API.
 */
export function oidcClientFactory(platform: AuthPlatform = inject(AUTH_BROWSER)): AuthClientFactory {
  const options = inject(AUTH_CONFIG);
  const { protocol, checked } = inject(AUTH_FEATURES);
  let config: ResolvedAuthConfig;
  // provideAuth() checked these options with these features: only the app's origin is new.
  // AUTH_CONFIG provided another way is checked here, once.
  if (checked?.config === options) {
    config = rebaseConfig(checked.resolved, options, platform.origin);
  } else {
    checkFeatures((config = resolveConfig(options, platform.origin)), protocol);
  }
  // withAuthProvider() (auth-providers.ts) adds the other providers' clients; absent, it adds no code.
  return (protocol as MultiProviderProtocol).ɵproviders?.(config, platform, protocol) ?? ((listener) => new OidcClient(config, platform, listener, protocol));
}

/**
 * The protocol features of an app with several providers: `withAuthProvider()` adds the
 * function that creates their clients (called in an injection context).
 * @internal
 */
export interface MultiProviderProtocol extends ProtocolFeatures {
  readonly ɵproviders?: (config: ResolvedAuthConfig, platform: AuthPlatform, protocol: ProtocolFeatures) => AuthClientFactory;
}

/**
 * Creates the client `AuthService` drives (default: `OidcClient` over the browser).
 *
 * @internal ngx-oidc/testing swaps it for a scripted client; not API.
 */
export const AUTH_CLIENT = new InjectionToken<AuthClientFactory>('ngx-oidc AUTH_CLIENT', {
  providedIn: 'root',
  factory: () => oidcClientFactory(),
});

/**
 * The client of `service` (an `AuthService`), for `authInterceptor`: its private `client` field
 * (the client is not part of the service's API).
 */
export function clientOf(service: object): AuthClient {
  return (service as { readonly client: AuthClient }).client;
}
