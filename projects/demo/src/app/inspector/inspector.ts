import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  inject,
  signal,
} from '@angular/core';
import { FormsModule } from '@angular/forms';
import { AuthService, diagnoseToken, type TokenDiagnosis, type TokenTime } from 'ngx-oidc';

import { DEMO_ENV } from '../demo-env';

/** One row of the times list. */
interface TimeRow {
  readonly label: string;
  readonly iso: string;
  readonly inWords: string;
}

/**
 * A token inspector in the spirit of jwt.io: paste a token (or pick the session's ID or access
 * token) and see its header, claims and times, and what `diagnoseToken()` finds against the
 * expectations of the demo API. Decodes only: nothing here verifies a signature.
 */
@Component({
  selector: 'app-inspector',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FormsModule],
  templateUrl: './inspector.html',
  styleUrl: './inspector.css',
})
export class Inspector {
  protected readonly auth = inject(AuthService);
  private readonly env = inject(DEMO_ENV);

  protected readonly token = signal('');
  protected readonly issuer = signal(this.env.authority);
  protected readonly audience = signal(this.env.apiAudience);
  protected readonly requiredScopes = signal('read:messages');
  protected readonly clientId = signal(this.env.clientId);

  /** The clock the times are measured against, ticking so "expires in …" stays current. */
  private readonly now = signal(Date.now());

  protected readonly diagnosis = computed<TokenDiagnosis | null>(() => {
    const token = this.token().trim();
    if (token === '') return null;
    return diagnoseToken(token, {
      issuer: this.issuer().trim() || undefined,
      audience: this.audience().trim() || undefined,
      requiredScopes: this.requiredScopes(),
      clientId: this.clientId().trim() || undefined,
      now: this.now(),
    });
  });

  protected readonly headerJson = computed(() => json(this.diagnosis()?.header));
  protected readonly claimsJson = computed(() => json(this.diagnosis()?.claims));

  protected readonly times = computed<TimeRow[]>(() => {
    const times = this.diagnosis()?.times;
    const rows: [string, TokenTime | undefined][] = [
      ['Issued', times?.issuedAt],
      ['Not before', times?.notBefore],
      ['Expires', times?.expiresAt],
    ];
    return rows
      .filter((row): row is [string, TokenTime] => row[1] !== undefined)
      .map(([label, time]) => ({ label, iso: time.date.toISOString(), inWords: time.inWords }));
  });

  constructor() {
    const timer = setInterval(() => this.now.set(Date.now()), 10_000);
    inject(DestroyRef).onDestroy(() => clearInterval(timer));
  }

  /** Fills the input with the session's ID token or access token. */
  protected pick(which: 'id' | 'access'): void {
    this.token.set((which === 'id' ? this.auth.idToken() : this.auth.accessToken()) ?? '');
  }
}

function json(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value, null, 2);
}
