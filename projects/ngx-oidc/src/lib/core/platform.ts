import type { TabLocks } from './tab-sync';
import type { FetchLike } from './types';

/**
 * What the client needs from its environment. The browser implementation lives in the Angular
 * layer (`AUTH_BROWSER`); tests and server rendering supply their own. Optional members are
 * capabilities a browser may lack; the client degrades without them.
 */
export interface AuthPlatform {
  /** The app's origin (`https://app.example.com`). */
  readonly origin: string;
  /** The current URL. */
  href(): string;
  /** Leaves the app for `url` (the provider's login or logout page). */
  assign(url: string): void;
  /** Replaces the current history entry's URL without navigating. */
  replaceUrl(url: string): void;
  /** `fetch`, for the provider's discovery document, JWKS, token endpoint and UserInfo. */
  readonly fetch: FetchLike;
  /** Reports a problem the client works around (e.g. storage that falls back to memory); the browser platform writes it to `console.warn`. */
  readonly warn: (message: string) => void;
  /** Current time, epoch milliseconds. Default `Date.now`. */
  now?(): number;
  /** Runs `fn` after `ms`; returns a function that cancels it. Default `setTimeout`. */
  setTimer?(fn: () => void, ms: number): () => void;
  /**
   * Loads `url` in a hidden frame and resolves with the URL the frame's silent-callback page
   * reported (silent authentication). Rejects with `AuthError('timeout')` after `timeoutMs`.
   */
  runFrame?(url: string, timeoutMs: number): Promise<string>;
  /** Opens a channel to the app's other tabs (BroadcastChannel or a storage-event fallback). */
  openChannel?(name: string): TabChannel | undefined;
  /** Runs `fn` while holding an exclusive lock shared by the app's tabs (Web Locks API). */
  withLock?<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Shared locks that tell tabs which of them hold a refresh token and what was renewed (Web Locks API). */
  readonly locks?: TabLocks;
  /**
   * Opens an empty popup window (`about:blank`, same origin as the app) of 500 × 640 pixels,
   * synchronously: browsers allow it only inside the user's click, before any `await`. Returns
   * `null` when the browser blocked it. Absent where popup login cannot work (no window, no
   * BroadcastChannel to hand the answer back).
   */
  openPopup?(): PopupWindow | null;
  /** Closes this window: the popup's callback page, once it handed the answer to the app. */
  closeWindow?(): void;
  /**
   * True when rendering on a server: nobody is authenticated, nothing is stored, fetched or
   * scheduled, and the browser decides once it takes over.
   */
  readonly server?: boolean;
}

/** A message channel between the tabs of one app. */
export interface TabChannel {
  /** Sends `message` to the app's other tabs (not to this one). */
  post(message: unknown): void;
  /** Calls `listener` with every message another tab posts. */
  onMessage(listener: (message: unknown) => void): void;
  /** Stops sending and receiving (the service is being destroyed). */
  close(): void;
}

/**
 * A popup window as `window.open` returns it: the part the client uses. The app never reads its
 * document; it reads only `closed` and whether `location.href` is readable (a page of the app's
 * origin) or throws (another origin: the provider). A provider page sent with
 * `Cross-Origin-Opener-Policy: same-origin` severs the popup from the app: `closed` then reads
 * `true` although it may still be open, and `close()` no longer reaches it.
 */
export interface PopupWindow {
  readonly closed: boolean;
  readonly location: { readonly href: string; replace(url: string): void };
  close(): void;
}
