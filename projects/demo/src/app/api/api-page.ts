import { Component, inject } from '@angular/core';
import { AuthService } from 'ngx-oidc';

import { DEMO_ENV } from '../demo-env';
import { ApiCalls } from './api-calls';

/** The API calls with an explanation of what the interceptor does. */
@Component({
  selector: 'app-api-page',
  imports: [ApiCalls],
  template: `
    <h1>API calls</h1>
    <p class="muted">
      Requests go through <code>HttpClient</code>; <code>authInterceptor</code> adds
      <code>Authorization: Bearer …</code> only to URLs under <code>allowedUrls</code> (<code
        >{{ env.apiUrl }}/api</code
      >). You are <strong>{{ auth.isAuthenticated() ? 'logged in' : 'not logged in' }}</strong>.
    </p>
    <app-api-calls />
  `,
})
export class ApiPage {
  protected readonly auth = inject(AuthService);
  protected readonly env = inject(DEMO_ENV);
}
