import { isCallbackUrl } from './callback-url';
import type { ClientListener } from './client';
import type { AuthError } from './errors';
import type { LoginOutcome } from './events';
import type { FlowContext } from './login-flow';
import { takeLogoutReturn } from './logout-return';
import { latestTransaction, purgeExpiredTransactions } from './pending-logins';
import type { AuthPlatform } from './platform';
import { loadProtocol } from './protocol-loader';
import { generateRandom } from './random';
import type { Renewer } from './renewer';
import type { RequestAllowlist } from './request-allowlist';
import { sanitizeReturnUrl } from './return-url';
import type { SessionHolder } from './session-holder';
import { hasExpired, loadSession } from './session-store';
import type { AuthStorage } from './storage';
import { timeCallback } from './timing';

/** What start-up needs from the client. */
export interface StartUpHost {
  readonly ctx: FlowContext;
  readonly platform: AuthPlatform;
  readonly listener: ClientListener;
  readonly holder: SessionHolder;
  readonly allowlist: RequestAllowlist;
  readonly renewer: Renewer;
  /** Where the session is persisted. */
  readonly storage: AuthStorage;
  /** Learns the provider's endpoints (discovery), once. */
  protect(): Promise<void>;
  /** Reports a failure on the listener's `error`, as an `AuthError`. */
  fail(err: unknown): AuthError;
}

/**
 * A page load: restores a stored session, then completes a login when loaded on the redirect
 * URI (or takes the return from a logout). Never rejects; `isLoading` ends with it.
 */
export async function startUp(host: StartUpHost): Promise<void> {
  const { ctx, platform, listener, holder, allowlist } = host;
  if (platform.server) {
    // Server rendering: anonymous, and the callback (if any) is the browser's to complete.
    return;
  }
  const href = platform.href();
  const callback = isCallbackUrl(href, ctx.config.redirectUri);
  // A popup login's answer, loaded in its popup (withPopupLogin()): the app that opened it
  // completes the login.
  // This page stays loading (guards wait, nothing redirects) until its window closes.
  if (callback && ctx.features?.popup?.forward(ctx, platform, href)) return new Promise<void>(() => undefined);
  const now = ctx.now();
  purgeExpiredTransactions(ctx.transactions, now);
  const restored = loadSession(host.storage, ctx.config);
  // Its access token expired and no refresh token can renew it: held, unannounced and without
  // a timer, until silent authentication renews it or it ends (below).
  const expired = restored !== null && hasExpired(restored, now);
  if (expired) holder.hold(restored);
  else if (restored) holder.set(restored, false);
  // Every tab protects the provider's endpoints from start-up: with the metadata cached
  // before the redirect, else (a session to protect) read now, without holding start-up.
  const discovery = ctx.metadata.known()?.discovery;
  if (discovery) allowlist.learn(discovery);
  else if (restored && !allowlist.known()) host.protect().catch(() => undefined);
  // RP-Initiated Logout 1.0 §3: back from this client's logout, with its state: not a login
  // response, whatever the path.
  const loggedOut = takeLogoutReturn(ctx, href);
  if (loggedOut !== undefined) {
    platform.replaceUrl(loggedOut);
  } else if (callback) {
    // RFC 9700 §4.2.4: the code and state leave the address bar (history, Referer) before
    // anything else runs.
    platform.replaceUrl(new URL(ctx.config.redirectUri).pathname);
    await completeCallback(host, href);
  } else if (!restored) {
    // A login started before this page load (another tab, or one the user walked away from)
    // is still pending; once someone is logged in it is only noise.
    const pending = latestTransaction(ctx.transactions, now);
    if (pending) listener.update({ pending: { nonce: pending.nonce, state: pending.state } });
  }
  // A reload never logs the user out without a word; isLoading stays true meanwhile, so
  // guards wait for the outcome.
  if (expired && holder.current() === restored) await revive(host);
}

/**
 * A restored session whose access token expired with no refresh token: silent authentication,
 * if configured, renews it (`token_renewed`; it fails within `silentTimeoutSeconds`); else, or
 * when that fails (`renew_failed`), the session ends with `session_expired`.
 */
async function revive({ holder, renewer }: StartUpHost): Promise<void> {
  let cause: AuthError | undefined;
  if (renewer.canRenewSilently()) {
    try {
      return void (await renewer.renew({ audience: holder.current()?.tokens.audience }, undefined));
    } catch (err) {
      cause = err as AuthError;
    }
  }
  // login_required, consent_required and interaction_required ended it already; after any
  // other failure (timeout, network) its token is still of no use.
  if (holder.current()) renewer.expire(cause);
}

async function completeCallback({ ctx, platform, listener, holder, allowlist, fail }: StartUpHost, href: string): Promise<void> {
  const timing = timeCallback(ctx.fetch);
  try {
    // The login's code loads on demand (protocol.ts); its first step, before any request, is
    // to consume the transaction.
    const { completeLogin } = await loadProtocol();
    const { tokens, user, transaction, discovery } = await completeLogin({ ...ctx, fetch: timing.fetch }, href);
    allowlist.learn(discovery);
    // A login id, kept through renewals: a logout names it, so other tabs ignore its late messages.
    holder.set({ tokens, user, login: generateRandom() }, true);
    // The outcome stays readable after start-up (the app subscribes to events$ too late).
    const outcome: LoginOutcome = transaction.appState === undefined ? { type: 'login_completed' } : { type: 'login_completed', appState: transaction.appState };
    listener.update({ error: null, pending: null, loginOutcome: outcome });
    listener.event(outcome);
    platform.replaceUrl(sanitizeReturnUrl(transaction.returnUrl, ctx.config.appOrigin));
  } catch (err) {
    // Nothing of a failed callback is installed, and a session already here stays: anyone can
    // link to the redirect URI with a state no login sent (RFC 6749 §10.12), and that must not
    // log the user out, here or in the tabs sharing its storage.
    const error = fail(err);
    const outcome: LoginOutcome = { type: 'login_failed', error };
    listener.update({ pending: null, loginOutcome: outcome });
    listener.event(outcome);
    platform.replaceUrl('/');
  } finally {
    timing.done();
  }
}
