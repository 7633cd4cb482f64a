import type { ClientListener } from './client';
import type { ResolvedAuthConfig } from './config';
import { AuthError, type AuthErrorCode } from './errors';
import { loadProtocol } from './protocol-loader';
import type { ProviderMetadata } from './metadata-cache';
import type { TabChannel } from './platform';
import { loginOf, type SessionHolder } from './session-holder';
import { loadSession, type StoredSession } from './session-store';
import type { AuthStorage } from './storage';
import type { TokenRequest } from './token-cache';

/**
 * How long a tab waits for another tab's renewal to reach it: the generation it holds was
 * renewed elsewhere (the renewal mark), or it asked the tab holding the refresh token to renew.
 * The result is already on its way then; only a page closed mid-renewal makes the wait run out.
 * Renewing meanwhile would reuse a rotated refresh token, and providers that detect the reuse
 * (RFC 9700 §4.14.2) revoke the whole grant, so waiting is the cheaper mistake.
 */
export const TAB_WAIT_MS = 10_000;

/** How many renewal marks a tab keeps (older generations are long gone from every tab). */
const MARKS_KEPT = 4;

/**
 * Messages between the tabs of one app (a BroadcastChannel per issuer and client id, see
 * `scopeName`). No refresh token ever crosses it (a same-origin script can listen): the tabs
 * that hold one renew for the others.
 */
export type TabMessage =
  /**
   * A session produced by a login or a renewal, without its refresh token; adopted only once
   * its ID token verifies. `holder`: the sender holds the refresh token and renews for the others.
   */
  | { readonly type: 'session'; readonly session: StoredSession; readonly holder?: boolean }
  /** The user logged out; `login` names the ended login, whose later messages are ignored. */
  | { readonly type: 'logout'; readonly login?: string }
  /** From the storage-event fallback, which carries no tokens: re-read shared storage. */
  | { readonly type: 'reload' }
  /**
   * From a tab without a refresh token: renew this audience and scope (session generation
   * `from`, `force` when that generation's token must be replaced), answered with `session` or
   * `renew_failed` by a tab holding the refresh token.
   */
  | { readonly type: 'renew'; readonly from: string; readonly audience?: string; readonly scope?: string; readonly force: boolean }
  /** The answer to `renew` when the renewal failed: the error code, and `login_required`-like codes end the session. */
  | { readonly type: 'renew_failed'; readonly from: string; readonly code: string };

/**
 * The Web Locks that carry facts between tabs: a lock manager answers in the order it grants,
 * where a BroadcastChannel message or a localStorage write can reach another renderer after the
 * renewal lock does (seen in Chromium on a loaded machine: a tab then refreshed with a rotated
 * refresh token).
 */
export interface TabLocks {
  /** Takes a shared lock and keeps it until the function returned is called or the page goes away. */
  hold(name: string): Promise<() => void>;
  /** The names of the locks any tab of the app holds now. */
  held(): Promise<readonly string[]>;
}

/** Name of the lock held by every tab that holds a refresh token of client `scope`. */
export function holderLock(scope: string): string {
  return `ngx-oidc:holder:${scope}`;
}

/** Name of the lock held by the tab that renewed session generation `id` of client `scope`. */
export function renewedLock(scope: string, id: string): string {
  return `ngx-oidc:renewed:${scope} ${id}`;
}

/**
 * The renewal marks of one tab: after replacing generation `id`, and before releasing the
 * renewal lock, the tab holds {@link renewedLock} so that the next tab to get the renewal lock
 * knows, without waiting for any message, that its generation is stale.
 */
export class RenewalMarks {
  private readonly releases: (() => void)[] = [];
  private holder?: Promise<() => void>;

  constructor(
    private readonly locks: TabLocks | undefined,
    private readonly scope: string,
  ) {}

  /** Marks generation `id` as renewed (resolves once the lock is held). */
  async mark(id: string): Promise<void> {
    if (!this.locks) return;
    this.releases.push(await this.locks.hold(renewedLock(this.scope, id)));
    if (this.releases.length > MARKS_KEPT) this.releases.shift()!();
  }

  /** Whether any tab renewed generation `id`. */
  async renewed(id: string): Promise<boolean> {
    return !!this.locks && (await this.locks.held()).includes(renewedLock(this.scope, id));
  }

  /** Whether another tab (or this one) holds a refresh token. */
  async holderExists(): Promise<boolean> {
    return !this.locks || (await this.locks.held()).includes(holderLock(this.scope));
  }

  /** Holds (or lets go of) {@link holderLock}: whether this tab holds a refresh token now. */
  holdRefreshToken(holds: boolean): void {
    if (!this.locks || holds === (this.holder !== undefined)) return;
    if (holds) {
      this.holder = this.locks.hold(holderLock(this.scope));
    } else {
      void this.holder!.then((release) => release());
      this.holder = undefined;
    }
  }

  /** Lets go of every lock (the client is destroyed). */
  release(): void {
    this.holdRefreshToken(false);
    this.releases.splice(0).forEach((release) => release());
  }
}

/** What tab synchronisation needs from the client. */
export interface TabSyncHost {
  readonly config: ResolvedAuthConfig;
  readonly channel: TabChannel | undefined;
  readonly marks: RenewalMarks;
  readonly holder: SessionHolder;
  readonly listener: ClientListener;
  /** Where the session is persisted (shared by the tabs with `local` storage). */
  readonly storage: AuthStorage;
  now(): number;
  warn(message: string): void;
  /** The provider's metadata: its keys verify a session from another tab. */
  metadata(): Promise<ProviderMetadata>;
  /** The cached fresh access token for a request, if any. */
  cached(request: TokenRequest): string | undefined;
  /** Renews for another tab (this tab holds the refresh token). */
  getAccessToken(options: TokenRequest & { readonly forceRefresh?: boolean }): Promise<unknown>;
  /** Re-arms the renewal timer (the tab holding the refresh token is gone). */
  schedule(): void;
}

/** The tab side of a client: sessions, logouts and renewal requests between the app's tabs. */
export interface TabSync {
  /**
   * Asks the tab holding the refresh token to renew, when this tab's session came from it.
   * @returns The renewed token; `undefined` when this tab must renew itself (no such tab, or
   *   no answer in time).
   * @throws {AuthError} That tab's renewal error (`renew_failed` answer).
   */
  askHolder(request: TokenRequest, rejectedToken: string | undefined): Promise<string | undefined>;
  /** Takes over a session another tab wrote to shared storage (under the renewal lock). */
  adopt(session: StoredSession): Promise<boolean>;
  /** Ends the login in every tab; its later session messages are ignored. */
  logout(login: string | undefined): void;
}

/** Creates the tab synchronisation of one client over its channel. */
export function createTabSync(host: TabSyncHost): TabSync {
  const { config, channel, holder, listener } = host;
  /** Logins ended by a logout here or in another tab: their late session messages are ignored. */
  const ended = new Set<string>();
  /** The answer of the tab asked to renew (`renew_failed`), for the generation it was asked about. */
  let refusal: { readonly from: string; readonly code: string } | undefined;
  /** Messages, handled one at a time in order (adopting a session awaits its ID token's check). */
  let inbox: Promise<unknown> = Promise.resolve();

  channel?.onMessage((message) => {
    // A logout posted after a session must not overtake that session's verification.
    inbox = inbox.then(() => handle(message as TabMessage)).catch(() => undefined);
  });

  async function handle(message: TabMessage): Promise<void> {
    switch (message?.type) {
      case 'logout':
        if (message.login) ended.add(message.login);
        return holder.end('logged_out');
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
      const [{ discovery, keys }, { validateIdToken }] = await Promise.all([host.metadata(), loadProtocol()]);
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

  return {
    async askHolder(request, rejectedToken) {
      const session = holder.current();
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
    },
    adopt: (session) => adopt(session, false, false),
    logout(login) {
      if (login) ended.add(login);
      channel?.post({ type: 'logout', login } satisfies TabMessage);
    },
  };
}
