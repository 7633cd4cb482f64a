import type { ResolvedAuthConfig } from './config';
import type { AuthError } from './errors';
import type { StoredSession } from './session-store';
import { renewAt } from './token-cache';

/** The longest delay `setTimeout` can hold (2^31 - 1 ms, ~24.8 days); a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The first retry after a failed renewal, and the longest (the wait doubles in between). */
const RETRY_MS = 5_000;
const MAX_RETRY_MS = 300_000;

/** What the timer needs from the client. */
export interface RenewalTimerHost {
  readonly config: ResolvedAuthConfig;
  now(): number;
  /** The platform's timer, or `setTimeout`. */
  setTimer?(fn: () => void, ms: number): () => void;
  session(): StoredSession | null;
  /** Whether anything can renew the session's token (refresh token, another tab, silent authentication). */
  renewable(session: StoredSession): boolean;
  /** Renews the login's token now (a forced renewal); failures are the renewer's to report. */
  renew(): Promise<unknown>;
  /** Ends the session whose token expired unrenewed. */
  expire(cause?: AuthError): void;
}

/** Renews the login's token ahead of expiry, retries a failed renewal, ends an unrenewable session on time. */
export interface RenewalTimer {
  /**
   * Re-arms for the current session. A renewal that failed and left the session in place
   * (`failed`: `network_error`, a 5xx, `timeout`, an unreachable JWKS, …) is retried after 5 s,
   * 10 s, 20 s, … (at most 5 min), while that is before the token expires; past that a refresh
   * token renews on demand, and without one the session ends at expiry. Without `failed` the
   * pace starts over.
   * @param pace Failures in a row so far (default: the timer's own count).
   */
  schedule(failed?: AuthError, pace?: number): void;
  /** Renewals in a row that failed and left the session in place. */
  retries(): number;
  /** Stops for good (the client is destroyed). */
  stop(): void;
}

/** Creates the renewal timer of one client (`autoRenew`). */
export function createRenewalTimer(host: RenewalTimerHost): RenewalTimer {
  let cancel: (() => void) | undefined;
  let retries = 0;
  let stopped = false;
  const setTimer =
    host.setTimer ??
    ((fn: () => void, ms: number) => {
      const id = setTimeout(fn, ms);
      return () => clearTimeout(id);
    });

  function schedule(failed?: AuthError, pace = retries): void {
    cancel?.();
    cancel = undefined;
    const session = host.session();
    if (!session || stopped) return;
    const expiry = session.tokens.expiresAt ?? session.tokens.claims.exp * 1000;
    const retryAt = host.now() + Math.min(RETRY_MS * 2 ** pace, MAX_RETRY_MS);
    retries = failed ? pace + 1 : 0;
    const renew = host.renewable(session) && (!failed || retryAt < expiry);
    if (renew ? !host.config.autoRenew : session.tokens.refreshToken) return;
    const at = !renew ? expiry : failed ? retryAt : renewAt(session.tokens, host.config.renewLeadSeconds);
    if (at === undefined) return;
    const delay = Math.max(0, at - host.now());
    cancel = setTimer(() => {
      cancel = undefined;
      // Woken early because the wait was longer than a timer can hold: wait the rest.
      if (delay > MAX_TIMER_MS && host.now() < at) return schedule(failed, pace);
      if (!renew) return host.expire(failed);
      // Failures are reported through events and state; nobody awaits this renewal. One that
      // left the session as it was (timeout, network) is retried, or arms the end at expiry.
      host.renew().catch((err: AuthError) => {
        if (host.session() === session) schedule(err);
      });
    }, Math.min(delay, MAX_TIMER_MS));
  }

  return {
    schedule,
    retries: () => retries,
    stop() {
      stopped = true;
      cancel?.();
    },
  };
}
