import { httpResource, type HttpResourceRef } from '@angular/common/http';
import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  signal,
  type Signal,
} from '@angular/core';

import { DEMO_ENV } from '../demo-env';
import { describeError } from './api-result';

/**
 * One `httpResource` that loads on demand: idle until {@link OnDemandResource.load} is first
 * called, reloaded on every later call. Must be created in an injection context.
 */
export class OnDemandResource {
  private readonly requested = signal(false);

  /** The resource itself; it sends its `GET` through `HttpClient` and so its interceptors. */
  readonly ref: HttpResourceRef<unknown>;

  /**
   * Empty until the first answer and while loading, so "has text" means "answered":
   * `<status> <body JSON>`, or what {@link describeError} makes of the error.
   */
  readonly result: Signal<string>;

  /** @param url The URL to `GET`. */
  constructor(readonly url: string) {
    this.ref = httpResource<unknown>(() => (this.requested() ? url : undefined));
    this.result = computed(() => describeResource(this.ref));
  }

  /** Sends the first request, or reloads (unless a request is already in flight). */
  load(): void {
    if (this.requested()) this.ref.reload();
    else this.requested.set(true);
  }
}

/** What a resource shows: see {@link OnDemandResource.result}. */
export function describeResource(ref: HttpResourceRef<unknown>): string {
  switch (ref.status()) {
    case 'resolved':
    case 'local':
      return `${ref.statusCode() ?? ''} ${JSON.stringify(ref.value())}`.trim();
    case 'error':
      return describeError(ref.error());
    default:
      return '';
  }
}

/**
 * The calls of {@link ApiCalls}, made with `httpResource` (signal-based, Angular's
 * `@angular/common/http`) instead of `HttpClient.get()`. `httpResource` sends its requests
 * through `HttpClient`, so `authInterceptor` decides about the token exactly as for the other
 * calls. Shown on /api.
 */
@Component({
  selector: 'app-resource-calls',
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './resource-calls.html',
  styleUrl: './api-calls.css',
})
export class ResourceCalls {
  private readonly env = inject(DEMO_ENV);

  /** Allow-listed: the interceptor adds the access token (or fails with not_authenticated). */
  protected readonly api = new OnDemandResource(`${this.env.apiUrl}/api/messages`);
  /** Same API, another origin, not allow-listed: sent without a token. */
  protected readonly foreign = new OnDemandResource(`${this.env.foreignApiUrl}/api/messages`);
}
