import type { AuthPlatform } from '../platform';
import { openTabChannel } from './tab-channel';

/**
 * The real browser: the platform of a window.
 * @param view The window (`document.defaultView`).
 * @param frame Silent authentication's hidden frame ({@link runFrame}), when
 *   `withSilentAuthentication()` is used; without it the platform has no `runFrame`.
 * @param popups Popup windows (`popupWindows`), when `withPopupLogin()` is used.
 * @returns The platform the client drives; nothing touches `view` until the client calls it.
 */
export function windowPlatform(
  view: Window & typeof globalThis,
  frame?: (view: Window, url: string, timeoutMs: number) => Promise<string>,
  popups?: (view: Window & typeof globalThis) => Pick<AuthPlatform, 'openPopup' | 'closeWindow'>,
): AuthPlatform {
  const locks = view.navigator.locks as LockManager | undefined;
  return {
    ...popups?.(view),
    runFrame: frame && ((url, timeoutMs) => frame(view, url, timeoutMs)),
    origin: view.location.origin,
    href: () => view.location.href,
    assign: (url) => view.location.assign(url),
    replaceUrl: (url) => view.history.replaceState(view.history.state, '', url),
    fetch: (input, init) => view.fetch(input, init),
    warn: (message) => console.warn(message),
    openChannel: (name) => openTabChannel(view, name),
    withLock: locks && (<T>(name: string, fn: () => Promise<T>) => locks.request(name, fn) as Promise<T>),
    locks: locks && {
      hold: (name) => new Promise((granted) => void locks.request(name, { mode: 'shared' }, () => new Promise<void>((release) => granted(release)))),
      held: async () => ((await locks.query()).held ?? []).map((lock) => lock.name ?? ''),
    },
  };
}
