import type { AuthPlatform } from '../platform';

/**
 * The popup windows of a window, for `withPopupLogin()` (merged into its platform by
 * `windowPlatform`): absent from apps that do not log in in a popup.
 * @param view The window (`document.defaultView`).
 */
export function popupWindows(view: Window & typeof globalThis): Pick<AuthPlatform, 'openPopup' | 'closeWindow'> {
  return {
    // The popup's callback page hands the answer back over a BroadcastChannel (never
    // window.opener, which a provider page's COOP severs): without one, no popup login.
    openPopup: typeof view.BroadcastChannel === 'function' ? () => view.open('about:blank', '_blank', 'popup,width=500,height=640') : undefined,
    closeWindow: () => view.close(),
  };
}
