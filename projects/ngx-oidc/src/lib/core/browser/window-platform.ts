import type { AuthPlatform } from '../platform';
import { openTabChannel } from './tab-channel';

/**
 * The real browser: the platform of a window.
 * @param view The window (`document.defaultView`).
 * @param frame Silent authentication's hidden frame ({@link runFrame}), when
 *   `withSilentAuthentication()` is used; without it the platform has no `runFrame`.
 * @returns The platform the client drives; nothing touches `view` until the client calls it.
 */
export function windowPlatform(
  view: Window & typeof globalThis,
  frame?: (view: Window, url: string, timeoutMs: number) => Promise<string>,
): AuthPlatform {
  const locks = view.navigator.locks as LockManager | undefined;
  return {
    runFrame: frame && ((url, timeoutMs) => frame(view, url, timeoutMs)),
    origin: view.location.origin,
    href: () => view.location.href,
    assign: (url) => view.location.assign(url),
    replaceUrl: (url) => view.history.replaceState(view.history.state, '', url),
    fetch: (input, init) => view.fetch(input, init),
    warn: (message) => console.warn(message),
    openChannel: (name) => openTabChannel(view, name),
    // The popup's callback page hands the answer back over a BroadcastChannel (never
    // window.opener, which a provider page's COOP severs): without one, no popup login.
    openPopup: typeof view.BroadcastChannel === 'function' ? () => view.open('about:blank', '_blank', 'popup,width=500,height=640') : undefined,
    closeWindow: () => view.close(),
    withLock: locks && (<T>(name: string, fn: () => Promise<T>) => locks.request(name, fn) as Promise<T>),
    locks: locks && {
      hold: (name) => new Promise((granted) => void locks.request(name, { mode: 'shared' }, () => new Promise<void>((release) => granted(release)))),
      held: async () => ((await locks.query()).held ?? []).map((lock) => lock.name ?? ''),
    },
  };
}

