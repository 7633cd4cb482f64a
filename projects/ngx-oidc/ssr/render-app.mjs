// Child process of render.test.mjs: `node render-app.mjs import|zoneless|zone.js|paths`.
const mode = process.argv[2];
if (mode === 'zone.js') await import('zone.js/node');
await import('@angular/compiler'); // JIT for the test components below
const core = await import('@angular/core');
await import('@angular/common');
await import('@angular/common/http');
await import('@angular/router');

// Only ngx-oidc's own module evaluation runs under these traps (its dependencies are loaded).
const browserGlobals = ['window', 'document', 'sessionStorage', 'localStorage', 'location', 'history', 'crypto'];
const saved = Object.fromEntries(browserGlobals.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)]));
for (const name of browserGlobals) {
  Object.defineProperty(globalThis, name, {
    configurable: true,
    get() {
      throw new Error(`ngx-oidc touched the browser global "${name}" at import on the server`);
    },
  });
}
const lib = await import('../../../dist/ngx-oidc/fesm2022/ngx-oidc.mjs');
for (const name of browserGlobals) {
  if (saved[name]) Object.defineProperty(globalThis, name, saved[name]);
  else delete globalThis[name];
}
if (mode === 'import') process.exit(0);
if (mode === 'paths') {
  const Page = core.Component({ template: '' })(class Page {});
  const paths = lib.authGuardedPaths([
    { path: '', component: Page },
    { path: 'profile', component: Page, canActivate: [lib.authGuard] },
    { path: 'admin', canActivateChild: [lib.authGuard], children: [{ path: 'users/:id', component: Page }] },
    { path: 'callback', children: [] },
  ]);
  console.log(JSON.stringify({ paths }));
  process.exit(0);
}

const { provideServerRendering, renderApplication } = await import('@angular/platform-server');
const { bootstrapApplication } = await import('@angular/platform-browser');
const { provideRouter, Router, NavigationEnd, RouterOutlet } = await import('@angular/router');
const { provideHttpClient, withInterceptors } = await import('@angular/common/http');

const Home = core.Component({ selector: 'app-home', template: 'home page' })(class Home {});
const Secret = core.Component({ selector: 'app-secret', template: 'secret page' })(class Secret {});
class AppBase {
  auth = core.inject(lib.AuthService);
  // The URL of the last successful navigation: Angular SSR answers 404 without one, and a
  // redirect when it differs from the requested URL.
  navigated = core.signal(null);
  constructor() {
    core.inject(Router).events.subscribe((e) => {
      if (e instanceof NavigationEnd) this.navigated.set(e.urlAfterRedirects);
    });
  }
}
const App = core.Component({
  selector: 'app-root',
  imports: [RouterOutlet],
  template:
    '<p [attr.data-status]="auth.isAuthenticated() ? \'authenticated\' : \'anonymous\'" [attr.data-navigated]="navigated()"></p><router-outlet />',
})(AppBase);

const providers = [
  mode === 'zone.js' ? core.provideZoneChangeDetection() : core.provideZonelessChangeDetection(),
  provideServerRendering(),
  provideRouter([
    { path: '', component: Home },
    { path: 'secret', component: Secret, canActivate: [lib.authGuard] },
    // What `ng add` adds: the provider's redirect back renders nothing (no redirectTo).
    { path: 'callback', children: [] },
  ]),
  provideHttpClient(withInterceptors([lib.authInterceptor])),
  lib.provideAuth({ authority: 'https://idp.example.com', clientId: 'spa', allowedUrls: ['https://api.example.com'] }),
];
const bootstrap = (context) => bootstrapApplication(App, { providers }, context);
const render = (url) => renderApplication(bootstrap, { document: '<app-root></app-root>', url });
// Warnings of the guard (development mode) are part of what the test checks.
const warnings = [];
console.warn = (...args) => warnings.push(args.join(' '));
const home = await render('/');
const secret = await render('/secret');
const callback = await render('/callback?code=abc&state=xyz');
console.log(JSON.stringify({ html: home + secret, home, secret, callback, warnings }));
