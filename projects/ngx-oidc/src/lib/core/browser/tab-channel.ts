import type { TabChannel } from '../platform';

/**
 * A channel to the app's other tabs: BroadcastChannel, or a `storage`-event fallback that
 * carries no tokens (other tabs then re-read their own storage).
 * @param view The window whose BroadcastChannel or localStorage carries the messages.
 * @param name The channel's name; tabs that open the same name hear each other.
 * @returns The channel, or `undefined` when the window has neither BroadcastChannel nor a
 *   usable localStorage.
 */
export function openTabChannel(view: Window & typeof globalThis, name: string): TabChannel | undefined {
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
