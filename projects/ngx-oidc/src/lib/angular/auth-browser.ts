import { DOCUMENT, isPlatformBrowser } from '@angular/common';
import { inject, InjectionToken, PLATFORM_ID } from '@angular/core';
import type { AuthPlatform, TabChannel } from '../core/platform';
import { AUTH_FEATURES, type AuthFeatures } from './features';

/**
 * The browser facilities the client uses, behind a token so tests (and the server side of SSR)
 * can replace them. Nothing here touches `window` at import time.
 */
export type AuthBrowser = AuthPlatform;

/** The browser the Angular layer drives; defaults to the document's window. */
export const AUTH_BROWSER = new InjectionToken<AuthBrowser>('ngx-oidc AUTH_BROWSER', {
  providedIn: 'root',
  factory: () => {
    // platform-server has a document (and sometimes a defaultView) too: ask the platform.
    const view = isPlatformBrowser(inject(PLATFORM_ID)) ? inject(DOCUMENT).defaultView : null;
    return view ? windowPlatform(view, inject(AUTH_FEATURES).frame) : serverPlatform();
  },
});

/**
 * The real browser.
 * @param frame Silent authentication's hidden frame, when `withSilentAuthentication()` is used.
 */
export function windowPlatform(view: Window & typeof globalThis, frame?: AuthFeatures['frame']): AuthPlatform {
  const locks = view.navigator.locks as LockManager | undefined;
  return {
    runFrame: frame && ((url, timeoutMs) => frame(view, url, timeoutMs)),
    origin: view.location.origin,
    href: () => view.location.href,
    assign: (url) => view.location.assign(url),
    replaceUrl: (url) => view.history.replaceState(view.history.state, '', url),
    fetch: (input, init) => view.fetch(input, init),
    warn: (message) => console.warn(message),
    openChannel: (name) => openChannel(view, name),
    withLock: locks && (<T>(name: string, fn: () => Promise<T>) => locks.request(name, fn) as Promise<T>),
    locks: locks && {
      hold: (name) => new Promise((granted) => void locks.request(name, { mode: 'shared' }, () => new Promise<void>((release) => granted(release)))),
      held: async () => ((await locks.query()).held ?? []).map((lock) => lock.name ?? ''),
    },
  };
}

/**
 * A channel to the app's other tabs: BroadcastChannel, or a `storage`-event fallback that
 * carries no tokens (other tabs then re-read their own storage).
 */
function openChannel(view: Window & typeof globalThis, name: string): TabChannel | undefined {
  if (typeof view.BroadcastChannel === 'function') {
    const channel = new view.BroadcastChannel(name);
    return {
      post: (message) => channel.postMessage(message),
      onMessage: (listener) => channel.addEventListener('message', (event) => listener(event.data)),
      close: () => channel.close(),
    };
  }
  let storage: Storage;
  try {
    storage = view.localStorage;
  } catch {
    return undefined;
  }
  const key = `ngx-oidc.sync.${name}`;
  const listeners: ((message: unknown) => void)[] = [];
  const onStorage = (event: StorageEvent) => {
    if (event.key !== key || !event.newValue) return;
    try {
      const message = JSON.parse(event.newValue) as { type?: string };
      // Only the kind of message crosses; a session is never written to localStorage here.
      listeners.forEach((listener) => listener(message.type === 'logout' ? { type: 'logout' } : { type: 'reload' }));
    } catch {
      // Not ours.
    }
  };
  view.addEventListener('storage', onStorage);
  return {
    post: (message) => {
      const type = (message as { type?: string }).type;
      // Only a session or a logout means anything to a tab that re-reads storage; renewal
      // requests need a BroadcastChannel (tabs without one renew on their own).
      if (type !== 'session' && type !== 'logout') return;
      try {
        storage.setItem(key, JSON.stringify({ type, at: Date.now(), id: Math.random() }));
        storage.removeItem(key);
      } catch {
        // Storage full or disabled: other tabs learn at their next renewal.
      }
    },
    onMessage: (listener) => void listeners.push(listener),
    close: () => view.removeEventListener('storage', onStorage),
  };
}

/** Without a window (server rendering) nothing is authenticated and nothing leaves the app. */
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
