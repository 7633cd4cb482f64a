import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { AUTH_CONFIG, type AuthError, AuthService, isAuthError } from 'ngx-oidc';

import { PROMPTS, toLoginOptions, type ShowOptionsForm } from './show-options';

/**
 * Constructor-time options (given once to `provideAuth()`) next to show-time options (given to
 * one `login()` call), to show that they are separate objects and the latter never change the
 * former.
 */
/** How the constructor options show a function option (`nonce: () => string`). */
export const FUNCTION_SHOWN = '(function, called per login)';

@Component({
  selector: 'app-options-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FormsModule],
  templateUrl: './options-page.html',
  styleUrl: './options-page.css',
})
export class OptionsPage {
  protected readonly auth = inject(AuthService);
  /** The very object passed to `provideAuth()` (frozen in `app.config.ts`). */
  private readonly authConfig = inject(AUTH_CONFIG);

  protected readonly constructorOptionsJson = JSON.stringify(
    {
      'provideAuth(config)': this.authConfig,
      'auth.configuration (resolved)': this.auth.configuration,
    },
    // JSON has no functions: show that one is there (the nonce generator).
    (_key, value: unknown) => (typeof value === 'function' ? FUNCTION_SHOWN : value),
    2,
  );

  protected readonly prompts = PROMPTS;
  protected readonly scope = signal('');
  protected readonly audience = signal('');
  protected readonly state = signal('');
  protected readonly prompt = signal('');
  protected readonly loginHint = signal('');

  /** Live preview of what `login()` will get. */
  protected readonly showOptionsJson = computed(() =>
    JSON.stringify(toLoginOptions(this.form()), null, 2),
  );

  /** The last rejection of `login()` started here. */
  protected readonly loginError = signal<AuthError | null>(null);
  protected readonly loggingIn = signal(false);

  protected async login(): Promise<void> {
    this.loginError.set(null);
    this.loggingIn.set(true);
    try {
      // A fresh object on every click; the constructor-time config is never touched.
      await this.auth.login(toLoginOptions(this.form()));
    } catch (err) {
      if (isAuthError(err)) this.loginError.set(err);
    } finally {
      this.loggingIn.set(false);
    }
  }

  private form(): ShowOptionsForm {
    return {
      scope: this.scope(),
      audience: this.audience(),
      state: this.state(),
      prompt: this.prompt(),
      loginHint: this.loginHint(),
    };
  }
}
