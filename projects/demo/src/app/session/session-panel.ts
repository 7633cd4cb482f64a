import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  inject,
  signal,
} from '@angular/core';
import { AuthService, isAuthError } from 'ngx-oidc';

import { DEMO_ENV } from '../demo-env';
import { AuthEventLog, type LoggedAuthEvent } from './auth-event-log';

/**
 * The session's lifetime, shown on the home page when logged in: when the access token
 * expires (ticking every second), a button that renews it now, and the last auth events.
 */
@Component({
  selector: 'app-session-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './session-panel.html',
  styleUrl: './session-panel.css',
})
export class SessionPanel {
  protected readonly auth = inject(AuthService);
  protected readonly env = inject(DEMO_ENV);
  protected readonly events = inject(AuthEventLog).entries;

  /** The current time, updated every second so the countdown ticks. */
  private readonly now = signal(Date.now());

  /** `<ISO time> (in N s)`, `<ISO time> (expired N s ago)`, or `unknown`. */
  protected readonly expiry = computed(() => {
    const expiresAt = this.auth.expiresAt();
    if (expiresAt === null) return 'unknown';
    const seconds = Math.round((expiresAt - this.now()) / 1000);
    const iso = new Date(expiresAt).toISOString();
    return seconds >= 0 ? `${iso} (in ${seconds} s)` : `${iso} (expired ${-seconds} s ago)`;
  });

  protected readonly renewing = signal(false);
  /** Empty until the first answer: `renewed` or `error <code>`. */
  protected readonly renewResult = signal('');

  constructor() {
    const timer = setInterval(() => this.now.set(Date.now()), 1000);
    inject(DestroyRef).onDestroy(() => clearInterval(timer));
  }

  /** Renews the login's access token now, even if it is still fresh. */
  protected async renew(): Promise<void> {
    this.renewResult.set('');
    this.renewing.set(true);
    let result: string;
    try {
      const token = await this.auth.getAccessToken({ forceRefresh: true });
      // null: nobody is logged in (any more).
      result = token ? 'renewed' : 'error not_authenticated';
    } catch (err) {
      result = isAuthError(err)
        ? `error ${err.code}`
        : `error ${err instanceof Error ? err.message : String(err)}`;
    }
    this.now.set(Date.now());
    this.renewing.set(false);
    this.renewResult.set(result);
  }

  /** What an event line says: the type, and the error code of a failure. */
  protected label(event: LoggedAuthEvent): string {
    return event.code ? `${event.type} ${event.code}` : event.type;
  }

  /** Tooltip of an event line: when, and for which audience. */
  protected detail(event: LoggedAuthEvent): string {
    const time = new Date(event.at).toISOString();
    return event.audience ? `${time} · audience ${event.audience}` : time;
  }
}
