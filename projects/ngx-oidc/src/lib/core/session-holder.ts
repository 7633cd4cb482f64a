import type { ClientListener } from './client';
import type { ResolvedAuthConfig } from './config';
import type { AuthError } from './errors';
import type { TabChannel } from './platform';
import { generateRandom } from './random';
import { clearSession, saveSession, type StoredSession } from './session-store';
import type { AuthStorage } from './storage';
import type { RenewalMarks, TabMessage } from './tab-sync';

/** The session of one client in one tab: what is set, persisted, announced and ended. */
export interface SessionHolder {
  /** The session, or `null`. */
  current(): StoredSession | null;
  /** The session came from a tab holding its refresh token, which renews for this one. */
  delegated: boolean;
  /**
   * Installs a session: state, storage (when `announce`), the other tabs (when `announce`, with
   * a new generation id), then `onChange` (the renewal timer) and whoever waits.
   */
  set(session: StoredSession, announce: boolean): void;
  /** Keeps a session without showing or announcing it (an expired one awaiting renewal at start-up). */
  hold(session: StoredSession): void;
  /** Forgets the session (state, storage, timer); `error`, if given, is set in the same update, before the event. */
  end(event?: 'logged_out' | 'session_expired', error?: AuthError): void;
  /** Sends a session to the other tabs, without its refresh token. */
  announce(session: StoredSession): void;
  /** Resolves once the generation is no longer `id` (or there is no session), `done()` holds, or after `ms`. */
  wait(id: string, ms: number, done?: () => boolean): Promise<void>;
  /** Wakes the waiters to re-check (something other than the session changed). */
  wake(): void;
}

/**
 * Creates the holder of one client's session.
 * @param onChange Runs after every change (the renewal timer re-arms or stops).
 */
export function createSessionHolder(
  config: ResolvedAuthConfig,
  storage: AuthStorage,
  listener: ClientListener,
  channel: TabChannel | undefined,
  marks: RenewalMarks,
  warn: (message: string) => void,
  onChange: () => void,
): SessionHolder {
  let session: StoredSession | null = null;
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((check) => check());

  function persist(value: StoredSession): void {
    if (config.storage === 'memory') return;
    // The refresh token stays out of localStorage unless the app opted in.
    const keepRefresh = config.storage !== 'local' || config.refreshTokenInLocalStorage;
    try {
      saveSession(storage, config, keepRefresh ? value : { ...value, tokens: { ...value.tokens, refreshToken: undefined } });
    } catch (err) {
      // A real problem in production too, so a short text stays there.
      warn((typeof ngDevMode === 'undefined' || ngDevMode) ? `ngx-oidc: ${(err as Error).message} The session lives in memory only.` : 'ngx-oidc: storage_error');
    }
  }

  const holder: SessionHolder = {
    current: () => session,
    delegated: false,
    set(value, announce) {
      if (announce) value = { ...value, id: generateRandom() };
      session = value;
      listener.update({ session: value });
      marks.holdRefreshToken(value.tokens.refreshToken !== undefined);
      if (announce) {
        persist(value);
        holder.announce(value);
      }
      onChange();
      wake();
    },
    hold(value) {
      session = value;
    },
    end(event, error) {
      const had = session !== null;
      session = null;
      holder.delegated = false;
      marks.holdRefreshToken(false);
      onChange();
      clearSession(storage, config);
      listener.update(error ? { session: null, error } : { session: null });
      if (event && had) listener.event({ type: event });
      wake();
    },
    // The refresh token stays in this tab (and the storage the app chose for it): the other tabs
    // ask this one to renew (`holder`), and a script listening to the channel gets none.
    announce(value) {
      const { refreshToken, ...tokens } = value.tokens;
      channel?.post({ type: 'session', session: { ...value, tokens }, holder: refreshToken !== undefined } satisfies TabMessage);
    },
    wait(id, ms, done) {
      return new Promise((resolve) => {
        const check = () => {
          if (session?.id !== id || done?.()) finish();
        };
        const timer = setTimeout(() => finish(), ms);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
    },
    wake,
  };
  return holder;
}

/** The login a session belongs to (older sessions have no login id: their generation stands in). */
export function loginOf(session: StoredSession): string | undefined {
  return session.login ?? session.id;
}
