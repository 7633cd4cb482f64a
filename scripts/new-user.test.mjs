#!/usr/bin/env node
// A new user's whole path, in Chromium against the local provider (node:test file):
//
//   ng new (that major's CLI from the npm registry) → npm install → ng add <packed ngx-oidc>
//   (non-interactive) → the README's quick-start code (e2e/new-user/src) → serve → log in through
//   the local provider → call the demo API (200, bearer attached) → reload → log out.
//
//   node --test scripts/new-user.test.mjs                 Angular 21 and 22 with ng serve, and 22 with
//                                                         --ssr served by the app's own server
//                                                         (node dist/<app>/server/server.mjs); 21 with
//                                                         --ssr: scripts/ng-add-smoke.mjs
//   NEW_USER_RUNS=22:ssr,21:csr node --test …             choose the runs (major:ssr|csr)
//   KEEP_NEW_USER_APP=1 …                                 keep the temp apps
//   NGX_OIDC_SKIP_COMPAT=1 …                              skip (no npm registry)
//
// Needs dist/ngx-oidc (node scripts/build-lib.mjs) and Chromium (CHROME_BIN or `chromium`).
import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { DEV_CLIENT_ID } from '../projects/demo-backend/provider.mjs';
import { DEFAULT_API_AUDIENCE } from '../projects/demo-backend/resources.mjs';
import { buildSchematics } from './build-lib.mjs';
import { ensureChromium } from './ensure-chromium.mjs';
import { CHILD_ENV, createRunner, freePort, MIN, NPM, startServer } from './lib/child.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist', 'ngx-oidc');
const APP_FILES = join(ROOT, 'e2e', 'new-user', 'src');

/** The CLI each major's `ng new` comes from (the newest of that major the registry has here). */
const CLI = { 21: '21.2.27', 22: '22.2.7' };

const RUNS = (process.env.NEW_USER_RUNS ?? '21:csr,22:csr,22:ssr').split(',').map((run) => {
  const [major, mode] = run.trim().split(':');
  if (!CLI[major] || !['ssr', 'csr'].includes(mode)) throw new Error(`NEW_USER_RUNS: bad run ${run}`);
  return { major: Number(major), ssr: mode === 'ssr' };
});

const { run, log } = createRunner('new-user');

const skip = process.env.NGX_OIDC_SKIP_COMPAT
  ? 'NGX_OIDC_SKIP_COMPAT is set'
  : !existsSync(join(DIST, 'fesm2022'))
    ? 'dist/ngx-oidc is not built: run node scripts/build-lib.mjs first'
    : false;

describe('a new user: ng new → ng add → serve → log in → API → reload → log out', { skip }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ngx-oidc-new-user-'));
  let tarball;
  let backend;
  let browser;
  const ports = {};

  before(async () => {
    // The packed library, as npm would publish it (schematics compiled afresh from source).
    const pkgDir = join(tmp, 'package');
    cpSync(DIST, pkgDir, { recursive: true });
    buildSchematics(pkgDir);
    const out = await run('npm pack', NPM, ['pack', pkgDir, '--pack-destination', tmp, '--json'], { cwd: tmp });
    tarball = join(tmp, JSON.parse(out.slice(out.indexOf('[')))[0].filename);

    // The local provider and demo API, as `npm start` runs them, on free ports.
    ports.idp = await freePort();
    ports.api = await freePort();
    backend = await startServer('demo backend', 'node', [join(ROOT, 'projects', 'demo-backend', 'main.mjs')], {
      cwd: ROOT,
      env: { ...CHILD_ENV, IDP_PORT: String(ports.idp), API_PORT: String(ports.api), DEMO_ENV_FILE: '' },
      ready: /demo-backend ready/,
      timeoutMs: MIN,
    });
    browser = await chromium.launch({
      executablePath: process.env.CHROME_BIN || ensureChromium(),
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-gpu', '--disable-dev-shm-usage'],
    });
  });

  after(async () => {
    await browser?.close();
    backend?.stop();
    if (process.env.KEEP_NEW_USER_APP) log(`apps kept in ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  });

  for (const { major, ssr } of RUNS) {
    describe(`Angular ${major}${ssr ? ' with SSR (served by its own server.mjs)' : ' (ng serve)'}`, () => {
      const name = `app${major}${ssr ? 'ssr' : ''}`;
      const app = join(tmp, name);
      const ng = join(app, 'node_modules', '@angular', 'cli', 'bin', 'ng.js');
      let failed = false;
      let server;
      let appUrl;
      let addOutput = '';

      /** Steps run in order; after a failure the rest are skipped. */
      const step = (title, fn) =>
        it(title, async (t) => {
          if (failed) return t.skip('an earlier step failed');
          try {
            await fn(t);
          } catch (err) {
            failed = true;
            throw err;
          }
        });

      after(() => server?.stop());

      step(`ng new ${ssr ? '--ssr' : '--no-ssr'} (@angular/cli@${CLI[major]}) and npm install`, async () => {
        await run(
          'ng new',
          NPM,
          [
            'exec', '--yes', `--package=@angular/cli@${CLI[major]}`, '--',
            'ng', 'new', name, '--defaults', '--skip-git', '--skip-install', '--skip-tests',
            '--style=css', `--ssr=${ssr}`, '--package-manager=npm',
          ],
          { cwd: tmp, timeoutMs: 5 * MIN },
        );
        await run('npm install', NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund'], {
          cwd: app,
          timeoutMs: 8 * MIN,
        });
        const core = JSON.parse(readFileSync(join(app, 'node_modules', '@angular', 'core', 'package.json'), 'utf8'));
        assert.equal(Number(core.version.split('.')[0]), major, `@angular/core ${core.version}`);
      });

      step('ng add <packed ngx-oidc> (non-interactive), the redirect URIs printed with the real origin', async () => {
        ports[name] = await freePort();
        // The dev server's port, as a user would set it in angular.json (ng add prints it back).
        const ws = JSON.parse(readFileSync(join(app, 'angular.json'), 'utf8'));
        const serve = ws.projects[name].architect.serve;
        serve.options = { ...serve.options, port: ports[name] };
        writeFileSync(join(app, 'angular.json'), JSON.stringify(ws, null, 2) + '\n');
        appUrl = `http://localhost:${ports[name]}`;
        addOutput = await run(
          'ng add',
          'node',
          [
            ng, 'add', tarball, '--skip-confirmation',
            `--authority=http://localhost:${ports.idp}`,
            `--client-id=${DEV_CLIENT_ID}`,
            `--api-url=http://localhost:${ports.api}/api`,
            `--audience=${DEFAULT_API_AUDIENCE}`,
            '--scopes=read:messages offline_access',
            '--renewal=refresh-token',
          ],
          { cwd: app, timeoutMs: 5 * MIN },
        );
        assert.ok(addOutput.includes(`${appUrl}/callback`), `ng add output names ${appUrl}/callback:\n${addOutput}`);
        const config = readFileSync(join(app, 'src', 'app', 'app.config.ts'), 'utf8');
        assert.match(config, /provideAuth\(/);
        assert.match(config, /offline_access/);
      });

      step("the README's quick-start code: a status bar, login/logout, a guarded page calling the API", async () => {
        cpSync(APP_FILES, join(app, 'src'), { recursive: true });
        const profile = join(app, 'src', 'app', 'profile.ts');
        writeFileSync(profile, readFileSync(profile, 'utf8').replaceAll('__API_URL__', `http://localhost:${ports.api}`));
        const routesFile = join(app, 'src', 'app', 'app.routes.ts');
        let routes = readFileSync(routesFile, 'utf8');
        assert.match(routes, /export const routes: Routes = \[/);
        routes = routes.replace(
          /export const routes: Routes = \[/,
          `export const routes: Routes = [\n  { path: 'profile', loadComponent: () => import('./profile').then((m) => m.Profile), canActivate: [authGuard] },`,
        );
        if (!/import \{[^}]*\bauthGuard\b[^}]*\} from 'ngx-oidc'/.test(routes)) routes = `import { authGuard } from 'ngx-oidc';\n${routes}`;
        writeFileSync(routesFile, routes);
      });

      step(ssr ? 'ng build, then node dist/<app>/server/server.mjs' : 'ng serve', async () => {
        if (ssr) {
          await run('ng build', 'node', [ng, 'build'], { cwd: app, timeoutMs: 8 * MIN });
          server = await startServer('server.mjs', 'node', [join(app, 'dist', name, 'server', 'server.mjs')], {
            cwd: app,
            // Angular SSR answers only hosts it is told to trust (its SSRF protection).
            env: { ...CHILD_ENV, PORT: String(ports[name]), NG_ALLOWED_HOSTS: 'localhost' },
            ready: /listening on/i,
          });
        } else {
          server = await startServer('ng serve', 'node', [ng, 'serve', '--port', String(ports[name]), '--no-hmr', '--no-live-reload'], {
            cwd: app,
            ready: /Local:\s+http:\/\/localhost:\d+/,
            timeoutMs: 8 * MIN,
          });
        }
      });

      step('log in through the local provider, call the API with the bearer token, reload, log out', async () => {
        const context = await browser.newContext();
        const page = await context.newPage();
        const notFound = [];
        page.on('response', (r) => {
          if (r.status() === 404 && r.url().startsWith(appUrl)) notFound.push(r.url());
        });
        const apiCalls = [];
        page.on('request', (r) => {
          if (r.url().startsWith(`http://localhost:${ports.api}/api/`) && r.method() === 'GET') apiCalls.push(r);
        });
        const status = page.getByTestId('status');
        const waitFor = async (what, fn, timeout = 60_000) => {
          const deadline = Date.now() + timeout;
          for (;;) {
            const value = await Promise.resolve().then(fn).catch(() => undefined);
            if (value) return value;
            if (Date.now() > deadline) {
              const body = await page.locator('body').innerText().catch(() => '');
              throw new Error(`timed out waiting for ${what} (at ${page.url()}); the page says:\n${body.slice(0, 1000)}`);
            }
            await page.waitForTimeout(100);
          }
        };
        const text = async (locator) => ((await locator.count()) ? (await locator.textContent())?.trim() : undefined);
        const onProviderLogin = async () =>
          page.url().startsWith(`http://localhost:${ports.idp}`) && (await page.locator('input[name=password]').count()) > 0;

        try {
          // Anonymous, then a login through the provider's form.
          await page.goto(appUrl + '/');
          await waitFor('anonymous', async () => (await text(status)) === 'anonymous');
          await page.getByTestId('login').click();
          await waitFor('the provider login form', onProviderLogin);
          await page.locator('input[name=username]').fill('alice');
          await page.locator('input[name=password]').fill('wonderland');
          await page.locator('form button[type=submit]').first().click();
          await waitFor('signed in', async () => /^signed in as Alice/.test((await text(status)) ?? ''));

          // The guarded page calls the API: 200 with the bearer token.
          await page.getByTestId('profile-link').click();
          const result = page.getByTestId('api-result');
          await waitFor('the API answer', async () => (await text(result))?.includes('"messages"'));
          const auth = await apiCalls.at(-1)?.headerValue('authorization');
          assert.match(auth ?? '', /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/, 'the API request carried a JWT bearer token');
          const response = await apiCalls.at(-1).response();
          assert.equal(response?.status(), 200);

          // A reload of the guarded page keeps the session and calls the API again.
          const before = apiCalls.length;
          await page.reload();
          await waitFor('signed in after the reload', async () => /^signed in as Alice/.test((await text(status)) ?? ''));
          await waitFor('the API answer after the reload', async () => apiCalls.length > before && (await text(result))?.includes('"messages"'));

          // Log out: back to the app, anonymous; the guarded page now asks for a login. The app is
          // anonymous at once, before it leaves for the provider's logout (after revoking the
          // refresh token): "back" counts only after the provider, or the next load would abort
          // the logout and the provider's session would live on.
          // The provider's page may be gone again before a poll sees it, so the navigations are
          // watched: to the provider, then back to the app (its post-logout redirect).
          let atProvider = false;
          let back = false;
          const watch = (r) => {
            if (!r.isNavigationRequest() || r.frame() !== page.mainFrame()) return;
            if (r.url().startsWith(`http://localhost:${ports.idp}`)) atProvider = true;
            else if (atProvider && r.url().startsWith(appUrl)) back = true;
          };
          page.on('request', watch);
          await page.getByTestId('logout').click();
          await waitFor('the app again, anonymous, after the provider', async () => {
            if (page.url().startsWith(`http://localhost:${ports.idp}`)) {
              const confirm = page.locator('#logout-confirm');
              if (await confirm.isVisible()) await confirm.click();
              return false;
            }
            // The app takes the logout's state out of the address bar once it has started.
            return back && page.url() === `${appUrl}/` && (await text(status)) === 'anonymous';
          });
          page.off('request', watch);
          await page.goto(appUrl + '/profile');
          await waitFor('the provider login for the guarded page', onProviderLogin);
          assert.deepEqual(notFound, [], 'no page of the app answered 404');
        } finally {
          await context.close();
        }
      });

      if (ssr) {
        step('a direct load of the guarded page in a new browser is no 404 and goes to the login', async () => {
          const context = await browser.newContext();
          const page = await context.newPage();
          try {
            // The server's answer, read apart from the page: the page leaves for the provider as
            // soon as the app starts, and a navigation's body is gone once it has (seen: "No
            // resource with given identifier found" when the app was quick).
            const direct = await context.request.get(appUrl + '/profile');
            assert.notEqual(direct.status(), 404, 'the server answered /profile');
            assert.doesNotMatch(await direct.text(), /<h1>Profile<\/h1>/, 'the server did not render the guarded page');
            const response = await page.goto(appUrl + '/profile');
            assert.notEqual(response?.status(), 404, 'the browser load of /profile');
            await page.waitForURL((url) => url.origin === `http://localhost:${ports.idp}`, { timeout: 60_000 });
          } finally {
            await context.close();
          }
        });
      }
    });
  }
});
