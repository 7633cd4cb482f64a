import { inject, Injectable, signal } from '@angular/core';
import { type AuthError, AuthService, isAuthError, type PopupLoginOptions } from 'ngx-oidc';

/** Where the demo's last popup login is. */
export type PopupLoginStatus = 'idle' | 'pending' | 'completed' | 'failed';

/**
 * The demo's popup login: the header's "Log in in a popup" button and the home page's popup
 * card share its settings and its outcome.
 */
@Injectable({ providedIn: 'root' })
export class PopupLogin {
  private readonly auth = inject(AuthService);

  /**
   * Ask the local provider to send `Cross-Origin-Opener-Policy: same-origin` on this login's
   * pages (its `coop` authorization parameter): the browser then severs the popup from the app,
   * as many real providers do.
   */
  readonly coop = signal(false);
  /** `timeoutSeconds` of the popup login; `null`: the library's default (300 s). */
  readonly timeoutSeconds = signal<number | null>(null);
  readonly status = signal<PopupLoginStatus>('idle');
  readonly error = signal<AuthError | null>(null);

  /** The options the next popup login gets. */
  options(): PopupLoginOptions {
    const timeoutSeconds = this.timeoutSeconds();
    return {
      ...(this.coop() ? { extraParams: { coop: 'same-origin' } } : {}),
      ...(timeoutSeconds ? { timeoutSeconds } : {}),
    };
  }

  /**
   * Starts the popup login. Call it in the click handler itself, before any `await`: the
   * library opens the window synchronously, or the browser blocks it.
   */
  start(): void {
    this.status.set('pending');
    this.error.set(null);
    this.auth.loginWithPopup(this.options()).then(
      () => this.status.set('completed'),
      (err: unknown) => {
        this.status.set('failed');
        // Also on auth.error(), which the header shows.
        if (isAuthError(err)) this.error.set(err);
      },
    );
  }
}
