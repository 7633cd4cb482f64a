import { DOCUMENT } from '@angular/common';
import { createEnvironmentInjector, DestroyRef, EnvironmentInjector, inject } from '@angular/core';
import type { AllowedUrlMatcher } from '../core/allowed-url';
import type { AuthClient, AuthClientFactory } from '../core/auth-client';
import { claimTransaction, routeCallbacks } from '../core/callback-routing';
import { OidcClient, type AccessTokenOptions, type ClientListener } from '../core/client';
import {
  checkProvidersApart,
  PLACEHOLDER_ORIGIN,
  rebaseConfig,
  resolveConfig,
  type AuthConfig,
  type ResolvedAuthConfig,
} from '../core/config';
import { AuthError, isAuthError } from '../core/errors';
import { checkFeatures, type ProtocolFeatures } from '../core/features';
import type { AuthPlatform } from '../core/platform';
import { scopeName, type SessionScope } from '../core/session-store';
import { MemoryStorage, openWebStorage } from '../core/storage';
import { AUTH_CLIENT, type MultiProviderProtocol } from './auth-client';
import { AUTH_CONFIG } from './auth-config';
import { AuthService } from './auth.service';
import { AUTH_FEATURES, mergeFeatures, type AuthFeature, type AuthFeatures } from './features';
import type { ProviderRouter } from './provider-access';

/** One `withAuthProvider()` call, kept in the main provider's protocol features under a symbol of its own. */
class ProviderDefinition {
  constructor(
    readonly name: string,
    readonly config: AuthConfig,
    readonly features: AuthFeatures & Required<Pick<AuthFeatures, 'checked'>>,
  ) {}
}

/** An allowlist entry of another provider than the main one, as the main client returns it to `authInterceptor`. */
interface RoutedEntry extends AllowedUrlMatcher {
  /** The client that owns the entry: its token goes with the request. */
  readonly ɵclient: AuthClient;
  /** Its service (development mode: the diagnosis of a refused token). */
  readonly ɵservice: AuthService;
}

/**
 * Another OpenID Provider for the same app, next to the one `provideAuth()` configures (for
 * example the workforce provider and a partner's). It gets a client of its own: its own
 * configuration (scopes, audience, `allowedUrls`, storage, renewal) and features, its own
 * login transactions, session, renewal and tab channel. The main provider stays as it is:
 * `AuthService`, `authGuard` and `getAccessToken()` without a provider name are its.
 *
 * ```ts
 * provideAuth(
 *   { authority: 'https://login.example.com', clientId: 'spa', allowedUrls: ['https://api.example.com'] },
 *   withAuthProvider(
 *     'partner',
 *     { authority: 'https://idp.partner.example', clientId: 'spa', scope: 'openid read:partner',
 *       allowedUrls: ['https://api.example.com/partner'] },   // ← overlaps: invalid_configuration
 *     withPushedAuthorizationRequests(),
 *   ),
 * )
 * ```
 *
 * - Its service: `injectAuth('partner')` or `inject(AuthProviders).get('partner')`, an
 *   `AuthService` of its own (`login()`, `logout()`, `isAuthenticated`, `user`, …).
 * - Its token: `authInterceptor` sends it to the provider's `allowedUrls`; no URL may be
 *   allow-listed for two providers. `auth.getAccessToken({ provider: 'partner' })` on any
 *   `AuthService` of the app.
 * - Its routes: `canActivate: [authGuardFor('partner')]`.
 * - Its callback: the providers may share the redirect URI; each authorization response goes to
 *   the provider whose login sent its `state`, and is checked against that provider's issuer
 *   (RFC 9207: a response with another provider's `iss` fails, `iss_parameter_mismatch`).
 *
 * @param name The provider's name in the app: letters, digits, `_`, `-`, `.`, `:`.
 * @param config Its constructor-time options, as for `provideAuth()`.
 * @param features Its optional parts (`withPushedAuthorizationRequests()`, …).
 * @throws {AuthError} `invalid_configuration` at once for its own options, as `provideAuth()`;
 *   at start-up when two providers are the same client (issuer and client id), their
 *   `allowedUrls` overlap (same origin, one path a prefix of the other), one's `allowedUrls`
 *   cover another's issuer, or two have the same name.
 * @throws {TypeError} for a malformed name, or a `withAuthProvider()` among `features`.
 * @see https://www.rfc-editor.org/rfc/rfc9207
 */
export function withAuthProvider(
  name: string,
  config: AuthConfig,
  ...features: AuthFeature[]
): AuthFeature<'auth_provider'> {
  if (typeof name !== 'string' || !/^[\w.:-]+$/.test(name)) {
    throw new TypeError(
      typeof ngDevMode === 'undefined' || ngDevMode
        ? `withAuthProvider(): the name "${String(name)}" must be letters, digits, "_", "-", "." or ":".`
        : 'name',
    );
  }
  if (features.some((f) => f.kind === 'auth_provider')) {
    throw new TypeError(
      typeof ngDevMode === 'undefined' || ngDevMode
        ? `withAuthProvider('${name}'): a provider's features cannot add providers; give each withAuthProvider() to provideAuth().`
        : 'name',
    );
  }
  const merged = mergeFeatures(features);
  let resolved: ResolvedAuthConfig;
  try {
    // Checked now, as provideAuth() checks its own; the app's origin comes at start-up.
    resolved = resolveConfig(config, PLACEHOLDER_ORIGIN);
    checkFeatures(resolved, merged.protocol);
  } catch (err) {
    if ((typeof ngDevMode === 'undefined' || ngDevMode) && isAuthError(err))
      err.message = `withAuthProvider('${name}'): ${err.message}`;
    throw err;
  }
  const protocol: MultiProviderProtocol & Record<symbol, ProviderDefinition> = {
    ɵproviders: createProviders,
    // A key per call: provideAuth() merges the features' protocol parts with Object.assign.
    [Symbol(name)]: new ProviderDefinition(name, config, {
      ...merged,
      checked: { config, resolved },
    }),
  };
  return { kind: 'auth_provider', ɵprotocol: protocol };
}

/**
 * Creates the clients of every provider (in the injection context of the main `AuthService`'s
 * client factory): checks that the providers stay apart, gives each a view of the page's URL
 * that shows it only its own callbacks (`routeCallbacks`), and each other provider an
 * `AuthService` in an injector of its own.
 * @returns The main client's factory.
 */
function createProviders(
  config: ResolvedAuthConfig,
  platform: AuthPlatform,
  protocol: ProtocolFeatures,
): AuthClientFactory {
  const definitions = Object.getOwnPropertySymbols(protocol)
    .map((key) => (protocol as Record<symbol, unknown>)[key])
    .filter((d): d is ProviderDefinition => d instanceof ProviderDefinition);
  const names = definitions.map((d) => d.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) {
    throw new AuthError(
      'invalid_configuration',
      typeof ngDevMode === 'undefined' || ngDevMode
        ? `ngx-oidc: two providers are named "${twice}"; give each withAuthProvider() its own name.`
        : '',
      { option: twice },
    );
  }
  const configs = definitions.map((d) =>
    rebaseConfig(d.features.checked.resolved, d.config, platform.origin),
  );
  checkProvidersApart([
    { name: 'the main provider', config },
    ...definitions.map((d, i) => ({ name: `"${d.name}"`, config: configs[i] })),
  ]);
  const view = platform.server ? null : inject(DOCUMENT).defaultView;
  // Where every client keeps its login transactions (OidcClient opens the same storage).
  const transactions = platform.server
    ? new MemoryStorage()
    : openWebStorage('session', platform.warn);
  const [main, ...platforms] = routeCallbacks(platform, transactions, [
    config,
    ...configs.map((c, i) => {
      // Its own silent-authentication frame and popup windows, from its own features.
      const { frame, popups } = definitions[i].features;
      return {
        ...c,
        own: view
          ? {
              ...popups?.(view),
              runFrame: frame && ((url: string, timeoutMs: number) => frame(view, url, timeoutMs)),
            }
          : {},
      };
    }),
  ]);
  /**
   * A client's listener: a login it reports pending is marked as its own (the callback then
   * goes to it), and another provider's pending login is not shown as its own.
   */
  const claiming = (listener: ClientListener, client: SessionScope): ClientListener => ({
    update: (patch) => {
      const owner = patch.pending && claimTransaction(transactions, patch.pending.state, client);
      listener.update(owner && owner !== scopeName(client) ? { ...patch, pending: null } : patch);
    },
    event: (event) => listener.event(event),
  });
  /** The other providers, in order; their client and service once created (below). */
  const others = definitions.map((d) => ({
    name: d.name,
    client: undefined as AuthClient | undefined,
    service: undefined as AuthService | undefined,
  }));
  let first: AuthClient | undefined;
  const owners = new WeakMap<AllowedUrlMatcher, RoutedEntry>();
  const services = new Map<string, AuthService>();
  /** Each service's client: the provider's OidcClient, plus what concerns every provider of the app. */
  const router = (self: AuthClient): ProviderRouter => {
    const own: Partial<ProviderRouter> = {
      // The main service's initialize() (provideAuth()'s app initializer) starts them all.
      initialize: () =>
        self === first
          ? Promise.all([self, ...others.map((o) => o.client!)].map((c) => c.initialize())).then(
              () => undefined,
            )
          : self.initialize(),
      getAccessToken: async ({ provider, ...options }: AccessTokenOptions = {}) =>
        (provider === undefined ? self : named(provider)).getAccessToken(options),
      // RFC 6750 §5.3: the token of the one provider whose allowedUrls cover the request
      // (checkProvidersApart: never two); authInterceptor then uses that entry's client.
      matchAllowedUrl: (url, method) => {
        let found = first?.matchAllowedUrl(url, method);
        for (const { client, service } of others) {
          const entry = client!.matchAllowedUrl(url, method);
          if (!entry) continue;
          if (found) return undefined;
          let routed = owners.get(entry);
          if (!routed)
            owners.set(entry, (routed = { ...entry, ɵclient: client!, ɵservice: service! }));
          found = routed;
        }
        return found;
      },
      ɵservices: services,
    };
    return new Proxy(self as ProviderRouter, {
      get: (target, name) => {
        if (name in own) return own[name as keyof ProviderRouter];
        const value: unknown = Reflect.get(target, name);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };
  const named = (provider: string): AuthClient => {
    const client = others.find((o) => o.name === provider)?.client;
    if (!client) {
      throw new TypeError(
        typeof ngDevMode === 'undefined' || ngDevMode
          ? `getAccessToken(): no auth provider is named "${provider}" (${names.map((n) => `"${n}"`).join(', ')}).`
          : provider,
      );
    }
    return client;
  };
  const parent = inject(EnvironmentInjector);
  const destroyRef = inject(DestroyRef);
  definitions.forEach((definition, i) => {
    const injector = createEnvironmentInjector(
      [
        { provide: AUTH_CONFIG, useValue: definition.config },
        { provide: AUTH_FEATURES, useValue: definition.features },
        {
          provide: AUTH_CLIENT,
          useValue: ((listener: ClientListener) =>
            router(
              (others[i].client = new OidcClient(
                configs[i],
                platforms[i],
                claiming(listener, configs[i]),
                definition.features.protocol,
              )),
            )) satisfies AuthClientFactory,
        },
        AuthService,
      ],
      parent,
      `ngx-oidc provider ${definition.name}`,
    );
    destroyRef.onDestroy(() => injector.destroy());
    services.set(definition.name, (others[i].service = injector.get(AuthService)));
  });
  return (listener) =>
    router((first = new OidcClient(config, main, claiming(listener, config), protocol)));
}
