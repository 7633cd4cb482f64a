import { AuthError, type AuthErrorCode } from './errors';
import { validateIdToken } from './id-token';
import { loginOf } from './session-holder';
import { loadSession, type StoredSession } from './session-store';
import { TAB_WAIT_MS, type TabMessage, type TabSyncHost } from './tab-sync';
import type { TokenRequest } from './token-cache';

/** The handling of tab messages that loads on demand: see {@link createTabMessages}. */
export interface TabMessages {
  /** Handles a message other than `logout` (tab-sync.ts handles that at once). */
  handle(message: TabMessage): Promise<void>;
  askHolder(request: TokenRequest, rejectedToken: string | undefined): Promise<string | undefined>;
  adopt(session: StoredSession, fromHolder: boolean, fromChannel: boolean): Promise<boolean>;
}

/**
 * What tab sync (tab-sync.ts) loads on demand (protocol.ts), once a tab has more to do than log
 * out: sessions from other tabs, checked before they are adopted; renewals for the tabs without
 * a refresh token, and asking the tab that has it.
 *
 * @param ended The logins ended by a logout, here or in another tab (kept by tab-sync.ts).
 * Tested through `createTabSync` (tab-sync.spec.ts), as tabs use it.
 */
export function createTabMessages(host: TabSyncHost, ended: ReadonlySet<string>): TabMessages {
  const { config, channel, holder, listener } = host;
  /** The answer of the tab asked to renew (`renew_failed`), for the generation it was asked about. */
  let refusal: { readonly from: string; readonly code: string } | undefined;

  async function handle(message: TabMessage): Promise<void> {
    switch (message?.type) {
      case 'renew':
        // Asked by a tab without the refresh token; answered whether or not this tab renews.
        if (holder.current()?.tokens.refreshToken) void renewFor(message);
        return;
      case 'renew_failed':
        if (message.from === holder.current()?.id) {
          refusal = message;
          holder.wake();
        }
        return;
      case 'session':
      case 'reload': {
        const session = message.type === 'session' ? message.session : loadSession(host.storage, config, host.now());
        if (session?.tokens && (await adopt(session, message.type === 'session' && message.holder === true, message.type === 'session'))) {
          listener.update({ error: null, pending: null });
          listener.event({ type: 'session_synced' });
        }
      }
    }
  }

  /** Renews for a tab that has no refresh token, and sends it the session (or the failure). */
  async function renewFor({ from, audience, scope, force }: Extract<TabMessage, { type: 'renew' }>): Promise<void> {
    try {
      // That tab's generation is this one's: its token is this one's, replaced when forced.
      await host.getAccessToken({ audience, scope, forceRefresh: force && holder.current()?.id === from });
      const session = holder.current();
      if (session) holder.announce(session);
    } catch (err) {
      channel?.post({ type: 'renew_failed', from, code: err instanceof AuthError ? err.code : 'invalid_response' } satisfies TabMessage);
    }
  }

  /**
   * Takes over a session another tab produced, once its ID token verifies (signature with the
   * provider's keys, `iss`, `aud`): anything on the origin can post to the channel or write to
   * storage. Newer generations only; never one of a login that was logged out.
   *
   * @param fromHolder The sending tab holds the refresh token (and renews for this one): this
   *   tab's own refresh token, if any, may have been rotated by it and is dropped.
   * @param fromChannel A channel message never brings a refresh token; storage may.
   */
  async function adopt(session: StoredSession, fromHolder: boolean, fromChannel: boolean): Promise<boolean> {
    const login = loginOf(session);
    // A late message about an older generation must not undo a newer one.
    const stale = (current: StoredSession | null) =>
      (login !== undefined && ended.has(login)) ||
      (current !== null && current.tokens.claims.sub === session.tokens.claims.sub && (session.tokens.obtainedAt < current.tokens.obtainedAt || session.id === current.id));
    if (stale(holder.current())) return false;
    let claims;
    try {
      const { discovery, keys } = await host.metadata();
      const { tokens } = session;
      // Checked as of its own issue time: an ID token outlives its exp in a session renewed by
      // refresh tokens; what matters here is who signed it, for whom, about whom.
      claims = await validateIdToken(tokens.idToken, keys.resolve, {
        issuer: discovery.issuer,
        clientId: config.clientId,
        nonce: tokens.claims.nonce,
        nonceRequired: false,
        clockSkewSeconds: config.clockSkewSeconds,
        now: tokens.claims.iat * 1000,
        algorithms: discovery.id_token_signing_alg_values_supported,
      });
      if (claims.sub !== tokens.claims.sub || session.user['sub'] !== claims.sub) throw new AuthError('invalid_response', '');
    } catch (err) {
      const code = err instanceof AuthError ? err.code : 'invalid_response';
      host.warn((typeof ngDevMode === 'undefined' || ngDevMode) ? `ngx-oidc: ignored a session from another tab whose ID token does not verify (${code}).` : `ngx-oidc: ${code}`);
      return false;
    }
    const current = holder.current();
    if (stale(current)) return false;
    const own = current && loginOf(current) === login && !fromHolder ? current.tokens.refreshToken : undefined;
    const refreshToken = (fromChannel ? undefined : session.tokens.refreshToken) ?? own;
    holder.delegated = fromHolder && refreshToken === undefined;
    holder.set({ ...session, tokens: { ...session.tokens, claims, refreshToken } }, false);
    return true;
  }

  function takeRefusal(): typeof refusal {
    const answer = refusal;
    refusal = undefined;
    return answer;
  }

  /** See `TabSync.askHolder`. */
  async function askHolder(request: TokenRequest, rejectedToken: string | undefined): Promise<string | undefined> {
    const session = holder.current();
    // Checked again: the session may have changed while this code loaded.
    if (!session?.id || !holder.delegated || session.tokens.refreshToken || !channel) return undefined;
    if (!(await host.marks.holderExists())) {
      // The tabs holding the refresh token are gone: the token serves until it expires.
      holder.delegated = false;
      host.schedule();
      return undefined;
    }
    const from = session.id;
    refusal = undefined;
    channel.post({ type: 'renew', from, audience: request.audience, scope: request.scope, force: rejectedToken !== undefined } satisfies TabMessage);
    await holder.wait(from, TAB_WAIT_MS, () => refusal?.from === from);
    const answer = takeRefusal();
    if (answer?.from === from) {
      throw new AuthError(answer.code as AuthErrorCode, (typeof ngDevMode === 'undefined' || ngDevMode) ? `The tab holding the refresh token could not renew it (${answer.code}).` : '');
    }
    const token = host.cached(request);
    // No answer in time (that tab closed mid-renewal): renew here if anything can.
    return token !== rejectedToken ? token : undefined;
  }

  return { handle, askHolder, adopt };
}
