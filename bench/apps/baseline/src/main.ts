// Bundle-size baseline: two routes, provideRouter, provideHttpClient, one API call on a button.
// with-ngx-oidc is this app plus ngx-oidc set up the way the README says.
import { HttpClient, provideHttpClient } from '@angular/common/http';
import { Component, inject, signal } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { provideRouter, RouterLink, RouterOutlet, type Routes } from '@angular/router';

const API = 'https://api.example.com/v1';

@Component({ selector: 'app-home', template: '<h1>Home</h1>' })
class HomePage {}

@Component({ selector: 'app-profile', template: '<h1>Profile</h1>' })
class ProfilePage {}

const routes: Routes = [
  { path: '', component: HomePage },
  { path: 'profile', component: ProfilePage },
];

@Component({
  selector: 'app-root',
  imports: [RouterOutlet, RouterLink],
  template: `
    <nav><a routerLink="/">Home</a> <a routerLink="/profile">Profile</a></nav>
    <button type="button" (click)="callApi()">Call API</button>
    <pre>{{ result() }}</pre>
    <router-outlet />
  `,
})
class App {
  private readonly http = inject(HttpClient);
  readonly result = signal('');
  callApi(): void {
    this.http.get(`${API}/messages`).subscribe({
      next: (body) => this.result.set(JSON.stringify(body)),
      error: (err: unknown) => this.result.set(String(err)),
    });
  }
}

bootstrapApplication(App, {
  providers: [provideRouter(routes), provideHttpClient()],
}).catch((err: unknown) => console.error(err));
