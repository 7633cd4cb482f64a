// Unit tests of `ng add ngx-oidc` (node:test). The schematics are compiled from source into a
// temp dir first (scripts/build-lib.mjs buildSchematics), so no library build is needed:
//
//   node --test projects/ngx-oidc/schematics/ng-add/index.test.mjs
//
// Every test starts from a fresh workspace made by @schematics/angular's own `workspace` and
// `application` schematics (standalone, or NgModule with `standalone: false`; with `ssr: true`
// for a server-rendered app).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SchematicTestRunner } from '@angular-devkit/schematics/testing/index.js';
import { buildSchematics } from '../../../../scripts/build-lib.mjs';

const require = createRequire(import.meta.url);
const ts = require('typescript');

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const PACKAGE_DIR = mkdtempSync(join(tmpdir(), 'ngx-oidc-schematics-'));
after(() => rmSync(PACKAGE_DIR, { recursive: true, force: true }));
{
  const { name, version } = JSON.parse(
    readFileSync(join(ROOT, 'projects', 'ngx-oidc', 'package.json'), 'utf8'),
  );
  writeFileSync(join(PACKAGE_DIR, 'package.json'), JSON.stringify({ name, version }));
  // Resolve @schematics/angular & co. from the workspace, as in an app's node_modules.
  symlinkSync(join(ROOT, 'node_modules'), join(PACKAGE_DIR, 'node_modules'), 'dir');
}
const COLLECTION = buildSchematics(PACKAGE_DIR);

const runner = new SchematicTestRunner('ngx-oidc', COLLECTION);
const logs = [];
runner.logger.subscribe((entry) => logs.push(entry.message));

const BASE = { authority: 'https://idp.example.com', clientId: 'spa' };
const APP_CONFIG = '/projects/app/src/app/app.config.ts';
const APP_MODULE = '/projects/app/src/app/app-module.ts';

async function freshApp({ standalone = true, name = 'app', tree, ssr = false } = {}) {
  let t =
    tree ??
    (await runner.runExternalSchematic('@schematics/angular', 'workspace', {
      name: 'workspace',
      newProjectRoot: 'projects',
      version: '21.2.0',
    }));
  t = await runner.runExternalSchematic(
    '@schematics/angular',
    'application',
    { name, standalone, skipTests: true, routing: true, ssr },
    t,
  );
  return t;
}

const ngAdd = (tree, options = {}) => runner.runSchematic('ng-add', { ...BASE, ...options }, tree);

function snapshot(tree) {
  return Object.fromEntries(tree.files.map((f) => [f, tree.read(f).toString('base64')]));
}

function count(text, needle) {
  return text.split(needle).length - 1;
}

/** Number of `import ... from '<module>'` declarations. */
function importDeclarations(text, module) {
  return count(text, `from '${module}'`);
}

function assertValidTs(text, file) {
  const { diagnostics } = ts.transpileModule(text, {
    reportDiagnostics: true,
    fileName: file,
    compilerOptions: { target: ts.ScriptTarget.ES2022 },
  });
  assert.deepEqual(
    diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
    [],
    `${file} does not parse:\n${text}`,
  );
}

function edit(tree, file, fn) {
  tree.overwrite(file, fn(tree.readText(file)));
}

describe('ng add ngx-oidc: standalone app', () => {
  it('adds provideAuth and the interceptor to app.config.ts, with imports', async () => {
    const tree = await ngAdd(await freshApp(), {
      apiUrl: 'https://api.example.com/v1',
      audience: 'https://api.example.com',
    });
    const config = tree.readText(APP_CONFIG);
    assertValidTs(config, APP_CONFIG);
    assert.match(
      config,
      /provideAuth\(\{\n\s+authority: 'https:\/\/idp\.example\.com',\n\s+clientId: 'spa',\n\s+scope: 'openid profile email offline_access',\n\s+audience: 'https:\/\/api\.example\.com',\n\s+allowedUrls: \['https:\/\/api\.example\.com\/v1'\],\n\s+\}\)/,
    );
    assert.doesNotMatch(config, /responseType/);
    assert.match(config, /provideHttpClient\(withInterceptors\(\[authInterceptor\]\)\)/);
    assert.match(config, /import \{ provideAuth, authInterceptor \} from 'ngx-oidc';/);
    assert.match(config, /import \{ provideHttpClient, withInterceptors \} from '@angular\/common\/http';/);
    assert.equal(importDeclarations(config, 'ngx-oidc'), 1);
    assert.equal(importDeclarations(config, '@angular/common/http'), 1);
    // The generated providers stay.
    assert.match(config, /provideBrowserGlobalErrorListeners\(\)/);
    assert.match(config, /provideRouter\(routes\)/);
  });

  it('adds ngx-oidc to package.json, and logs the URIs to register on the real dev origin', async () => {
    logs.length = 0;
    const tree = await ngAdd(await freshApp());
    const pkg = JSON.parse(tree.readText('/package.json'));
    assert.match(pkg.dependencies['ngx-oidc'], /^\^\d+\.\d+\.\d+/);
    // The silent callback page only comes with --renewal=silent.
    assert.ok(!tree.exists('/projects/app/public/silent-callback.html'));
    const log = logs.join('\n');
    assert.match(log, /redirect URI:\s+http:\/\/localhost:4200\/callback\n/);
    assert.match(log, /post-logout redirect URI:\s+http:\/\/localhost:4200\/\n/);
    assert.match(log, /allowed origin \(CORS\):\s+http:\/\/localhost:4200\n/);
    assert.doesNotMatch(log, /<origin>|silent-callback|4000/);
    assert.match(log, /Scopes requested at login: openid profile email offline_access\n/);
    assert.match(log, /Renewal: refresh token/);
    assert.match(log, /canActivate: \[authGuard\]/);
    // authGuard is only suggested, never added.
    for (const file of tree.files.filter((f) => f.endsWith('.ts'))) {
      assert.doesNotMatch(tree.readText(file), /authGuard/, file);
    }
  });

  it('without apiUrl, allowedUrls is empty', async () => {
    const config = (await ngAdd(await freshApp())).readText(APP_CONFIG);
    assert.match(config, /allowedUrls: \[\],/);
    assert.doesNotMatch(config, /audience/);
  });

  it('running it twice changes nothing', async () => {
    const once = await ngAdd(await freshApp(), { apiUrl: 'https://api.example.com' });
    const before = snapshot(once);
    const twice = await ngAdd(once, { apiUrl: 'https://api.example.com' });
    assert.deepEqual(snapshot(twice), before);
    assert.equal(count(twice.readText(APP_CONFIG), 'provideAuth('), 1);
    assert.equal(count(twice.readText(APP_CONFIG), 'provideHttpClient('), 1);
  });

  it('merges into an existing provideHttpClient() instead of adding a second one', async () => {
    const tree = await freshApp();
    edit(tree, APP_CONFIG, (s) =>
      s
        .replace(
          `import { provideRouter } from '@angular/router';`,
          `import { provideRouter } from '@angular/router';\nimport { provideHttpClient } from '@angular/common/http';`,
        )
        .replace('provideRouter(routes)', 'provideRouter(routes),\n    provideHttpClient()'),
    );
    const config = (await ngAdd(tree)).readText(APP_CONFIG);
    assertValidTs(config, APP_CONFIG);
    assert.equal(count(config, 'provideHttpClient('), 1);
    assert.match(config, /provideHttpClient\(withInterceptors\(\[authInterceptor\]\)\)/);
    assert.match(config, /import \{ provideHttpClient, withInterceptors \} from '@angular\/common\/http';/);
    assert.equal(importDeclarations(config, '@angular/common/http'), 1);
  });

  it('adds withInterceptors next to other features of provideHttpClient', async () => {
    const tree = await freshApp();
    edit(tree, APP_CONFIG, (s) =>
      s
        .replace(
          `import { provideRouter } from '@angular/router';`,
          `import { provideRouter } from '@angular/router';\nimport { provideHttpClient, withFetch } from '@angular/common/http';`,
        )
        .replace('provideRouter(routes)', 'provideRouter(routes),\n    provideHttpClient(withFetch())'),
    );
    const config = (await ngAdd(tree)).readText(APP_CONFIG);
    assertValidTs(config, APP_CONFIG);
    assert.match(config, /provideHttpClient\(withFetch\(\), withInterceptors\(\[authInterceptor\]\)\)/);
  });

  it('adds authInterceptor to an existing withInterceptors([...]) array', async () => {
    const tree = await freshApp();
    edit(tree, APP_CONFIG, (s) =>
      s
        .replace(
          `import { provideRouter } from '@angular/router';`,
          [
            `import { provideRouter } from '@angular/router';`,
            `import { provideHttpClient, withInterceptors } from '@angular/common/http';`,
            `import { loggingInterceptor } from './logging.interceptor';`,
          ].join('\n'),
        )
        .replace(
          'provideRouter(routes)',
          'provideRouter(routes),\n    provideHttpClient(withInterceptors([loggingInterceptor])),',
        ),
    );
    const once = await ngAdd(tree);
    const config = once.readText(APP_CONFIG);
    assertValidTs(config, APP_CONFIG);
    assert.equal(count(config, 'provideHttpClient('), 1);
    assert.equal(count(config, 'withInterceptors('), 1);
    assert.match(config, /withInterceptors\(\[loggingInterceptor, authInterceptor\]\)/);
    assert.equal(importDeclarations(config, '@angular/common/http'), 1);
    const before = snapshot(once);
    assert.deepEqual(snapshot(await ngAdd(once)), before);
  });

  it('does not duplicate imports the app already has', async () => {
    const tree = await freshApp();
    edit(tree, APP_CONFIG, (s) =>
      s
        .replace(
          `import { provideRouter } from '@angular/router';`,
          `import { provideRouter } from '@angular/router';\nimport { authInterceptor } from 'ngx-oidc';\nimport { provideHttpClient, withInterceptors } from '@angular/common/http';`,
        )
        .replace(
          'provideRouter(routes)',
          'provideRouter(routes),\n    provideHttpClient(withInterceptors([authInterceptor]))',
        ),
    );
    const config = (await ngAdd(tree)).readText(APP_CONFIG);
    assertValidTs(config, APP_CONFIG);
    assert.equal(importDeclarations(config, 'ngx-oidc'), 1);
    assert.equal(importDeclarations(config, '@angular/common/http'), 1);
    assert.equal(count(config, 'authInterceptor'), 2); // import + use
    assert.match(config, /import \{ authInterceptor, provideAuth \} from 'ngx-oidc';/);
  });

  it('keeps an existing provideAuth(...) as it is', async () => {
    const tree = await freshApp();
    edit(tree, APP_CONFIG, (s) =>
      s
        .replace(
          `import { provideRouter } from '@angular/router';`,
          `import { provideRouter } from '@angular/router';\nimport { provideAuth } from 'ngx-oidc';`,
        )
        .replace(
          'provideRouter(routes)',
          `provideRouter(routes),\n    provideAuth({ authority: 'https://mine.example.com', clientId: 'mine' })`,
        ),
    );
    const config = (await ngAdd(tree)).readText(APP_CONFIG);
    assert.equal(count(config, 'provideAuth('), 1);
    assert.match(config, /clientId: 'mine'/);
    assert.doesNotMatch(config, /idp\.example\.com/);
  });

  it('implicit flow sets responseType id_token token and adds withImplicitFlow()', async () => {
    const config = (await ngAdd(await freshApp(), { flow: 'implicit', renewal: 'none' })).readText(APP_CONFIG);
    assertValidTs(config, APP_CONFIG);
    assert.match(config, /responseType: 'id_token token',/);
    assert.match(config, /\n\s+\}, withImplicitFlow\(\)\)/);
    assert.match(config, /import \{[^}]*\bwithImplicitFlow\b[^}]*\} from 'ngx-oidc';/);
    assert.doesNotMatch(config, /offline_access|scope:/);
  });

  it('the implicit flow renews by silent authentication unless told otherwise', async () => {
    const config = (await ngAdd(await freshApp(), { flow: 'implicit' })).readText(APP_CONFIG);
    assertValidTs(config, APP_CONFIG);
    assert.match(config, /\n\s+\}, withImplicitFlow\(\), withSilentAuthentication\(\)\)/);
    assert.doesNotMatch(config, /offline_access/);
  });

  it('the code flow adds no feature function', async () => {
    const config = (await ngAdd(await freshApp())).readText(APP_CONFIG);
    assert.doesNotMatch(config, /withImplicitFlow|withSilentAuthentication/);
  });

  it("keeps the user's own silent-callback.html", async () => {
    const tree = await freshApp();
    tree.create('/projects/app/public/silent-callback.html', '<p>mine</p>');
    const after = await ngAdd(tree, { renewal: 'silent' });
    assert.equal(after.readText('/projects/app/public/silent-callback.html'), '<p>mine</p>');
  });

  it('older layout without public/: src/silent-callback.html plus an assets entry', async () => {
    const tree = await freshApp();
    tree.delete('/projects/app/public/favicon.ico');
    edit(tree, '/angular.json', (s) => {
      const ws = JSON.parse(s);
      ws.projects.app.architect.build.options.assets = ['projects/app/src/favicon.ico'];
      return JSON.stringify(ws, null, 2);
    });
    const once = await ngAdd(tree, { renewal: 'silent' });
    assert.ok(once.exists('/projects/app/src/silent-callback.html'));
    assert.ok(!once.exists('/projects/app/public/silent-callback.html'));
    const ws = JSON.parse(once.readText('/angular.json'));
    assert.deepEqual(ws.projects.app.architect.build.options.assets, [
      'projects/app/src/favicon.ico',
      'projects/app/src/silent-callback.html',
    ]);
    const before = snapshot(once);
    assert.deepEqual(snapshot(await ngAdd(once, { renewal: 'silent' })), before);
  });

  it('quotes values safely', async () => {
    const config = (await ngAdd(await freshApp(), { clientId: "it's \\ mine" })).readText(APP_CONFIG);
    assertValidTs(config, APP_CONFIG);
    assert.ok(config.includes(`clientId: 'it\\'s \\\\ mine',`), config);
  });
});

describe('ng add ngx-oidc: option validation', () => {
  const rejects = async (options, pattern) => {
    const tree = await freshApp();
    const before = snapshot(tree);
    await assert.rejects(ngAdd(tree, options), (err) => {
      assert.match(err.message, pattern);
      return true;
    });
    assert.deepEqual(snapshot(tree), before);
  };

  it('rejects an http authority that is not localhost', () =>
    rejects({ authority: 'http://idp.example.com' }, /invalid authority "http:\/\/idp\.example\.com": it must use https \(http is only accepted for localhost and 127\.0\.0\.1\)/));

  it('rejects an authority that is not an absolute URL', () =>
    rejects({ authority: 'idp.example.com' }, /invalid authority "idp\.example\.com": expected an absolute URL/));

  it('rejects a missing authority', () => rejects({ authority: '' }, /the authority is required/));

  it('rejects an authority with a query or fragment', () =>
    rejects({ authority: 'https://idp.example.com/?x=1' }, /no credentials, query or fragment/));

  it('rejects an empty client id', () => rejects({ clientId: '  ' }, /the client id must not be empty/));

  it('rejects an invalid API URL', () =>
    rejects({ apiUrl: 'ftp://api.example.com' }, /invalid API URL "ftp:\/\/api\.example\.com"/));

  it('rejects a wildcard API URL', () =>
    rejects({ apiUrl: 'https://*.example.com' }, /wildcards are not supported/));

  it('accepts http for localhost and 127.0.0.1', async () => {
    for (const authority of ['http://localhost:9000', 'http://127.0.0.1:9000/realms/x']) {
      const config = (await ngAdd(await freshApp(), { authority })).readText(APP_CONFIG);
      assert.ok(config.includes(`authority: '${authority}',`));
    }
  });

  it('accepts a relative API URL', async () => {
    const config = (await ngAdd(await freshApp(), { apiUrl: '/api' })).readText(APP_CONFIG);
    assert.match(config, /allowedUrls: \['\/api'\],/);
  });

  it('rejects an unknown or non-application project', async () => {
    await assert.rejects(ngAdd(await freshApp(), { project: 'nope' }), /there is no project "nope"/);
  });
});

describe('ng add ngx-oidc: project selection', () => {
  it('defaults to the first application and honours --project', async () => {
    const two = await freshApp({ name: 'second', tree: await freshApp() });
    const first = await ngAdd(two);
    assert.match(first.readText(APP_CONFIG), /provideAuth\(/);
    assert.doesNotMatch(first.readText('/projects/second/src/app/app.config.ts'), /provideAuth\(/);

    const other = await ngAdd(await freshApp({ name: 'second', tree: await freshApp() }), {
      project: 'second',
      renewal: 'silent',
    });
    assert.match(other.readText('/projects/second/src/app/app.config.ts'), /provideAuth\(/);
    assert.doesNotMatch(other.readText(APP_CONFIG), /provideAuth\(/);
    assert.ok(other.exists('/projects/second/public/silent-callback.html'));
  });
});

describe('ng add ngx-oidc: NgModule app', () => {
  it('adds AuthModule.forRoot to imports and provideHttpClient to providers', async () => {
    const tree = await ngAdd(await freshApp({ standalone: false }), {
      apiUrl: 'https://api.example.com',
      flow: 'implicit',
    });
    const mod = tree.readText(APP_MODULE);
    assertValidTs(mod, APP_MODULE);
    assert.match(
      mod,
      /imports: \[\n\s+BrowserModule,\n\s+AppRoutingModule,\n\s+AuthModule\.forRoot\(\{\n\s+authority: 'https:\/\/idp\.example\.com',\n\s+clientId: 'spa',\n\s+responseType: 'id_token token',\n\s+allowedUrls: \['https:\/\/api\.example\.com'\],\n\s+silentRedirectUri: new URL\('silent-callback\.html', document\.baseURI\)\.href,\n\s+\}, withImplicitFlow\(\), withSilentAuthentication\(\)\)\n\s+\]/,
    );
    assert.match(
      mod,
      /providers: \[\n\s+provideBrowserGlobalErrorListeners\(\),\n\s+provideHttpClient\(withInterceptors\(\[authInterceptor\]\)\),\n\s+\]/,
    );
    assert.match(mod, /import \{ AuthModule, withImplicitFlow, withSilentAuthentication, authInterceptor \} from 'ngx-oidc';/);
    assert.match(mod, /import \{ provideHttpClient, withInterceptors \} from '@angular\/common\/http';/);
    assert.doesNotMatch(mod, /provideAuth/);
    assert.ok(tree.exists('/projects/app/public/silent-callback.html'));
  });

  it('running it twice changes nothing', async () => {
    const once = await ngAdd(await freshApp({ standalone: false }));
    const before = snapshot(once);
    assert.deepEqual(snapshot(await ngAdd(once)), before);
  });

  it('merges into an existing provideHttpClient(withInterceptors([...]))', async () => {
    const tree = await freshApp({ standalone: false });
    edit(tree, APP_MODULE, (s) =>
      s
        .replace(
          `import { BrowserModule } from '@angular/platform-browser';`,
          `import { BrowserModule } from '@angular/platform-browser';\nimport { provideHttpClient, withInterceptors } from '@angular/common/http';\nimport { other } from './other';`,
        )
        .replace(
          'provideBrowserGlobalErrorListeners(),',
          'provideBrowserGlobalErrorListeners(),\n    provideHttpClient(withInterceptors([other])),',
        ),
    );
    const once = await ngAdd(tree);
    const mod = once.readText(APP_MODULE);
    assertValidTs(mod, APP_MODULE);
    assert.equal(count(mod, 'provideHttpClient('), 1);
    assert.match(mod, /withInterceptors\(\[other, authInterceptor\]\)/);
    assert.equal(importDeclarations(mod, '@angular/common/http'), 1);
    const before = snapshot(once);
    assert.deepEqual(snapshot(await ngAdd(once)), before);
  });

  it('creates the providers field when the module has none', async () => {
    const tree = await freshApp({ standalone: false });
    edit(tree, APP_MODULE, (s) =>
      s.replace(/\s*providers: \[\s*provideBrowserGlobalErrorListeners\(\),\s*\],/, ''),
    );
    assert.doesNotMatch(tree.readText(APP_MODULE), /providers/);
    const mod = (await ngAdd(tree)).readText(APP_MODULE);
    assertValidTs(mod, APP_MODULE);
    assert.match(mod, /providers: \[\s*provideHttpClient\(withInterceptors\(\[authInterceptor\]\)\)\s*\]/);
  });
});

describe('ng add ngx-oidc: scopes and renewal', () => {
  it("requests the API's scopes with offline_access for the refresh token (the default)", async () => {
    const config = (await ngAdd(await freshApp(), { scopes: 'read:messages, write:messages' })).readText(APP_CONFIG);
    assertValidTs(config, APP_CONFIG);
    assert.match(config, /scope: 'openid profile email offline_access read:messages write:messages',/);
    assert.doesNotMatch(config, /withSilentAuthentication|silentRedirectUri/);
  });

  it('lists each scope once, and offline_access only when the user gave it or chose refresh tokens', async () => {
    const none = (await ngAdd(await freshApp(), { renewal: 'none' })).readText(APP_CONFIG);
    assert.doesNotMatch(none, /scope:/); // the library's default, openid profile email
    const api = (await ngAdd(await freshApp(), { renewal: 'none', scopes: 'openid read:x read:x' })).readText(APP_CONFIG);
    assert.match(api, /scope: 'openid profile email read:x',/);
    const own = (await ngAdd(await freshApp(), { renewal: 'none', scopes: 'offline_access' })).readText(APP_CONFIG);
    assert.match(own, /scope: 'openid profile email offline_access',/);
  });

  it('silent renewal: silentRedirectUri, withSilentAuthentication() and the silent callback page', async () => {
    logs.length = 0;
    const tree = await ngAdd(await freshApp(), { renewal: 'silent', scopes: 'read:messages' });
    const config = tree.readText(APP_CONFIG);
    assertValidTs(config, APP_CONFIG);
    assert.match(config, /scope: 'openid profile email read:messages',/);
    assert.match(config, /silentRedirectUri: new URL\('silent-callback\.html', document\.baseURI\)\.href,\n\s+\}, withSilentAuthentication\(\)\)/);
    assert.match(config, /import \{ provideAuth, withSilentAuthentication, authInterceptor \} from 'ngx-oidc';/);
    assert.equal(
      tree.readText('/projects/app/public/silent-callback.html'),
      `<!doctype html><meta charset="utf-8"><title>Signing in…</title><script>parent.postMessage({ source: 'ngx-oidc', url: location.href }, location.origin);</script>\n`,
    );
    const log = logs.join('\n');
    assert.match(log, /redirect URI \(silent\):\s+http:\/\/localhost:4200\/silent-callback\.html\n/);
    assert.match(log, /Renewal: silent authentication/);
    const before = snapshot(tree);
    assert.deepEqual(snapshot(await ngAdd(tree, { renewal: 'silent', scopes: 'read:messages' })), before);
  });

  const rejects = async (options, pattern) => {
    await assert.rejects(ngAdd(await freshApp(), options), (err) => {
      assert.match(err.message, pattern);
      return true;
    });
  };

  it('rejects a scope with a quote or a backslash', () =>
    rejects({ scopes: 'read:x "write"' }, /invalid scope ""write"": .*RFC 6749 §3\.3/));

  it('rejects refresh tokens with the implicit flow', () =>
    rejects({ flow: 'implicit', renewal: 'refresh-token' }, /the implicit flow gets no refresh token: choose --renewal=silent or --renewal=none/));

  it('rejects an unknown renewal', () =>
    rejects({ renewal: 'sometimes' }, /renewal" must be equal to one of the allowed values\. Allowed values are: "refresh-token", "silent", "none"/));
});

describe('ng add ngx-oidc: development origin in the instructions', () => {
  const serveOptions = (tree, options, configuration) =>
    edit(tree, '/angular.json', (s) => {
      const ws = JSON.parse(s);
      const serve = ws.projects.app.architect.serve;
      serve.options = { ...serve.options, ...options };
      if (configuration) Object.assign(serve.configurations.development, configuration);
      return JSON.stringify(ws, null, 2);
    });

  it("reads the serve target's port, host and ssl", async () => {
    const tree = await freshApp();
    serveOptions(tree, { port: 4300, host: 'app.localhost', ssl: true });
    logs.length = 0;
    await ngAdd(tree, { renewal: 'silent' });
    const log = logs.join('\n');
    assert.match(log, /redirect URI:\s+https:\/\/app\.localhost:4300\/callback\n/);
    assert.match(log, /redirect URI \(silent\):\s+https:\/\/app\.localhost:4300\/silent-callback\.html\n/);
    assert.match(log, /post-logout redirect URI:\s+https:\/\/app\.localhost:4300\/\n/);
  });

  it('the default configuration wins over the options, and a wildcard host becomes localhost', async () => {
    const tree = await freshApp();
    serveOptions(tree, { port: 4300, host: '0.0.0.0' }, { port: 4400 });
    logs.length = 0;
    await ngAdd(tree);
    assert.match(logs.join('\n'), /redirect URI:\s+http:\/\/localhost:4400\/callback\n/);
  });
});

const APP_ROUTES = '/projects/app/src/app/app.routes.ts';
const SERVER_ROUTES = '/projects/app/src/app/app.routes.server.ts';

describe('ng add ngx-oidc: the callback route', () => {
  it('adds a callback route that renders nothing', async () => {
    const routes = (await ngAdd(await freshApp())).readText(APP_ROUTES);
    assertValidTs(routes, APP_ROUTES);
    assert.match(routes, /export const routes: Routes = \[\n(\s+\/\/ .*\n)+\s+\{ path: 'callback', children: \[\] \},\n\];/);
    assert.doesNotMatch(routes, /redirectTo:/);
  });

  it("goes before the app's ** route, and an existing callback route is kept", async () => {
    const tree = await freshApp();
    edit(tree, APP_ROUTES, (s) =>
      s.replace('Routes = [];', `Routes = [\n  { path: '', component: Home },\n  // anything else\n  { path: '**', redirectTo: '' },\n];`),
    );
    const routes = (await ngAdd(tree)).readText(APP_ROUTES);
    assertValidTs(routes, APP_ROUTES);
    assert.match(routes, /\{ path: '', component: Home \},\n(\s+\/\/ ngx-oidc.*\n)(\s+\/\/.*\n)*\s+\{ path: 'callback', children: \[\] \},\n\s+\/\/ anything else\n\s+\{ path: '\*\*', redirectTo: '' \},\n\];/);

    const mine = await freshApp();
    edit(mine, APP_ROUTES, (s) => s.replace('Routes = [];', `Routes = [{ path: 'callback', component: Callback }];`));
    assert.equal((await ngAdd(mine)).readText(APP_ROUTES), mine.readText(APP_ROUTES));
  });

  it('an app without the router gets no route and no warning', async () => {
    const tree = await freshApp();
    edit(tree, APP_CONFIG, (s) => s.replace(/\n\s*provideRouter\(routes\),?/, ''));
    assert.doesNotMatch(tree.readText(APP_CONFIG), /provideRouter\(/);
    logs.length = 0;
    const after = await ngAdd(tree);
    assert.equal(after.readText(APP_ROUTES), tree.readText(APP_ROUTES));
    assert.doesNotMatch(logs.join('\n'), /your routes|Still to do/);
  });

  it('says what to do when the routes are not an array it can find', async () => {
    const tree = await freshApp();
    edit(tree, APP_CONFIG, (s) => s.replace('provideRouter(routes)', 'provideRouter(makeRoutes())'));
    logs.length = 0;
    await ngAdd(tree);
    const log = logs.join('\n');
    assert.match(log, /could not find the array of your routes; add \{ path: 'callback', children: \[\] \} to your routes yourself/);
    assert.match(log, /Still to do by hand:\n\s+- add \{ path: 'callback', children: \[\] \} to your routes/);
  });

  it('NgModule app: in the routing module', async () => {
    const file = '/projects/app/src/app/app-routing-module.ts';
    const once = await ngAdd(await freshApp({ standalone: false }));
    const routing = once.readText(file);
    assertValidTs(routing, file);
    assert.match(routing, /const routes: Routes = \[\n(\s+\/\/ .*\n)+\s+\{ path: 'callback', children: \[\] \},\n\];/);
  });
});

describe('ng add ngx-oidc: server-rendered app (ssr: true)', () => {
  it('renders /callback and the routes behind authGuard in the browser', async () => {
    logs.length = 0;
    const tree = await ngAdd(await freshApp({ ssr: true }));
    const server = tree.readText(SERVER_ROUTES);
    assertValidTs(server, SERVER_ROUTES);
    assert.match(
      server,
      /export const serverRoutes: ServerRoute\[\] = \[\n(\s+\/\/ .*\n)+\s+\{ path: 'callback', renderMode: RenderMode\.Client \},\n\s+\.\.\.authGuardedPaths\(routes\)\.map\(\(path\): ServerRoute => \(\{ path, renderMode: RenderMode\.Client \}\)\),\n\s+\{\n\s+path: '\*\*',\n\s+renderMode: RenderMode\.Prerender\n\s+\}\n\];/,
    );
    assert.match(server, /import \{ RenderMode, ServerRoute \} from '@angular\/ssr';/);
    assert.match(server, /import \{ authGuardedPaths \} from 'ngx-oidc';/);
    assert.match(server, /import \{ routes \} from '\.\/app\.routes';/);
    assert.equal(importDeclarations(server, '@angular/ssr'), 1);
    // A fresh app has no routes, which Angular SSR reads as "every path is the app's". With the
    // callback route, '/' needs one too: one that never matches, so it shadows no '' route.
    const routes = tree.readText(APP_ROUTES);
    assertValidTs(routes, APP_ROUTES);
    assert.match(
      routes,
      /\[\n(\s+\/\/ .*\n)+\s+\{ path: 'callback', children: \[\] \},\n(\s+\/\/ .*\n)+\s+\{ path: '', canMatch: \[\(\) => false\], children: \[\] \},\n\];/,
    );
    // The configuration stays in app.config.ts, which the server config merges.
    assert.match(tree.readText(APP_CONFIG), /provideAuth\(\{/);
    assert.doesNotMatch(tree.readText('/projects/app/src/app/app.config.server.ts'), /ngx-oidc|provideAuth/);
    const log = logs.join('\n');
    assert.match(log, /Server rendering: \/callback and the routes behind authGuard render in the browser/);
    assert.match(log, /redirect URI:\s+http:\/\/localhost:4200\/callback\n/);
    assert.match(log, /redirect URI:\s+http:\/\/localhost:4000\/callback\n/);
    assert.match(log, /\(NG_ALLOWED_HOSTS=localhost node dist\/app\/server\/server\.mjs\) listens on http:\/\/localhost:4000/);
    assert.doesNotMatch(log, /Still to do/);
  });

  it("adds no route for '/' when the app has routes", async () => {
    const tree = await freshApp({ ssr: true });
    edit(tree, APP_ROUTES, (s) => s.replace('Routes = [];', `Routes = [{ path: 'about', component: About }];`));
    const routes = (await ngAdd(tree)).readText(APP_ROUTES);
    assert.doesNotMatch(routes, /canMatch/);
    assert.match(routes, /\{ path: 'callback', children: \[\] \}/);
  });

  it('running it twice changes nothing', async () => {
    const once = await ngAdd(await freshApp({ ssr: true }), { renewal: 'silent' });
    const before = snapshot(once);
    assert.deepEqual(snapshot(await ngAdd(once, { renewal: 'silent' })), before);
  });

  it('a silentRedirectUri that also evaluates on the server', async () => {
    const config = (await ngAdd(await freshApp({ ssr: true }), { renewal: 'silent' })).readText(APP_CONFIG);
    assertValidTs(config, APP_CONFIG);
    assert.match(config, /silentRedirectUri: new URL\('silent-callback\.html', globalThis\.document\?\.baseURI \?\? 'http:\/\/localhost\/'\)\.href,/);
  });

  it('keeps server routes the app already has, and its own callback entry', async () => {
    const tree = await freshApp({ ssr: true });
    edit(tree, SERVER_ROUTES, (s) =>
      s.replace(
        'export const serverRoutes: ServerRoute[] = [',
        `export const serverRoutes: ServerRoute[] = [\n  { path: 'callback', renderMode: RenderMode.Server },\n  { path: 'about', renderMode: RenderMode.Prerender },`,
      ),
    );
    const server = (await ngAdd(tree)).readText(SERVER_ROUTES);
    assertValidTs(server, SERVER_ROUTES);
    assert.equal(count(server, "path: 'callback'"), 1);
    assert.match(server, /\{ path: 'callback', renderMode: RenderMode\.Server \},\n\s+\{ path: 'about', renderMode: RenderMode\.Prerender \},\n\s+\.\.\.authGuardedPaths\(routes\)/);
  });

  it("NgModule app: exports the routing module's routes for authGuardedPaths", async () => {
    logs.length = 0;
    const tree = await ngAdd(await freshApp({ ssr: true, standalone: false }));
    const server = tree.readText(SERVER_ROUTES);
    assertValidTs(server, SERVER_ROUTES);
    assert.match(
      server,
      /\{ path: 'callback', renderMode: RenderMode\.Client \},\n\s+\.\.\.authGuardedPaths\(routes\)\.map\(\(path\): ServerRoute => \(\{ path, renderMode: RenderMode\.Client \}\)\),\n\s+\{\n\s+path: '\*\*'/,
    );
    assert.match(server, /import \{ routes \} from '\.\/app-routing-module';/);
    const routing = tree.readText('/projects/app/src/app/app-routing-module.ts');
    assertValidTs(routing, 'app-routing-module.ts');
    assert.match(routing, /\nexport const routes: Routes = \[/);
    assert.match(routing, /RouterModule\.forRoot\(routes\)/);
    assert.doesNotMatch(logs.join('\n'), /Still to do/);
    const before = snapshot(tree);
    assert.deepEqual(snapshot(await ngAdd(tree)), before);
  });

  it('says what to do by hand when the routes are no variable of their own', async () => {
    const tree = await freshApp({ ssr: true });
    edit(tree, APP_CONFIG, (s) => s.replace('provideRouter(routes)', 'provideRouter([])'));
    logs.length = 0;
    const server = (await ngAdd(tree)).readText(SERVER_ROUTES);
    assert.match(server, /\{ path: 'callback', renderMode: RenderMode\.Client \}/);
    assert.doesNotMatch(server, /authGuardedPaths/);
    assert.match(
      logs.join('\n'),
      /Still to do by hand:\n\s+- render every route you guard with authGuard in the browser: \{ path: '<its path>', renderMode: RenderMode\.Client \} in projects\/app\/src\/app\/app\.routes\.server\.ts/,
    );
  });
});
