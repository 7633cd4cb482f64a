import { HttpClient } from '@angular/common/http';
import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  inject,
  signal,
} from '@angular/core';
import { AuthService, injectAuth } from 'ngx-oidc';
import type { Subscription } from 'rxjs';

import { describeError, describeResponse } from '../api/api-result';
import { DEMO_ENV } from '../demo-env';

/**
 * The second provider, "partner" (`withAuthProvider('partner', …)` in `app.config.ts`): its own
 * login, session and logout next to the main provider's, and a call to the partner's API, which
 * takes only the partner's tokens. `authInterceptor` picks the token by the URL: `/partner` is
 * in the partner's `allowedUrls`, `/api` in the main provider's.
 */
@Component({
  selector: 'app-partner-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Partner</h1>
    <p class="muted">
      A second OpenID Provider (<code data-testid="partner-authority">{{
        partner.configuration.authority
      }}</code
      >) with a client of its own, configured with <code>withAuthProvider('partner', …)</code>. Its
      session is independent of the main provider's: logging in or out of one leaves the other.
      Requests to <code>{{ env.apiUrl }}/partner</code> get the partner's token.
    </p>

    <section class="card">
      <h2>Session</h2>
      <p>
        Partner:
        @if (partner.isAuthenticated()) {
          <span class="status status-in" data-testid="partner-status">authenticated</span>
          <span data-testid="partner-user-name">{{ userName() }}</span>
        } @else {
          <span class="status status-out" data-testid="partner-status">anonymous</span>
        }
        · main provider:
        <span data-testid="partner-main-status">{{
          main.isAuthenticated() ? 'authenticated' : 'anonymous'
        }}</span>
      </p>
      @if (partner.isAuthenticated()) {
        <button type="button" data-testid="partner-logout-button" (click)="logout()">
          Log out of the partner
        </button>
      } @else {
        <button type="button" class="primary" data-testid="partner-login-button" (click)="login()">
          Log in to the partner
        </button>
      }
      @if (partner.error(); as error) {
        <p role="alert">
          <code data-testid="partner-error">{{ error.code }}</code>
          <span data-testid="partner-error-message">{{ error.message }}</span>
        </p>
      }
    </section>

    <section class="card">
      <h2>Partner API</h2>
      <button
        type="button"
        data-testid="partner-call-api"
        [disabled]="pending()"
        (click)="callApi()"
      >
        GET /partner/me
      </button>
      <pre data-testid="partner-api-result">{{ result() }}</pre>
    </section>
  `,
  styles: `
    .card {
      margin-bottom: 1rem;
    }
    .card h2 {
      margin-top: 0;
    }
  `,
})
export class PartnerPage {
  private readonly http = inject(HttpClient);
  protected readonly env = inject(DEMO_ENV);
  protected readonly main = inject(AuthService);
  protected readonly partner = injectAuth('partner');
  protected readonly pending = signal(false);
  protected readonly result = signal('');
  private call?: Subscription;

  protected readonly userName = computed(() => {
    const user = this.partner.user();
    return String(user?.['name'] ?? user?.['sub'] ?? '');
  });

  constructor() {
    inject(DestroyRef).onDestroy(() => this.call?.unsubscribe());
  }

  protected login(): void {
    // A rejection is also published on the partner's error(), shown above.
    this.partner.login({ returnUrl: '/partner' }).catch(() => undefined);
  }

  protected logout(): void {
    this.partner.logout().catch(() => undefined);
  }

  protected callApi(): void {
    this.call?.unsubscribe();
    this.pending.set(true);
    this.call = this.http.get(`${this.env.apiUrl}/partner/me`, { observe: 'response' }).subscribe({
      next: (response) => {
        this.result.set(describeResponse(response));
        this.pending.set(false);
      },
      error: (err: unknown) => {
        this.result.set(describeError(err));
        this.pending.set(false);
      },
    });
  }
}
