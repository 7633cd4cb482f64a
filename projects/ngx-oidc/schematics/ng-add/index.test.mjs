// Unit tests of `ng add ngx-oidc` (node:test). The schematics are compiled from source into a
// temp dir first (scripts/build-lib.mjs buildSchematics), so no library build is needed:
//
//   node --test projects/ngx-oidc/schematics/ng-add/index.test.mjs
//
// Every test starts from a fresh workspace made by @schematics/angular's own `workspace` and
// `application` schematics (standalone, or NgModule with `standalone: false`).
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

async function freshApp({ standalone = true, name = 'app', tree } = {}) {
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
    { name, standalone, skipTests: true, routing: true },
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
      /provideAuth\(\{\n\s+authority: 'https:\/\/idp\.example\.com',\n\s+clientId: 'spa',\n\s+audience: 'https:\/\/api\.example\.com',\n\s+allowedUrls: \['https:\/\/api\.example\.com\/v1'\],\n\s+\}\)/,
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

  it('adds ngx-oidc to package.json, the silent callback page, and logs the next steps', async () => {
    logs.length = 0;
    const tree = await ngAdd(await freshApp());
    const pkg = JSON.parse(tree.readText('/package.json'));
    assert.match(pkg.dependencies['ngx-oidc'], /^\^\d+\.\d+\.\d+/);
    assert.equal(
      tree.readText('/projects/app/public/silent-callback.html'),
      `<!doctype html><meta charset="utf-8"><title>Signing in…</title><script>parent.postMessage({ source: 'ngx-oidc', url: location.href }, location.origin);</script>\n`,
    );
    const log = logs.join('\n');
    assert.match(log, /<origin>\/callback/);
    assert.match(log, /<origin>\/silent-callback\.html/);
    assert.match(log, /post-logout redirect URI:\s+<origin>\//);
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
    const config = (await ngAdd(await freshApp(), { flow: 'implicit' })).readText(APP_CONFIG);
    assertValidTs(config, APP_CONFIG);
    assert.match(config, /responseType: 'id_token token',/);
    assert.match(config, /\n\s+\}, withImplicitFlow\(\)\)/);
    assert.match(config, /import \{[^}]*\bwithImplicitFlow\b[^}]*\} from 'ngx-oidc';/);
  });

  it('the code flow adds no feature function', async () => {
    const config = (await ngAdd(await freshApp())).readText(APP_CONFIG);
    assert.doesNotMatch(config, /withImplicitFlow|withSilentAuthentication/);
  });

  it("keeps the user's own silent-callback.html", async () => {
    const tree = await freshApp();
    tree.create('/projects/app/public/silent-callback.html', '<p>mine</p>');
    const after = await ngAdd(tree);
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
    const once = await ngAdd(tree);
    assert.ok(once.exists('/projects/app/src/silent-callback.html'));
    assert.ok(!once.exists('/projects/app/public/silent-callback.html'));
    const ws = JSON.parse(once.readText('/angular.json'));
    assert.deepEqual(ws.projects.app.architect.build.options.assets, [
      'projects/app/src/favicon.ico',
      'projects/app/src/silent-callback.html',
    ]);
    const before = snapshot(once);
    assert.deepEqual(snapshot(await ngAdd(once)), before);
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
      /imports: \[\n\s+BrowserModule,\n\s+AppRoutingModule,\n\s+AuthModule\.forRoot\(\{\n\s+authority: 'https:\/\/idp\.example\.com',\n\s+clientId: 'spa',\n\s+responseType: 'id_token token',\n\s+allowedUrls: \['https:\/\/api\.example\.com'\],\n\s+\}, withImplicitFlow\(\)\)\n\s+\]/,
    );
    assert.match(
      mod,
      /providers: \[\n\s+provideBrowserGlobalErrorListeners\(\),\n\s+provideHttpClient\(withInterceptors\(\[authInterceptor\]\)\),\n\s+\]/,
    );
    assert.match(mod, /import \{ AuthModule, withImplicitFlow, authInterceptor \} from 'ngx-oidc';/);
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
