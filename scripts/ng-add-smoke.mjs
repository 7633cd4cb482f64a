#!/usr/bin/env node
// Smoke test of `ng add ngx-oidc` on a real, freshly generated, server-rendered Angular app
// (node:test file):
//
//   1. `ng new smoke --ssr` (the workspace's installed CLI) in a temp dir, Angular pinned to the
//      versions installed in this workspace; `npm install --prefer-offline` in it;
//   2. `npm pack` of dist/ngx-oidc (build it first: node scripts/build-lib.mjs) — of a copy,
//      with the schematics compiled afresh from source, since other builds may wipe them;
//   3. `ng add <tarball> --authority=… --client-id=… --api-url=… --audience=… --scopes=…
//      --renewal=… --skip-confirmation` (the app's own CLI, non-interactive);
//   4. a page behind authGuard; `ng build` (with prerendering), and the bundle carries the
//      configuration;
//   5. the app's own server (`node dist/smoke/server/server.mjs`): the guarded page and the
//      callback are answered with the app shell (200, nothing protected rendered), not a 404.
//
//   node scripts/ng-add-smoke.mjs          (or: node --test scripts/ng-add-smoke.mjs)
//   KEEP_SMOKE_APP=1 …                     keep the temp app for inspection
//   NGX_OIDC_SKIP_SMOKE=1 …                skip (e.g. without access to the npm registry)
import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildSchematics, checkPackage } from './build-lib.mjs';
import { CHILD_ENV, createRunner, freePort, MIN, NPM, startServer } from './lib/child.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist', 'ngx-oidc');

const AUTHORITY = 'https://idp.example.com';
const API = 'https://api.example.com';
const PROTECTED = 'protected profile page';

const { run, timings } = createRunner('smoke');

const installedVersion = (name) =>
  JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;

const skip = process.env.NGX_OIDC_SKIP_SMOKE
  ? 'NGX_OIDC_SKIP_SMOKE is set'
  : !existsSync(join(DIST, 'fesm2022'))
    ? 'dist/ngx-oidc is not built: run node scripts/build-lib.mjs first'
    : false;

describe('ng new + ng add ngx-oidc + ng build (smoke)', { skip }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ngx-oidc-smoke-'));
  const app = join(tmp, 'smoke');
  const ngApp = join(app, 'node_modules', '@angular', 'cli', 'bin', 'ng.js');
  let failed = false;
  let tarball;
  let addOutput = '';

  /** Steps run in order; after a failure the rest are skipped. */
  const step = (name, fn) =>
    it(name, async (t) => {
      if (failed) return t.skip('an earlier step failed');
      try {
        await fn(t);
      } catch (err) {
        failed = true;
        throw err;
      }
    });

  after(() => {
    console.log(`[smoke] timings: ${timings.join(', ')}`);
    if (process.env.KEEP_SMOKE_APP) console.log(`[smoke] app kept in ${app}`);
    else rmSync(tmp, { recursive: true, force: true });
  });

  step('ng new (installed CLI) with Angular pinned to the workspace versions', async () => {
    // The workspace CLI finds /work/main/angular.json next to its own install and then refuses
    // `ng new` ("inside a workspace"). Run it through a node_modules symlink in the temp dir,
    // with symlinks preserved, so that it looks for a workspace from there instead.
    const link = join(tmp, 'node_modules');
    symlinkSync(join(ROOT, 'node_modules'), link, 'dir');
    try {
      await run(
        'ng new',
        'node',
        [
          join(link, '@angular', 'cli', 'bin', 'ng.js'),
          'new',
          'smoke',
          '--skip-git',
          '--skip-install',
          '--skip-tests',
          '--defaults',
          '--ssr',
          '--zoneless',
          '--style=css',
        ],
        { cwd: tmp, nodeArgs: ['--preserve-symlinks', '--preserve-symlinks-main'] },
      );
    } finally {
      unlinkSync(link); // the app must not resolve packages from the workspace
    }
    const pkgPath = join(app, 'package.json');
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
    for (const section of [pkg.dependencies, pkg.devDependencies]) {
      for (const name of Object.keys(section ?? {})) {
        if (name.startsWith('@angular/') && existsSync(join(ROOT, 'node_modules', name))) {
          section[name] = installedVersion(name);
        }
      }
    }
    writeFileSync(pkgPath, JSON.stringify(pkg, null, 2) + '\n');
    assert.ok(existsSync(join(app, 'src', 'app', 'app.config.ts')));
  });

  step('npm install in the new app', async () => {
    await run('npm install', NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: app,
      timeoutMs: 8 * MIN,
    });
    assert.ok(existsSync(ngApp));
  });

  step('npm pack dist/ngx-oidc', async () => {
    const pkgDir = join(tmp, 'package');
    cpSync(DIST, pkgDir, { recursive: true });
    buildSchematics(pkgDir);
    assert.deepEqual(checkPackage(pkgDir), []);
    const out = await run('npm pack', NPM, ['pack', pkgDir, '--pack-destination', tmp, '--json'], {
      cwd: tmp,
    });
    const [{ filename, files }] = JSON.parse(out.slice(out.indexOf('[')));
    tarball = join(tmp, filename);
    assert.ok(existsSync(tarball), `${tarball} missing`);
    const paths = files.map((f) => f.path);
    assert.ok(paths.includes('schematics/collection.json'), 'the package ships the collection');
    assert.ok(paths.includes('schematics/package.json'), 'the package ships schematics/package.json');
    assert.ok(!paths.some((p) => p.endsWith('.test.mjs') || p.endsWith('.ts') && !p.endsWith('.d.ts')));
  });

  step('ng add <tarball> (non-interactive)', async () => {
    addOutput = await run(
      'ng add',
      'node',
      [
        ngApp,
        'add',
        tarball,
        `--authority=${AUTHORITY}`,
        '--client-id=spa',
        `--api-url=${API}`,
        `--audience=${API}`,
        '--scopes=read:messages',
        '--renewal=silent',
        '--skip-confirmation',
      ],
      { cwd: app, timeoutMs: 5 * MIN },
    );
    const config = readFileSync(join(app, 'src', 'app', 'app.config.ts'), 'utf8');
    assert.match(config, /provideAuth\(/, `ng add output:\n${addOutput}`);
    assert.ok(config.includes(`authority: '${AUTHORITY}',`), config);
    assert.ok(config.includes(`allowedUrls: ['${API}'],`), config);
    assert.ok(config.includes(`scope: 'openid profile email read:messages',`), config);
    assert.match(config, /withSilentAuthentication\(\)/);
    assert.match(config, /provideHttpClient\(withInterceptors\(\[authInterceptor\]\)\)/);
    assert.match(config, /from 'ngx-oidc'/);
    const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
    assert.ok(pkg.dependencies['ngx-oidc'], 'ngx-oidc is a dependency');
    assert.ok(existsSync(join(app, 'public', 'silent-callback.html')));
    assert.match(readFileSync(join(app, 'src', 'app', 'app.routes.ts'), 'utf8'), /\{ path: 'callback', children: \[\] \}/);
    const server = readFileSync(join(app, 'src', 'app', 'app.routes.server.ts'), 'utf8');
    assert.match(server, /\{ path: 'callback', renderMode: RenderMode\.Client \}/);
    assert.match(server, /\.\.\.authGuardedPaths\(routes\)/);
    assert.match(addOutput, /redirect URI:\s+http:\/\/localhost:4200\/callback\n/);
    assert.match(addOutput, /redirect URI \(silent\):\s+http:\/\/localhost:4200\/silent-callback\.html\n/);
    assert.match(addOutput, /redirect URI:\s+http:\/\/localhost:4000\/callback\n/);
  });

  step('a page behind authGuard', () => {
    const dir = join(app, 'src', 'app');
    writeFileSync(
      join(dir, 'profile.ts'),
      `import { Component } from '@angular/core';\n` +
        `@Component({ selector: 'app-profile', template: '<p>${PROTECTED}</p>' })\n` +
        `export class Profile {}\n`,
    );
    const file = join(dir, 'app.routes.ts');
    const routes = readFileSync(file, 'utf8');
    writeFileSync(
      file,
      `import { authGuard } from 'ngx-oidc';\nimport { Profile } from './profile';\n` +
        routes.replace(
          /(export const routes: Routes = \[)/,
          `$1\n  { path: 'profile', component: Profile, canActivate: [authGuard] },`,
        ),
    );
    assert.match(readFileSync(file, 'utf8'), /canActivate: \[authGuard\]/);
  });

  step('ng build', async () => {
    await run('ng build', 'node', [ngApp, 'build'], { cwd: app, timeoutMs: 5 * MIN });
    const out = join(app, 'dist', 'smoke', 'browser');
    // Prerendering ran with the ngx-oidc configuration (the home page), and wrote no guarded page.
    assert.ok(existsSync(join(out, 'index.html')), 'the home page is prerendered');
    assert.ok(!existsSync(join(out, 'profile')), 'no page is prerendered for the guarded route');
    const bundles = readdirSync(out).filter((f) => f.endsWith('.js'));
    const code = bundles.map((f) => readFileSync(join(out, f), 'utf8')).join('\n');
    assert.ok(code.includes(AUTHORITY), 'the built app contains the authority of provideAuth');
    assert.ok(code.includes(API), 'the built app contains the allowed API URL');
  });

  step("the app's server answers the guarded page and the callback with the app shell", async () => {
    const port = await freePort();
    const server = await startServer('server.mjs', 'node', [join(app, 'dist', 'smoke', 'server', 'server.mjs')], {
      cwd: app,
      // NG_ALLOWED_HOSTS: Angular SSR renders only for allowed Host headers.
      env: { ...CHILD_ENV, PORT: String(port), NG_ALLOWED_HOSTS: 'localhost' },
      ready: /listening on/,
    });
    try {
      const get = async (path) => {
        const response = await fetch(`http://localhost:${port}${path}`, { redirect: 'manual' });
        return { status: response.status, html: await response.text() };
      };
      const home = await get('/');
      assert.equal(home.status, 200);
      assert.match(home.html, /ng-server-context="ssg"/, 'the home page is the prerendered one');
      for (const path of ['/profile', '/profile?tab=2', '/callback?code=abc&state=xyz']) {
        const { status, html } = await get(path);
        assert.equal(status, 200, `${path}: ${status}\n${html.slice(0, 300)}\n${server.output()}`);
        assert.match(html, /<app-root><\/app-root>/, `${path} is the client-rendered shell`);
        assert.ok(!html.includes(PROTECTED), `${path} renders nothing protected on the server`);
      }
      assert.doesNotMatch(server.output(), /authGuard ran during server rendering/);
    } finally {
      server.stop();
    }
  });

  step('a second ng-add run changes nothing', async () => {
    const files = ['app.config.ts', 'app.routes.ts', 'app.routes.server.ts'].map((f) =>
      join(app, 'src', 'app', f),
    );
    const before = files.map((f) => readFileSync(f, 'utf8'));
    await run(
      'ng generate ngx-oidc:ng-add',
      'node',
      [
        ngApp,
        'generate',
        'ngx-oidc:ng-add',
        `--authority=${AUTHORITY}`,
        '--client-id=spa',
        '--flow=code',
        `--api-url=${API}`,
        `--audience=${API}`,
        '--scopes=read:messages',
        '--renewal=silent',
      ],
      { cwd: app },
    );
    assert.deepEqual(files.map((f) => readFileSync(f, 'utf8')), before);
  });
});
