import type { AuthError } from './errors';
import type { AuthEvent, LoginOutcome } from './events';
import type { StoredSession } from './session-store';
import type { TokenRequest } from './token-cache';

// What the client (client.ts) tells its host, and the options of its token lookup.

/** What the client exposes; the Angular layer turns it into signals and observables. */
export interface ClientSnapshot {
  readonly isLoading: boolean;
  readonly session: StoredSession | null;
  readonly error: AuthError | null;
  readonly pending: { readonly nonce: string; readonly state: string } | null;
  /** What the callback of this page load came to; absent or `null` when none ran. */
  readonly loginOutcome?: LoginOutcome | null;
}

/** Receives the client's state changes and events. */
export interface ClientListener {
  update(patch: Partial<ClientSnapshot>): void;
  event(event: AuthEvent): void;
}

/** Options of `AuthService.getAccessToken()` (and of the client beneath it). */
export interface AccessTokenOptions extends TokenRequest {
  /** Renew even if the cached token is still fresh. */
  readonly forceRefresh?: boolean;
  /**
   * The provider whose token it is, by the name given to `withAuthProvider()`; default: the
   * service's own. Only in an app with several providers: elsewhere a `TypeError`.
   */
  readonly provider?: string;
}
