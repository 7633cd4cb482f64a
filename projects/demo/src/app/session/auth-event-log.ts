import { DestroyRef, inject, Injectable, signal, type Signal } from '@angular/core';
import { type AuthEvent, type AuthEventType, AuthService } from 'ngx-oidc';

/** One line of the events log. */
export interface LoggedAuthEvent {
  readonly type: AuthEventType;
  /** The error code of `login_failed` and `renew_failed`. */
  readonly code?: string;
  /** The audience of `token_renewed` / `renew_failed`, when not the login's. */
  readonly audience?: string;
  /** When it was received (epoch milliseconds). */
  readonly at: number;
}

/** How many events are kept. */
export const EVENT_LOG_SIZE = 20;

/**
 * The last {@link EVENT_LOG_SIZE} `AuthService.events$` entries, newest first. Root-provided and
 * created at start-up (see `createAppConfig`), so events from before the Session card is shown
 * (the login's callback, a renewal on another page) are kept.
 */
@Injectable({ providedIn: 'root' })
export class AuthEventLog {
  private readonly log = signal<readonly LoggedAuthEvent[]>([]);

  /** Newest first. */
  readonly entries: Signal<readonly LoggedAuthEvent[]> = this.log.asReadonly();

  constructor() {
    const subscription = inject(AuthService).events$.subscribe((event) => this.add(event));
    inject(DestroyRef).onDestroy(() => subscription.unsubscribe());
  }

  private add(event: AuthEvent): void {
    const entry: LoggedAuthEvent = {
      type: event.type,
      at: Date.now(),
      ...('error' in event ? { code: event.error.code } : {}),
      ...('audience' in event && event.audience ? { audience: event.audience } : {}),
    };
    this.log.update((entries) => [entry, ...entries].slice(0, EVENT_LOG_SIZE));
  }
}
