import { provideHttpClient, withInterceptors } from '@angular/common/http';
import {
  type ApplicationConfig,
  inject,
  provideBrowserGlobalErrorListeners,
  provideEnvironmentInitializer,
} from '@angular/core';
import { provideRouter, withComponentInputBinding } from '@angular/router';
import {
  type AuthConfig,
  authInterceptor,
  provideAuth,
  withAuthProvider,
  withDpop,
  withImplicitFlow,
  withPopupLogin,
  withPushedAuthorizationRequests,
  withSilentAuthentication,
} from 'ngx-oidc';

import { routes } from './app.routes';
import { DEMO_ENV, type DemoEnv, PARTNER_DEFAULTS } from './demo-env';
import { AuthEventLog } from './session/auth-event-log';

/** The scopes of every login; `offline_access` is added when renewing with refresh tokens. */
export const DEMO_SCOPE = 'openid profile email read:messages';

/** What the demo's calls to the management API (`${apiUrl}/management`) need. */
export const MANAGEMENT_SCOPE = 'read:current_user';

/**
 * The constructor-time options of the demo: set once, for every login. The object is frozen, so
 * any attempt to change it afterwards (e.g. by a per-login option leaking into it) would throw.
 *
 * @param env The runtime settings (`/demo-env.json`).
 * @param appOrigin The app's origin (`window.location.origin`), for the silent redirect URI.
 */
export function createAuthConfig(env: DemoEnv, appOrigin: string): AuthConfig {
  const appNonce = env.nonce;
  return Object.freeze({
    authority: env.authority,
    clientId: env.clientId,
    audience: env.apiAudience,
    // offline_access asks for a refresh token; without it tokens are renewed silently.
    scope: env.renewal === 'refresh_token' ? `${DEMO_SCOPE} offline_access` : DEMO_SCOPE,
    allowedUrls: Object.freeze([
      `${env.apiUrl}/api`,
      // A second API with its own audience: the interceptor gets (and caches) a token for it.
      Object.freeze({
        uri: `${env.apiUrl}/management`,
        audience: env.managementAudience,
        scope: MANAGEMENT_SCOPE,
      }),
    ]),
    // Silent authentication lands here (public/silent-callback.html), also the fallback when
    // there is no refresh token.
    silentRedirectUri: `${appOrigin}/silent-callback.html`,
    // Session storage: a reload keeps the user logged in, closing the tab does not.
    storage: 'session',
    ...(env.responseType ? { responseType: env.responseType } : {}),
    // The "custom nonce" scenario: provideAuth() refuses a constant nonce string (OpenID
    // Connect Core §15.5.2), so the app gives a function called once per login. A real one
    // returns a fresh, unguessable value each time (e.g. one its backend issued); the demo's
    // returns the value of demo-env.json, so the e2e can check exactly that value is sent.
    ...(appNonce ? { nonce: () => appNonce } : {}),
    ...(env.loadUserInfo ? { loadUserInfo: true } : {}),
  } satisfies AuthConfig);
}

/** What the demo's calls to the partner's API (`${apiUrl}/partner`) need. */
export const PARTNER_SCOPE = 'openid profile read:partner offline_access';

/**
 * The constructor-time options of the second provider, "partner" (`withAuthProvider()`): its
 * own issuer, client and API. Its allowlist (`${apiUrl}/partner`) is apart from the main
 * provider's (`/api`, `/management`): the interceptor sends each API its own provider's token.
 * It renews with refresh tokens (`offline_access`) and keeps its session in session storage.
 *
 * @param env The runtime settings (`/demo-env.json`).
 */
export function createPartnerConfig(env: DemoEnv): AuthConfig {
  return Object.freeze({
    authority: env.partnerAuthority ?? PARTNER_DEFAULTS.partnerAuthority,
    clientId: env.partnerClientId ?? PARTNER_DEFAULTS.partnerClientId,
    audience: env.partnerAudience ?? PARTNER_DEFAULTS.partnerAudience,
    scope: PARTNER_SCOPE,
    allowedUrls: Object.freeze([`${env.apiUrl}/partner`]),
    storage: 'session',
  } satisfies AuthConfig);
}

/**
 * The application's providers for the runtime settings in `env` (see `main.ts`).
 *
 * @param appOrigin The app's origin (`window.location.origin`).
 */
export function createAppConfig(env: DemoEnv, appOrigin: string): ApplicationConfig {
  return {
    providers: [
      provideBrowserGlobalErrorListeners(),
      { provide: DEMO_ENV, useValue: env },
      provideRouter(routes, withComponentInputBinding()),
      provideHttpClient(withInterceptors([authInterceptor])),
      // Subscribes to auth.events$ before provideAuth()'s initializer processes a callback, so
      // the Session card also lists what happened before it was shown.
      provideEnvironmentInitializer(() => inject(AuthEventLog)),
      // The demo can run every flow (demo-env.json picks one), so it takes both optional parts;
      // an app that uses the code flow with refresh tokens needs neither. Login in a popup (the
      // "Log in in a popup" button) needs withPopupLogin(). Pushed authorization
      // requests only when demo-env.json asks for them (`par`), so the other logins keep their
      // parameters in the authorization URL.
      provideAuth(
        createAuthConfig(env, appOrigin),
        withImplicitFlow(),
        withSilentAuthentication(),
        withPopupLogin(),
        ...(env.par ? [withPushedAuthorizationRequests({ mode: env.par })] : []),
        // DPoP-bound tokens (RFC 9449) only when demo-env.json asks for them (`dpop`).
        ...(env.dpop ? [withDpop()] : []),
        // A second provider with a client of its own (the Partner page).
        withAuthProvider('partner', createPartnerConfig(env)),
      ),
    ],
  };
}
