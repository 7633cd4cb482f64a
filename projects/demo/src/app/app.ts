import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { AuthService } from 'ngx-oidc';

import { PopupLogin } from './popup/popup-login';

/** The shell: a header with the auth status and login/logout, the nav, and the routed page. */
@Component({
  selector: 'app-root',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterOutlet, RouterLink, RouterLinkActive],
  templateUrl: './app.html',
  styleUrl: './app.css',
})
export class App {
  protected readonly auth = inject(AuthService);
  /** "Log in in a popup": the app stays; the window opens in the click itself. */
  protected readonly popup = inject(PopupLogin);

  /** What to call the user: the `name` claim, else email or subject. */
  protected readonly userName = computed(() => {
    const user = this.auth.user();
    return user?.name ?? user?.email ?? user?.sub ?? '';
  });

  protected readonly links = [
    { path: '/', label: 'Home', exact: true },
    { path: '/profile', label: 'Profile', exact: false },
    { path: '/api', label: 'API', exact: false },
    { path: '/options', label: 'Options', exact: false },
    { path: '/step-up', label: 'Sensitive action', exact: false },
    { path: '/partner', label: 'Partner', exact: false },
    { path: '/inspector', label: 'Token inspector', exact: false },
  ];

  protected login(): void {
    // A rejection is also published on auth.error(), which the header shows.
    this.auth.login().catch(() => undefined);
  }

  protected logout(): void {
    this.auth.logout().catch(() => undefined);
  }
}
