import { DOCUMENT, isPlatformBrowser } from '@angular/common';
import { inject, InjectionToken, PLATFORM_ID } from '@angular/core';
import { serverPlatform } from '../core/browser/server-platform';
import { windowPlatform } from '../core/browser/window-platform';
import type { AuthPlatform } from '../core/platform';
import { AUTH_FEATURES } from './features';

/**
 * The browser facilities the client uses, behind a token so tests (and the server side of SSR)
 * can replace them. Nothing here touches `window` at import time.
 * @internal Exported as ɵAuthBrowser for the benchmark lab only; not API.
 */
export type AuthBrowser = AuthPlatform;

/**
 * The browser the Angular layer drives; defaults to the document's window.
 * @internal Exported as ɵAUTH_BROWSER for the benchmark lab only; not API.
 */
export const AUTH_BROWSER = new InjectionToken<AuthBrowser>('ngx-oidc AUTH_BROWSER', {
  providedIn: 'root',
  factory: () => {
    // platform-server has a document (and sometimes a defaultView) too: ask the platform.
    const view = isPlatformBrowser(inject(PLATFORM_ID)) ? inject(DOCUMENT).defaultView : null;
    const features = inject(AUTH_FEATURES);
    return view ? windowPlatform(view, features.frame, features.popups) : serverPlatform();
  },
});
