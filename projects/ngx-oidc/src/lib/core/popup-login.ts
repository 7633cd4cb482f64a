import { isCallbackUrl } from './callback-url';
import { AuthError } from './errors';
import type { LoginOptions } from './login-flow';
import { TRANSACTION_PREFIX } from './pending-logins';
import type { PopupWindow } from './platform';
import { loadProtocol } from './protocol-loader';
import { generateRandom } from './random';
import type { StartUpHost } from './start-up';
import { safeRemove } from './storage';

// A login in a popup window (withPopupLogin(), started by popup-feature.ts once its window is
// open). The popup's callback page hands the authorization response back over a
// BroadcastChannel named by the login's state (popup-feature.ts, `forwardPopupAnswer`), never
// through `window.opener`: a provider page sent with `Cross-Origin-Opener-Policy: same-origin`
// severs the popup from the app, and then the opener reads `closed === true` for a popup that is
// still open. This app completes the login itself, with the transaction it holds.

/**
 * The prefix of a popup login's `state`, followed by 256 random bits (43 base64url characters):
 * the popup's callback page recognises an answer to hand over by it.
 */
export const POPUP_STATE_PREFIX = 'ngx-oidc-popup.';

/** How often the popup is looked at (milliseconds): closed, or on the provider's origin. */
export const POPUP_POLL_MS = 500;

/** How long a popup login waits for its answer by default (seconds). */
export const POPUP_TIMEOUT_SECONDS = 300;

/**
 * Show-time options of `loginWithPopup()`: those of `login()` but `state` (the popup login's
 * `state` names its channel; carry app data in `appState`) and `returnUrl` (the app does not
 * navigate), plus how long to wait.
 */
export interface PopupLoginOptions extends Omit<LoginOptions, 'state' | 'returnUrl'> {
  /**
   * How long to wait for the provider's answer, in seconds (default 300). A popup still open
   * then is closed (`timeout`); one that looks closed since it left the app's origin is
   * `popup_closed`, also when the provider's `Cross-Origin-Opener-Policy` severed it (then only
   * this timeout can tell).
   */
  readonly timeoutSeconds?: number;
}

/** What a popup login needs from the client. */
export type PopupLoginHost = Pick<StartUpHost, 'ctx' | 'platform' | 'listener' | 'holder' | 'allowlist'>;

/**
 * Runs a login in `popup`, a blank window the app opened in the user's click: builds the
 * authorization request (transaction in this page's storage, PAR when configured), sends the
 * popup to it, waits for the answer its callback page hands over, completes the login with
 * every check of the redirect login, and installs the session (`login_started`, then
 * `login_completed`). The popup is closed on every outcome, and a failed login leaves no
 * transaction behind, so a late answer completes nothing.
 *
 * @param signal Aborted when a newer popup login replaces this one, or the client is destroyed.
 * @throws {AuthError} `popup_closed`, `timeout`, and every code of `startLogin` and `completeLogin`.
 * @throws {TypeError} for a `state` option, a `timeoutSeconds` that is not a positive number,
 *   and the `login()` options that can never work.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowSteps
 */
export async function runPopupLogin(host: PopupLoginHost, popup: PopupWindow, options: PopupLoginOptions, signal: AbortSignal): Promise<void> {
  const { ctx, listener } = host;
  const { timeoutSeconds = POPUP_TIMEOUT_SECONDS, ...login } = options as PopupLoginOptions & LoginOptions;
  if (login.state !== undefined) {
    throw new TypeError(
      (typeof ngDevMode === 'undefined' || ngDevMode) ? 'loginWithPopup(): the state is the popup\'s own (it names the channel of its answer); carry app data in appState.' : 'state',
    );
  }
  if (!(timeoutSeconds > 0 && timeoutSeconds < Infinity)) {
    throw new TypeError((typeof ngDevMode === 'undefined' || ngDevMode) ? `loginWithPopup(): timeoutSeconds must be a positive number of seconds, got ${timeoutSeconds}.` : 'timeoutSeconds');
  }
  const state = POPUP_STATE_PREFIX + generateRandom();
  try {
    // The login flows (protocol.ts): loaded already by the time the window is open.
    const { startLogin, completeLogin } = await loadProtocol();
    const { url, transaction } = await startLogin(ctx, { ...login, state, returnUrl: undefined });
    // Closed while the request was built: before the provider, so no COOP can be at play.
    if (signal.aborted || popup.closed) throw closed(signal.aborted);
    listener.update({ pending: { nonce: transaction.nonce, state } });
    listener.event({ type: 'login_started' });
    const answer = await waitForAnswer(host, popup, url, state, timeoutSeconds, signal);
    const { tokens, user, discovery } = await completeLogin(ctx, answer);
    // Installed as the callback page does (start-up.ts, completeCallback); a popup login is no
    // page load's callback, so loginOutcome stays as it was.
    host.allowlist.learn(discovery);
    // A login id, kept through renewals: a logout names it, so other tabs ignore its late messages.
    host.holder.set({ tokens, user, login: generateRandom() }, true);
    listener.update({ error: null, pending: null });
    listener.event(transaction.appState === undefined ? { type: 'login_completed' } : { type: 'login_completed', appState: transaction.appState });
  } catch (err) {
    // A failed login keeps no transaction: an answer that comes later completes nothing.
    safeRemove(ctx.transactions, TRANSACTION_PREFIX + state);
    throw err;
  } finally {
    popup.close();
  }
}

/**
 * Sends the popup to `url` and resolves with the callback URL its callback page hands over on
 * the channel named `state`. Fails with `popup_closed` when the popup is closed after it was
 * seen on the provider's origin (at once), or looks closed at the timeout (COOP makes a popup
 * that is still open look closed, from the provider's first page with the header on); with
 * `timeout` when it is still open then.
 */
function waitForAnswer(
  { ctx, platform }: PopupLoginHost,
  popup: PopupWindow,
  url: string,
  state: string,
  timeoutSeconds: number,
  signal: AbortSignal,
): Promise<string> {
  const setTimer =
    platform.setTimer?.bind(platform) ??
    ((fn: () => void, ms: number) => {
      const id = setTimeout(fn, ms);
      return () => clearTimeout(id);
    });
  return new Promise<string>((resolve, reject) => {
    const channel = platform.openChannel?.(state);
    let away = false;
    let awayPolls = 0;
    let closedPolls = 0;
    let stopPoll = (): void => undefined;
    const settle = (answer: string | AuthError) => {
      popup.close();
      stopPoll();
      stopTimeout();
      channel?.close();
      signal.removeEventListener('abort', onAbort);
      if (typeof answer === 'string') resolve(answer);
      else reject(answer);
    };
    const onAbort = () => settle(closed(true));
    channel?.onMessage((message) => {
      // Only this login's answer, at the redirect URI (any same-origin page could post here).
      if (typeof message === 'string' && isCallbackUrl(message, ctx.config.redirectUri) && stateOf(message) === state) settle(message);
    });
    const poll = () => {
      const now = whereIs(popup);
      // On the provider's origin for two looks in a row: a page without COOP, so the popup's
      // closing will be the user's. One look is not enough: while a COOP page severs the popup
      // (its browsing context group is swapped), Chromium can show the old handle cross-origin
      // for a moment before it reads closed (seen on a loaded machine: a false popup_closed).
      awayPolls = now === 'away' ? awayPolls + 1 : 0;
      if (awayPolls > 1) away = true;
      // Closed after it was seen on the provider: the user closed it. One more look first, for
      // the answer of a callback page that closed its window right after posting it.
      if (now === 'closed' && away && ++closedPolls > 1) return settle(closed());
      stopPoll = setTimer(poll, POPUP_POLL_MS);
    };
    const stopTimeout = setTimer(() => {
      if (popup.closed) {
        settle(
          new AuthError(
            'popup_closed',
            (typeof ngDevMode === 'undefined' || ngDevMode)
              ? `The popup login got no answer within ${timeoutSeconds} s and its window looks closed: the user closed it before the provider's page loaded, or the provider sends Cross-Origin-Opener-Policy, which severs the popup from the app (the browser then reports it closed while it is open, so only the timeout can end the wait; pass a shorter timeoutSeconds).`
              : '',
          ),
        );
      } else {
        settle(new AuthError('timeout', (typeof ngDevMode === 'undefined' || ngDevMode) ? `The popup login got no answer within ${timeoutSeconds} s; the popup was closed.` : ''));
      }
    }, timeoutSeconds * 1000);
    signal.addEventListener('abort', onAbort);
    popup.location.replace(url);
    poll();
  });
}

/**
 * Where the popup is: `'ours'` when its location is readable (the blank page, or the app's
 * callback page), `'away'` when reading it throws (another origin: the provider), `'closed'`
 * when closed or severed by COOP (which makes an open popup read as closed).
 */
function whereIs(popup: PopupWindow): 'ours' | 'away' | 'closed' {
  if (popup.closed) return 'closed';
  try {
    void popup.location.href;
    return 'ours';
  } catch {
    return 'away';
  }
}

/** `popup_closed`: the user closed the popup, or (`replaced`) a newer popup login replaced it. */
function closed(replaced?: boolean): AuthError {
  return new AuthError(
    'popup_closed',
    (typeof ngDevMode === 'undefined' || ngDevMode)
      ? replaced
        ? 'A newer loginWithPopup() (or the app being destroyed) ended this popup login.'
        : 'The popup was closed before the provider answered.'
      : '',
  );
}

/** The `state` parameter of a callback URL, in its query (code flow) or its fragment. */
function stateOf(href: string): string | null {
  const url = new URL(href);
  return url.searchParams.get('state') ?? new URLSearchParams(url.hash.slice(1)).get('state');
}
