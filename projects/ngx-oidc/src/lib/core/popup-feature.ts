import { AuthError } from './errors';
import type { FlowContext } from './login-flow';
import { TRANSACTION_PREFIX } from './pending-logins';
import type { AuthPlatform } from './platform';
import { runPopupLogin, type PopupLoginHost, type PopupLoginOptions } from './popup-login';
import { loadProtocol } from './protocol-loader';

/** What `withPopupLogin()` gives the client (core/features.ts `ProtocolFeatures.popup`). */
export interface PopupLogin {
  /** `OidcClient.loginWithPopup()`: opens the window at once, then runs the login (popup-login.ts, on demand). */
  start(host: PopupClientHost, options: PopupLoginOptions): Promise<void>;
  /** On the popup's callback page, at start-up: hands the answer to the app that opened it. */
  forward(ctx: FlowContext, platform: AuthPlatform, href: string): boolean;
}

/** What a popup login needs from its client. */
export interface PopupClientHost extends PopupLoginHost {
  loadMetadata(): Promise<unknown>;
  initialize(): Promise<void>;
  /** Reports an unexpected failure on the listener's `error`, as an `AuthError`. */
  fail(err: unknown): AuthError;
  /** Ends the popup login under way: a newer one replaces it, or the client is destroyed. */
  abort?: AbortController;
}

/**
 * The popup login: in no app's bundle unless it calls `withPopupLogin()`, and then in its first
 * load (a dynamic import of its own would not do: the package's flat ES module holds the
 * `import()`, so every app's build would emit the chunk, used or not).
 */
export const POPUP_LOGIN: PopupLogin = { start: startPopupLogin, forward: forwardPopupAnswer };

async function startPopupLogin(host: PopupClientHost, options: PopupLoginOptions): Promise<void> {
  const { platform, listener } = host;
  if (platform.server) return; // the browser logs in; a server render opens no window
  // Now, inside the user's click: a window opened after an await is blocked.
  const popup = platform.openPopup?.();
  const abort = popup ? new AbortController() : undefined;
  if (abort) {
    host.abort?.abort();
    host.abort = abort;
  }
  try {
    if (!popup) {
      throw new AuthError('popup_blocked', (typeof ngDevMode === 'undefined' || ngDevMode) ? 'loginWithPopup(): the browser blocked the popup; call it in the click handler, before any await.' : '');
    }
    // The login flows (on demand: protocol.ts) load alongside the provider's metadata, and start-up ends.
    await Promise.all([loadProtocol(), host.loadMetadata(), host.initialize()]);
    await runPopupLogin(host, popup, options, abort!.signal);
  } catch (err) {
    popup?.close();
    // Misuse is the caller's bug; a replaced login leaves the reporting to the newer one.
    if (err instanceof TypeError || abort?.signal.aborted) throw err;
    const error = host.fail(err);
    listener.update({ pending: null });
    listener.event({ type: 'login_failed', error });
    throw error;
  }
}

/**
 * On the callback page of a popup login (a `state` with `POPUP_STATE_PREFIX` of popup-login.ts,
 * whose transaction this page does not hold: the opener holds it): hands the full callback URL
 * to the opener over the BroadcastChannel named by the `state` and closes the window. Nothing is
 * restored, consumed or scheduled here. `window.opener` is never used: a provider page sent
 * with `Cross-Origin-Opener-Policy: same-origin` severs it.
 * @returns Whether the page was such a callback page.
 */
function forwardPopupAnswer(ctx: FlowContext, platform: AuthPlatform, href: string): boolean {
  // POPUP_STATE_PREFIX (popup-login.ts, on demand) and 43 base64url characters, in the query
  // (code flow) or the fragment; the opener parses the answer strictly.
  const state = /[?#&]state=(ngx-oidc-popup\.[\w-]{43})(&|$)/.exec(href)?.[1];
  if (!state || ctx.transactions.getItem(TRANSACTION_PREFIX + state) !== null) return false;
  // RFC 9700 §4.2.4: the code leaves the address bar (and so the history) first.
  platform.replaceUrl(href.split(/[?#]/)[0]);
  const channel = platform.openChannel?.(state);
  channel?.post(href);
  channel?.close();
  platform.closeWindow?.();
  return true;
}
