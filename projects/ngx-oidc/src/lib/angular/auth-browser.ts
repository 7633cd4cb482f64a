import { DOCUMENT, isPlatformBrowser } from '@angular/common';
import { inject, InjectionToken, PLATFORM_ID } from '@angular/core';
import { AuthError } from '../core/errors';
import type { AuthPlatform, TabChannel } from '../core/platform';

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
    return view ? windowPlatform(view) : serverPlatform();
  },
});

/** The real browser. */
export function windowPlatform(view: Window & typeof globalThis): AuthPlatform {
  return {
    origin: view.location.origin,
    href: () => view.location.href,
    assign: (url) => view.location.assign(url),
    replaceUrl: (url) => view.history.replaceState(view.history.state, '', url),
    fetch: (input, init) => view.fetch(input, init),
    warn: (message) => console.warn(message),
    runFrame: (url, timeoutMs) => runFrame(view, url, timeoutMs),
    openChannel: (name) => openChannel(view, name),
    withLock: view.navigator.locks
      ? <T>(name: string, fn: () => Promise<T>) => view.navigator.locks.request(name, fn) as Promise<T>
      : undefined,
  };
}

/**
 * Silent authentication's frame: a hidden iframe at the provider, whose final page (the app's
 * silent-callback page, same origin) posts `{ source: 'ngx-oidc', url }` to this window.
 */
function runFrame(view: Window, url: string, timeoutMs: number): Promise<string> {
  const doc = view.document;
  const frame = doc.createElement('iframe');
  frame.setAttribute('aria-hidden', 'true');
  frame.setAttribute('tabindex', '-1');
  frame.title = 'ngx-oidc silent authentication';
  frame.style.cssText = 'position:absolute;width:0;height:0;border:0;visibility:hidden';
  return new Promise<string>((resolve, reject) => {
    const done = () => {
      view.clearTimeout(timer);
      view.removeEventListener('message', onMessage);
      frame.remove();
    };
    const onMessage = (event: MessageEvent) => {
      // Only our own silent-callback page, in our own frame, may answer.
      if (event.origin !== view.location.origin || event.source !== frame.contentWindow) return;
      const data = event.data as { source?: unknown; url?: unknown } | null;
      if (data?.source !== 'ngx-oidc' || typeof data.url !== 'string') return;
      done();
      resolve(data.url);
    };
    const timer = view.setTimeout(() => {
      done();
      reject(
        new AuthError(
          'timeout',
          `Silent authentication got no answer within ${timeoutMs / 1000} s: the provider may refuse to be framed, third-party cookies may be blocked, or silentRedirectUri does not serve the silent-callback page.`,
        ),
      );
    }, timeoutMs);
    view.addEventListener('message', onMessage);
    frame.src = url;
    doc.body.appendChild(frame);
  });
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
      // A renewal under way is announced to tabs that could see the renewal marker in this
      // same storage anyway; as a `reload` it would only make them re-read it for nothing.
      if (type === 'renewing') return;
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
    fetch: () => Promise.reject(new Error('ngx-oidc does not call the provider during server rendering')),
    warn: (message) => console.warn(message),
    setTimer: () => () => undefined,
  };
}
