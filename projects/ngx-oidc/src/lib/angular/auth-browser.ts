import { DOCUMENT } from '@angular/common';
import { inject, InjectionToken } from '@angular/core';
import type { FetchLike } from '../core/types';

/**
 * The few browser facilities the Angular layer needs, behind a token so tests (and the server
 * side of SSR) can replace them. Nothing here touches `window` at import time.
 */
export interface AuthBrowser {
  /** The app's origin (`https://app.example.com`). */
  readonly origin: string;
  /** The current URL. */
  href(): string;
  /** Leaves the app for `url` (the provider's login or logout page). */
  assign(url: string): void;
  /** Replaces the current history entry's URL without navigating. */
  replaceUrl(url: string): void;
  readonly fetch: FetchLike;
  readonly warn: (message: string) => void;
}

/** The browser the Angular layer drives; defaults to the document's window. */
export const AUTH_BROWSER = new InjectionToken<AuthBrowser>('ngx-oidc AUTH_BROWSER', {
  providedIn: 'root',
  factory: () => {
    const view = inject(DOCUMENT).defaultView;
    if (!view) return serverBrowser();
    return {
      origin: view.location.origin,
      href: () => view.location.href,
      assign: (url) => view.location.assign(url),
      replaceUrl: (url) => view.history.replaceState(view.history.state, '', url),
      fetch: (input, init) => view.fetch(input, init),
      warn: (message) => console.warn(message),
    };
  },
});

/** Without a window (server rendering) nothing is authenticated and nothing leaves the app. */
function serverBrowser(): AuthBrowser {
  return {
    origin: 'http://localhost',
    href: () => 'http://localhost/',
    assign: () => undefined,
    replaceUrl: () => undefined,
    fetch: () => Promise.reject(new Error('ngx-oidc does not call the provider during server rendering')),
    warn: (message) => console.warn(message),
  };
}
