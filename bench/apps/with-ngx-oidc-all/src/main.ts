// with-ngx-oidc plus every optional feature: withImplicitFlow() (hybrid response type, implicit/hybrid
// validation: at_hash/c_hash), withSilentAuthentication() (silentRedirectUri, no offline_access),
// withPopupLogin() (loginWithPopup), withPushedAuthorizationRequests(), withDpop(), withAuthProvider() (a
// second provider with its own API), token diagnostics (diagnoseToken) and the ngx-oidc/testing
// entry point, all reachable.
import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { Component, inject, signal } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { provideRouter, RouterLink, RouterOutlet, type Routes } from '@angular/router';
import {
  authGuard,
  authInterceptor,
  AuthService,
  diagnoseToken,
  provideAuth,
  withAuthProvider,
  withDpop,
  withImplicitFlow,
  withPopupLogin,
  withPushedAuthorizationRequests,
  withSilentAuthentication,
} from 'ngx-oidc';
import { FakeAuthService, provideAuthTesting } from 'ngx-oidc/testing';

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
      <button type="button" (click)="loginWithPopup()">Log in in a popup</button>
    }
    <button type="button" (click)="callApi()">Call API</button>
    <button type="button" (click)="diagnose()">Diagnose token</button>
    <pre>{{ result() }}</pre>
    <router-outlet />
  `,
})
class App {
  private readonly http = inject(HttpClient);
  readonly auth = inject(AuthService);
  readonly result = signal('');
  loginWithPopup(): void {
    void this.auth.loginWithPopup();
  }
  login(): void {
    this.auth.login({ prompt: 'login' });
  }
  logout(): void {
    this.auth.logout();
  }
  async diagnose(): Promise<void> {
    const token = await this.auth.getAccessToken();
    const { findings } = diagnoseToken(token ?? '', { audience: 'https://api.example.com' });
    this.result.set(findings.map((f) => `${f.code}: ${f.message}`).join('\n'));
  }
  callApi(): void {
    this.http.get(`${API}/messages`).subscribe({
      next: (body) => this.result.set(JSON.stringify(body)),
      error: (err: unknown) => this.result.set(String(err)),
    });
  }
}

// The testing entry point, reachable: ?fake-auth swaps in the fake.
const fake = new URLSearchParams(location.search).has('fake-auth');

bootstrapApplication(App, {
  providers: [
    ...(fake ? [provideAuthTesting({ authenticated: true }), { provide: AuthService, useExisting: FakeAuthService }] : []),
    provideRouter(routes),
    provideAuth({
      authority: 'https://idp.example.com/',
      clientId: 'bench-spa',
      audience: 'https://api.example.com',
      scope: 'openid profile email read:messages',
      responseType: 'code id_token',
      silentRedirectUri: `${location.origin}/silent-callback.html`,
      allowedUrls: [API],
    }, withImplicitFlow(), withSilentAuthentication(), withPopupLogin(), withPushedAuthorizationRequests(), withDpop(), withAuthProvider('partner', {
      authority: 'https://idp.partner.example/',
      clientId: 'bench-spa',
      scope: 'openid read:partner',
      allowedUrls: ['https://partner-api.example.com'],
    })),
    provideHttpClient(withInterceptors([authInterceptor])),
  ],
}).catch((err: unknown) => console.error(err));
