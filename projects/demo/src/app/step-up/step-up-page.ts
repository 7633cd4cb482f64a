import { HttpClient } from '@angular/common/http';
import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  inject,
  signal,
} from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Router } from '@angular/router';
import {
  type AuthErrorDetails,
  AuthService,
  isAuthError,
  type LoginOptions,
  type LoginOutcome,
} from 'ngx-oidc';
import type { Subscription } from 'rxjs';

import { describeError, describeResponse } from '../api/api-result';
import { DEMO_ENV } from '../demo-env';

/** The demo API's routes that want a stronger sign-in than a password (RFC 9470). */
export const STEP_UP_ROUTES = ['step-up', 'step-up/recent'] as const;

/** One of {@link STEP_UP_ROUTES}, under `<apiUrl>/api/`. */
export type StepUpRoute = (typeof STEP_UP_ROUTES)[number];

/** What a step-up login carries through the provider (`appState`): the call to send again. */
export interface StepUpAppState {
  readonly stepUpRetry: StepUpRoute;
}

/**
 * The `acr` the "require" form asks for at first: a value the local provider does not know, so
 * it answers with the level the session has (OpenID Connect Core 1.0 §3.1.2.1: `acr_values` is
 * a voluntary request) and `acrRequired` makes the login fail with `acr_not_satisfied`.
 */
export const UNKNOWN_ACR = 'urn:ngx-oidc:acr:hardware-key';

type StepUpOptions = NonNullable<AuthErrorDetails['stepUp']>;

/** True for the `appState` of a login started by this page's "Verify" button. */
export function isStepUpAppState(value: unknown): value is StepUpAppState {
  const retry = (value as Partial<StepUpAppState> | null)?.stepUpRetry;
  return typeof value === 'object' && (STEP_UP_ROUTES as readonly unknown[]).includes(retry);
}

/** Login outcomes whose refused call was sent again already (the outcome lives as long as the page). */
const retried = new WeakSet<LoginOutcome>();

/**
 * Step-up authentication: calls the API routes that want the second sign-in step, and on their
 * RFC 9470 challenge (`AuthError('insufficient_user_authentication')`) offers the login the
 * challenge asks for. Back from it, the refused call is sent again. A second form shows
 * `acrRequired` refusing a login whose `acr` is not the one required.
 */
@Component({
  selector: 'app-step-up-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FormsModule],
  templateUrl: './step-up-page.html',
  styleUrl: './step-up-page.css',
})
export class StepUpPage {
  private readonly http = inject(HttpClient);
  private readonly router = inject(Router);
  protected readonly auth = inject(AuthService);
  protected readonly env = inject(DEMO_ENV);

  /** The ID token's `acr`: how the user signed in (OpenID Connect Core 1.0 §2). */
  protected readonly acr = computed(() => {
    const acr = this.auth.user()?.['acr'];
    return typeof acr === 'string' ? acr : null;
  });

  /** The ID token's `auth_time` as an ISO string. */
  protected readonly authTime = computed(() => {
    const authTime = this.auth.user()?.['auth_time'];
    return typeof authTime === 'number' ? new Date(authTime * 1000).toISOString() : null;
  });

  protected readonly routes = STEP_UP_ROUTES;
  protected readonly pending = signal(false);
  /** Empty until the first answer: `200 <body>`, `error <code>` or `<status> <reason>`. */
  protected readonly result = signal('');
  /** The refused call and the `login()` options its challenge asks for, until the next call. */
  protected readonly challenge = signal<{ route: StepUpRoute; stepUp: StepUpOptions } | null>(null);
  /** `login()` rejected (before any redirect): `error <code>`. */
  protected readonly loginError = signal('');
  protected readonly requiredAcr = signal(UNKNOWN_ACR);

  private subscription?: Subscription;

  constructor() {
    inject(DestroyRef).onDestroy(() => this.subscription?.unsubscribe());
    // Back from the step-up login: send the refused call again (once per login).
    const outcome = this.auth.loginOutcome();
    if (
      outcome?.type === 'login_completed' &&
      isStepUpAppState(outcome.appState) &&
      !retried.has(outcome)
    ) {
      retried.add(outcome);
      this.call(outcome.appState.stepUpRetry);
    }
  }

  /** `GET <apiUrl>/api/<route>`, allow-listed: `authInterceptor` sends the access token. */
  protected url(route: StepUpRoute): string {
    return `${this.env.apiUrl}/api/${route}`;
  }

  protected call(route: StepUpRoute): void {
    this.subscription?.unsubscribe();
    this.result.set('');
    this.challenge.set(null);
    this.pending.set(true);
    this.subscription = this.http.get<unknown>(this.url(route), { observe: 'response' }).subscribe({
      next: (response) => this.finish(describeResponse(response)),
      error: (err: unknown) => {
        // RFC 9470 §3: the interceptor neither renewed nor retried; the session stays.
        if (isAuthError(err) && err.code === 'insufficient_user_authentication') {
          const stepUp = err.details.stepUp;
          if (stepUp) this.challenge.set({ route, stepUp });
        }
        this.finish(describeError(err));
      },
    });
  }

  /** Logs in again as the API asked, back to this page, which then sends the call again. */
  protected verify(): Promise<void> {
    const challenge = this.challenge();
    if (!challenge) return Promise.resolve();
    return this.login({
      ...challenge.stepUp,
      returnUrl: this.router.url,
      appState: { stepUpRetry: challenge.route } satisfies StepUpAppState,
    });
  }

  /** A login whose ID token must carry the `acr` typed in (else `acr_not_satisfied`). */
  protected requireAcr(): Promise<void> {
    return this.login({
      acrValues: this.requiredAcr().trim(),
      acrRequired: true,
      returnUrl: this.router.url,
    });
  }

  private async login(options: LoginOptions): Promise<void> {
    this.loginError.set('');
    try {
      await this.auth.login(options);
    } catch (err) {
      // Also on auth.error() (the header) for an AuthError; a TypeError only here.
      this.loginError.set(describeError(err));
    }
  }

  private finish(result: string): void {
    this.pending.set(false);
    this.result.set(result);
  }
}
