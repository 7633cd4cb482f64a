import { HttpClient, HttpContext } from '@angular/common/http';
import { Component, DestroyRef, inject, signal, type WritableSignal } from '@angular/core';
import { SKIP_AUTH } from 'ngx-oidc';
import type { Subscription } from 'rxjs';

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

/**
 * Buttons that call the demo API through `HttpClient`, where `authInterceptor` decides about
 * the token. Shown on the home page and on /api.
 */
@Component({
  selector: 'app-api-calls',
  templateUrl: './api-calls.html',
  styleUrl: './api-calls.css',
})
export class ApiCalls {
  private readonly http = inject(HttpClient);
  protected readonly env = inject(DEMO_ENV);

  /** Allow-listed: the interceptor adds the access token (or fails with login_required). */
  protected readonly apiUrl = `${this.env.apiUrl}/api/messages`;
  /** Same API, another origin, not allow-listed: sent without a token. */
  protected readonly foreignUrl = `${this.env.foreignApiUrl}/api/messages`;
  /** Under the allow-listed prefix, but needs no token: sent with SKIP_AUTH. */
  protected readonly publicUrl = `${this.env.apiUrl}/api/public`;
  /** Allow-listed with the management audience: the interceptor sends a token for that API. */
  protected readonly managementUrl = `${this.env.apiUrl}/management/me`;

  protected readonly apiCall = newCall();
  protected readonly foreignCall = newCall();
  protected readonly publicCall = newCall();
  protected readonly managementCall = newCall();

  constructor() {
    inject(DestroyRef).onDestroy(() =>
      [this.apiCall, this.foreignCall, this.publicCall, this.managementCall].forEach((c) =>
        c.subscription?.unsubscribe(),
      ),
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
