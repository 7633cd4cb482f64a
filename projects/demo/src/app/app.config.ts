import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { type ApplicationConfig, provideBrowserGlobalErrorListeners } from '@angular/core';
import { provideRouter, withComponentInputBinding } from '@angular/router';
import { type AuthConfig, authInterceptor, provideAuth } from 'ngx-oidc';

import { routes } from './app.routes';
import { DEMO_ENV, type DemoEnv } from './demo-env';

/**
 * The constructor-time options of the demo: set once, for every login. The object is frozen, so
 * any attempt to change it afterwards (e.g. by a per-login option leaking into it) would throw.
 */
export function createAuthConfig(env: DemoEnv): AuthConfig {
  return Object.freeze({
    authority: env.authority,
    clientId: env.clientId,
    audience: env.apiAudience,
    scope: 'openid profile email read:messages',
    allowedUrls: Object.freeze([`${env.apiUrl}/api`]),
    // Session storage: a reload keeps the user logged in, closing the tab does not.
    storage: 'session',
    ...(env.responseType ? { responseType: env.responseType } : {}),
    ...(env.nonce ? { nonce: env.nonce } : {}),
    ...(env.loadUserInfo ? { loadUserInfo: true } : {}),
  } satisfies AuthConfig);
}

/** The application's providers for the runtime settings in `env` (see `main.ts`). */
export function createAppConfig(env: DemoEnv): ApplicationConfig {
  return {
    providers: [
      provideBrowserGlobalErrorListeners(),
      { provide: DEMO_ENV, useValue: env },
      provideRouter(routes, withComponentInputBinding()),
      provideHttpClient(withInterceptors([authInterceptor])),
      provideAuth(createAuthConfig(env)),
    ],
  };
}
