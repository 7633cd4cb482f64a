import { HttpClient, HttpContext, HttpErrorResponse } from '@angular/common/http';
import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  inject,
  signal,
  type WritableSignal,
} from '@angular/core';
import { isAuthError, SKIP_AUTH } from 'ngx-oidc';
import { catchError, forkJoin, map, of, type Observable, type Subscription } from 'rxjs';

import { DEMO_ENV } from '../demo-env';
import { describeError, describeResponse } from './api-result';

/** The state of one call button. */
interface Call {
  readonly pending: WritableSignal<boolean>;
  /** Empty until the first answer, so "has text" means "answered". */
  readonly result: WritableSignal<string>;
  subscription?: Subscription;
}

function newCall(): Call {
  return { pending: signal(false), result: signal('') };
}

/** How many requests the burst button sends at once. */
export const BURST_SIZE = 20;

/** The outcome of one request of a burst: its status (`200`, `401`, …) or `error <code>`. */
export function burstOutcome(err: unknown): string {
  if (isAuthError(err)) return `error ${err.code}`;
  if (err instanceof HttpErrorResponse) return String(err.status);
  return `error ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * `<count> × <outcome>` per distinct outcome, e.g. `18 × 200, 2 × 401`: statuses in ascending
 * order, then the errors.
 */
export function summarizeBurst(outcomes: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const outcome of outcomes) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  const rank = (outcome: string) => (/^\d+$/.test(outcome) ? Number(outcome) : Infinity);
  return [...counts]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([outcome, count]) => `${count} × ${outcome}`)
    .join(', ');
}

/**
 * Buttons that call the demo API through `HttpClient`, where `authInterceptor` decides about
 * the token. Shown on the home page and on /api.
 */
@Component({
  selector: 'app-api-calls',
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './api-calls.html',
  styleUrl: './api-calls.css',
})
export class ApiCalls {
  private readonly http = inject(HttpClient);
  protected readonly env = inject(DEMO_ENV);

  /** Allow-listed: the interceptor adds the access token (or fails with not_authenticated). */
  protected readonly apiUrl = `${this.env.apiUrl}/api/messages`;
  /** Same API, another origin, not allow-listed: sent without a token. */
  protected readonly foreignUrl = `${this.env.foreignApiUrl}/api/messages`;
  /** Under the allow-listed prefix, but needs no token: sent with SKIP_AUTH. */
  protected readonly publicUrl = `${this.env.apiUrl}/api/public`;
  /** Allow-listed with the management audience: the interceptor sends a token for that API. */
  protected readonly managementUrl = `${this.env.apiUrl}/management/me`;
  /** Allow-listed, and takes only DPoP-bound tokens with a proof (demo-env.json `dpop`). */
  protected readonly dpopUrl = `${this.env.apiUrl}/api/dpop/messages`;

  protected readonly apiCall = newCall();
  protected readonly foreignCall = newCall();
  protected readonly publicCall = newCall();
  protected readonly managementCall = newCall();
  protected readonly burstCall = newCall();
  protected readonly dpopCall = newCall();
  protected readonly burstSize = BURST_SIZE;

  constructor() {
    inject(DestroyRef).onDestroy(() =>
      [
        this.apiCall,
        this.foreignCall,
        this.publicCall,
        this.managementCall,
        this.burstCall,
        this.dpopCall,
      ].forEach((c) => c.subscription?.unsubscribe()),
    );
  }

  protected callApi(): void {
    this.run(this.apiCall, this.apiUrl);
  }

  protected callForeign(): void {
    this.run(this.foreignCall, this.foreignUrl);
  }

  protected callPublic(): void {
    this.run(this.publicCall, this.publicUrl, new HttpContext().set(SKIP_AUTH, true));
  }

  protected callManagement(): void {
    this.run(this.managementCall, this.managementUrl);
  }

  protected callDpop(): void {
    this.run(this.dpopCall, this.dpopUrl);
  }

  /**
   * Sends {@link BURST_SIZE} concurrent `GET`s to the API and shows how they ended, e.g.
   * `20 × 200`: requests that fail together (401 invalid_token) share one renewal.
   */
  protected callBurst(): void {
    const call = this.burstCall;
    call.subscription?.unsubscribe();
    call.result.set('');
    call.pending.set(true);
    const one = (): Observable<string> =>
      this.http.get<unknown>(this.apiUrl, { observe: 'response' }).pipe(
        map((response) => String(response.status)),
        catchError((err: unknown) => of(burstOutcome(err))),
      );
    call.subscription = forkJoin(Array.from({ length: BURST_SIZE }, one)).subscribe((outcomes) =>
      this.finish(call, summarizeBurst(outcomes)),
    );
  }

  private run(call: Call, url: string, context?: HttpContext): void {
    call.subscription?.unsubscribe();
    call.result.set('');
    call.pending.set(true);
    call.subscription = this.http.get<unknown>(url, { observe: 'response', context }).subscribe({
      next: (response) => this.finish(call, describeResponse(response)),
      error: (err: unknown) => this.finish(call, describeError(err)),
    });
  }

  private finish(call: Call, result: string): void {
    call.pending.set(false);
    call.result.set(result);
  }
}
