// with-ngx-oidc plus withDpop() (RFC 9449, issue #14), nothing else changed: `npm run bench`
// reports its gzip delta over with-ngx-oidc, first load and total (the bytes DPoP adds). Not in
// bench/bundle-budget.test.mjs.
import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { Component, inject, signal } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { provideRouter, RouterLink, RouterOutlet, type Routes } from '@angular/router';
import { authGuard, authInterceptor, AuthService, provideAuth, withDpop } from 'ngx-oidc';

const API = 'https://api.example.com/v1';

@Component({ selector: 'app-home', template: '<h1>Home</h1>' })
class HomePage {}

@Component({ selector: 'app-profile', template: '<h1>Profile</h1>' })
class ProfilePage {}

const routes: Routes = [
  { path: '', component: HomePage },
  { path: 'profile', component: ProfilePage, canActivate: [authGuard] },
];

@Component({
  selector: 'app-root',
  imports: [RouterOutlet, RouterLink],
  template: `
    <nav><a routerLink="/">Home</a> <a routerLink="/profile">Profile</a></nav>
    @if (auth.isAuthenticated()) {
      Hello {{ auth.user()?.name }}
      <button type="button" (click)="logout()">Log out</button>
    } @else {
      <button type="button" (click)="login()">Log in</button>
    }
    <button type="button" (click)="callApi()">Call API</button>
    <pre>{{ result() }}</pre>
    <router-outlet />
  `,
})
class App {
  private readonly http = inject(HttpClient);
  readonly auth = inject(AuthService);
  readonly result = signal('');
  login(): void {
    this.auth.login({ prompt: 'login' });
  }
  logout(): void {
    this.auth.logout();
  }
  callApi(): void {
    this.http.get(`${API}/messages`).subscribe({
      next: (body) => this.result.set(JSON.stringify(body)),
      error: (err: unknown) => this.result.set(String(err)),
    });
  }
}

bootstrapApplication(App, {
  providers: [
    provideRouter(routes),
    provideAuth({
      authority: 'https://idp.example.com/',
      clientId: 'bench-spa',
      audience: 'https://api.example.com',
      scope: 'openid profile email offline_access read:messages',
      allowedUrls: [API],
    }, withDpop()),
    provideHttpClient(withInterceptors([authInterceptor])),
  ],
}).catch((err: unknown) => console.error(err));
