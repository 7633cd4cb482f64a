import { InjectionToken } from '@angular/core';
import type { AuthConfig } from '../core/config';

/** The constructor-time options given to `provideAuth()`. */
export const AUTH_CONFIG = new InjectionToken<AuthConfig>('ngx-oidc AUTH_CONFIG');
