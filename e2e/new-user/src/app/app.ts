// The root component a new user writes after `ng add ngx-oidc` (the README's quick start):
// status, login/logout buttons, a link to a guarded page. Copied over the generated app.ts by
// scripts/new-user.test.mjs.
import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { RouterLink, RouterOutlet } from '@angular/router';
import { AuthService } from 'ngx-oidc';

@Component({
  selector: 'app-root',
  imports: [RouterOutlet, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <p data-testid="status">
      {{ auth.isAuthenticated() ? 'signed in as ' + auth.user()?.name : 'anonymous' }}
    </p>
    @if (auth.isAuthenticated()) {
      <button data-testid="logout" (click)="auth.logout()">Log out</button>
    } @else {
      <button data-testid="login" (click)="auth.login()">Log in</button>
    }
    <a data-testid="profile-link" routerLink="/profile">Profile</a>
    <router-outlet />
  `,
})
export class App {
  protected readonly auth = inject(AuthService);
}
