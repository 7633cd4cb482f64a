import type { AuthPlatform } from '../platform';

/**
 * The platform without a window (server rendering): nothing is authenticated and nothing leaves
 * the app. No frame, tab channel or lock; timers never fire.
 * @returns A platform marked `server`, whose `fetch` rejects without a request.
 */
export function serverPlatform(): AuthPlatform {
  return {
    server: true,
    origin: 'http://localhost',
    href: () => 'http://localhost/',
    assign: () => undefined,
    replaceUrl: () => undefined,
    fetch: () => Promise.reject(new Error((typeof ngDevMode === 'undefined' || ngDevMode) ? 'ngx-oidc does not call the provider during server rendering' : 'ngx-oidc: server rendering')),
    warn: (message) => console.warn(message),
    setTimer: () => () => undefined,
  };
}
