import { ChangeDetectionStrategy, Component, inject } from '@angular/core';

import { PopupLogin } from './popup-login';

/** The home page's popup login: the COOP switch of the local provider, the timeout, the outcome. */
@Component({
  selector: 'app-popup-card',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <p class="muted">
      <code>loginWithPopup()</code> logs in in a popup window and leaves this page as it is. The
      answer comes back over a BroadcastChannel, so it also works when the provider's pages send
      <code>Cross-Origin-Opener-Policy</code>, which cuts the popup off from this window.
    </p>
    <label>
      <input
        type="checkbox"
        data-testid="popup-coop"
        [checked]="popup.coop()"
        (change)="popup.coop.set($any($event.target).checked)"
      />
      The provider sends <code>Cross-Origin-Opener-Policy: same-origin</code> (local provider:
      <code>coop=same-origin</code>)
    </label>
    <label>
      Timeout (s)
      <input
        type="number"
        min="1"
        data-testid="popup-timeout"
        placeholder="300"
        [value]="popup.timeoutSeconds() ?? ''"
        (input)="popup.timeoutSeconds.set(+$any($event.target).value || null)"
      />
    </label>
    <p>
      <button type="button" data-testid="popup-login-card-button" (click)="popup.start()">
        Log in in a popup
      </button>
      <span data-testid="popup-login-status">{{ popup.status() }}</span>
      @if (popup.error(); as error) {
        <code data-testid="popup-login-error">{{ error.code }}</code>
      }
    </p>
  `,
})
export class PopupCard {
  protected readonly popup = inject(PopupLogin);
}
