import type { ClientListener } from './client';
import type { ResolvedAuthConfig } from './config';
import { loadProtocol } from './protocol-loader';
import type { ProviderMetadata } from './metadata-cache';
import type { TabChannel } from './platform';
import type { SessionHolder } from './session-holder';
import type { StoredSession } from './session-store';
import type { AuthStorage } from './storage';
import type { TabMessages } from './tab-messages';
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

/** How many ended logins a tab remembers (see `createTabSync`). */
export const ENDED_KEPT = 16;

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
  readonly #releases: (() => void)[] = [];
  #holder?: Promise<() => void>;
  readonly #locks: TabLocks | undefined;
  readonly #scope: string;

  constructor(locks: TabLocks | undefined, scope: string) {
    this.#locks = locks;
    this.#scope = scope;
  }

  /** Marks generation `id` as renewed (resolves once the lock is held). */
  async mark(id: string): Promise<void> {
    if (!this.#locks) return;
    this.#releases.push(await this.#locks.hold(renewedLock(this.#scope, id)));
    if (this.#releases.length > MARKS_KEPT) this.#releases.shift()!();
  }

  /** Whether any tab renewed generation `id`. */
  async renewed(id: string): Promise<boolean> {
    return !!this.#locks && (await this.#locks.held()).includes(renewedLock(this.#scope, id));
  }

  /** Whether another tab (or this one) holds a refresh token. */
  async holderExists(): Promise<boolean> {
    return !this.#locks || (await this.#locks.held()).includes(holderLock(this.#scope));
  }

  /** Holds (or lets go of) {@link holderLock}: whether this tab holds a refresh token now. */
  holdRefreshToken(holds: boolean): void {
    if (!this.#locks || holds === (this.#holder !== undefined)) return;
    if (holds) {
      this.#holder = this.#locks.hold(holderLock(this.#scope));
    } else {
      void this.#holder!.then((release) => release());
      this.#holder = undefined;
    }
  }

  /** Lets go of every lock (the client is destroyed). */
  release(): void {
    this.holdRefreshToken(false);
    this.#releases.splice(0).forEach((release) => release());
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

/**
 * Creates the tab synchronisation of one client over its channel. A logout is handled at once;
 * everything else loads on demand (tab-messages.ts), the first time there is any of it.
 */
export function createTabSync(host: TabSyncHost): TabSync {
  const { channel, holder } = host;
  /**
   * Logins ended by a logout here or in another tab: their late session messages are ignored.
   * The last few only: a late message arrives within moments, and a tab that logs in and out all
   * day must not keep every login id it saw (measured: +145 kB heap after 1,000 cycles).
   */
  const ended = new Set<string>();
  const end = (login: string | undefined) => {
    if (login) ended.add(login);
    if (ended.size > ENDED_KEPT) ended.delete(ended.values().next().value!);
  };
  /** Messages, handled one at a time in order (adopting a session awaits its ID token's check). */
  let inbox: Promise<unknown> = Promise.resolve();
  let messages: TabMessages | undefined;

  async function part(): Promise<TabMessages> {
    const { createTabMessages } = await loadProtocol();
    return (messages ??= createTabMessages(host, ended));
  }

  channel?.onMessage((message) => {
    // A logout posted after a session must not overtake that session's verification.
    inbox = inbox.then(() => receive(message as TabMessage)).catch(() => undefined);
  });

  async function receive(message: TabMessage): Promise<void> {
    if (message?.type === 'logout') {
      end(message.login);
      return holder.end('logged_out');
    }
    // Asked by a tab without the refresh token: for the tabs that hold one.
    if (message?.type === 'renew' && !holder.current()?.tokens.refreshToken) return;
    return (await part()).handle(message);
  }

  return {
    async askHolder(request, rejectedToken) {
      const session = holder.current();
      // Only a tab whose session came from the tab holding the refresh token asks it.
      if (!session?.id || !holder.delegated || session.tokens.refreshToken || !channel) return undefined;
      return (await part()).askHolder(request, rejectedToken);
    },
    adopt: async (session) => (await part()).adopt(session, false, false),
    logout(login) {
      end(login);
      channel?.post({ type: 'logout', login } satisfies TabMessage);
    },
  };
}
