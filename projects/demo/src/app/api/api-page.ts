import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { AuthService } from 'ngx-oidc';

import { DEMO_ENV } from '../demo-env';
import { ApiCalls } from './api-calls';
import { ResourceCalls } from './resource-calls';

/**
 * The API calls with an explanation of what the interceptor does, made with `HttpClient` and
 * with `httpResource`.
 */
@Component({
  selector: 'app-api-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ApiCalls, ResourceCalls],
  template: `
    <h1>API calls</h1>
    <p class="muted">
      Requests go through <code>HttpClient</code>; <code>authInterceptor</code> adds
      <code>Authorization: Bearer …</code> only to URLs under <code>allowedUrls</code> (<code
        >{{ env.apiUrl }}/api</code
      >). You are <strong>{{ auth.isAuthenticated() ? 'logged in' : 'not logged in' }}</strong>.
    </p>
    <app-api-calls />
    <h2>The same with <code>httpResource</code></h2>
    <p class="muted">
      <code>httpResource</code> (signal-based, from <code>&#64;angular/common/http</code>) sends its
      requests through <code>HttpClient</code> and its interceptors, so the token goes to the same
      URLs.
    </p>
    <app-resource-calls />
  `,
})
export class ApiPage {
  protected readonly auth = inject(AuthService);
  protected readonly env = inject(DEMO_ENV);
}
