import { inject, InjectionToken } from '@angular/core';
import type { AuthClient, AuthClientFactory } from '../core/auth-client';
import { OidcClient } from '../core/client';
import { rebaseConfig, resolveConfig, type ResolvedAuthConfig } from '../core/config';
import { checkFeatures } from '../core/features';
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
  return (listener) => new OidcClient(config, platform, listener, protocol);
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

/** Each service's client, for `authInterceptor` (the client is not part of the service's API). */
const clients = new WeakMap<object, AuthClient>();

/** Records `client` as the client of `service`. */
export function setClient(service: object, client: AuthClient): AuthClient {
  clients.set(service, client);
  return client;
}

/** The client of `service` (an `AuthService`). */
export function clientOf(service: object): AuthClient {
  return clients.get(service)!;
}
