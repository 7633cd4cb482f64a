#!/usr/bin/env node
// The e2e suite against the demo built with a supported Angular major (21 or 22), each consuming
// the same packed ngx-oidc: dist/ngx-oidc (built with this workspace's Angular 21 / ng-packagr 21
// in partial-compilation mode) is packed and installed into a fresh temp workspace on that
// major's toolchain, the demo app is built there, and the e2e suite runs against that build.
//
//   node scripts/compat.mjs                       --angular=22 (default)
//   node scripts/compat.mjs --angular=21          same, with this workspace's own versions
//   node scripts/compat.mjs --skip-e2e            install + checks + build only
//   node scripts/compat.mjs --ignore-peer-range   install even if the package's peerDependencies
//                                                 do not cover the tested version (npm
//                                                 --legacy-peer-deps, in the temp app only);
//                                                 to try out a major before widening the range
//   KEEP_COMPAT_APP=1 node scripts/compat.mjs     keep the temp workspace for inspection
//   NGX_OIDC_SKIP_COMPAT=1 npm test               skip the `e2e` and `e2e22` steps of scripts/test.mjs
//                                                 (e.g. without access to the npm registry)
//
// Steps:
//   1. `npm pack` of a copy of dist/ngx-oidc (built first by scripts/build-lib.mjs if missing);
//   2. a temp workspace (os.tmpdir()/ngx-oidc-compat-ngNN-*) with the pinned toolchain below, the
//      demo sources (projects/demo/src without specs/testing, projects/demo/public), tsconfigs
//      derived from this workspace's, and the tarball as dependency; `npm install --prefer-offline`;
//   3. checks: every peerDependency range of the package covers the installed version; every
//      `ɵɵngDeclare*` minVersion in the package is <= the installed @angular/core (the linker
//      accepts it); every symbol the package imports from @angular/* is exported by the installed
//      version; the members listed in MEMBER_CHECKS exist in its type declarations;
//   4. `ng build demo --configuration development` (like the e2e build) into dist/e2e-demo-ngNN;
//   5. the e2e suite against it: E2E_SKIP_LIB_BUILD=1 E2E_DEMO_DIR=dist/e2e-demo-ngNN playwright test.
//
// The demo's sources are used as they are (zoneless is the default on both majors).
//
// Node: run with the workspace's Node 24 (`npm test` does; `npx node scripts/compat.mjs` by hand).
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRunner, MIN, NPM } from './lib/child.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist', 'ngx-oidc');
const DEMO = join(ROOT, 'projects', 'demo');
const PLAYWRIGHT = join(ROOT, 'node_modules', '@playwright', 'test', 'cli.js');
const require = createRequire(join(ROOT, 'package.json'));
const semver = require('semver');
const { parse: parseJsonc } = require('jsonc-parser');

const installedVersion = (name) =>
  JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;

/**
 * Exact versions per supported Angular major. 21 is this workspace's own toolchain (the package
 * is compiled with it: an app must be built with the same or a newer Angular than its
 * libraries). 22: framework 22.2.6 exists for every framework package listed, including
 * platform-server (a peerOptional of @angular/build); @angular/build and @angular/cli 22.2.7;
 * compiler-cli 22.2 wants TypeScript ">=6.0 <6.1". Angular 22 needs Node ^22.22.3 || ^24.15.0 ||
 * >=26: `npm test` runs on the workspace's own Node 24 (the `node` devDependency).
 */
const TOOLCHAINS = {
  21: {
    framework: installedVersion('@angular/core'),
    build: installedVersion('@angular/build'),
    cli: installedVersion('@angular/cli'),
    typescript: installedVersion('typescript'),
    rxjs: installedVersion('rxjs'),
    tslib: installedVersion('tslib'),
  },
  22: {
    framework: '22.2.6',
    build: '22.2.7',
    cli: '22.2.7',
    typescript: '6.0.3',
    rxjs: installedVersion('rxjs'),
    tslib: installedVersion('tslib'),
  },
};
const FRAMEWORK_PACKAGES = ['common', 'compiler', 'core', 'forms', 'platform-browser', 'router'];

/** Class members the package uses that the export check cannot see: [package, class, member, since]. */
const MEMBER_CHECKS = [['@angular/router', 'Router', 'currentNavigation', '20.2']];

// ---------------------------------------------------------------- arguments

const argv = process.argv.slice(2);
const arg = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const MAJOR = Number(arg('angular') ?? 22);
const SKIP_E2E = argv.includes('--skip-e2e');
const IGNORE_PEERS = argv.includes('--ignore-peer-range');
const KEEP = !!process.env.KEEP_COMPAT_APP;
const TOOLCHAIN = TOOLCHAINS[MAJOR];
if (!TOOLCHAIN) {
  console.error(
    `[compat] --angular=${MAJOR}: known majors are ${Object.keys(TOOLCHAINS).join(', ')}`,
  );
  process.exit(2);
}
const OUT = join(ROOT, 'dist', `e2e-demo-ng${MAJOR}`);

const { run, timings, log } = createRunner('compat');

// ---------------------------------------------------------------- steps

/** 1. Packs a copy of dist/ngx-oidc (others may rebuild dist while this runs). */
async function packLibrary(tmp) {
  if (!existsSync(join(DIST, 'fesm2022'))) {
    await run('library build', 'node', [join(ROOT, 'scripts', 'build-lib.mjs')], {
      cwd: ROOT,
      timeoutMs: 6 * MIN,
      env: process.env,
    });
  }
  const pkgDir = join(tmp, 'package');
  cpSync(DIST, pkgDir, { recursive: true });
  if (!existsSync(join(pkgDir, 'fesm2022')))
    throw new Error(`${DIST} has no fesm2022/ (being rebuilt?)`);
  const out = await run('npm pack', NPM, ['pack', pkgDir, '--pack-destination', tmp, '--json'], {
    cwd: tmp,
  });
  const [{ filename }] = JSON.parse(out.slice(out.indexOf('[')));
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  return { tarball: join(tmp, filename), pkgDir, pkg };
}

/** The peerDependency ranges of the package that do not cover the toolchain. */
function peerMismatches(pkg) {
  const wanted = {
    ...Object.fromEntries(FRAMEWORK_PACKAGES.map((p) => [`@angular/${p}`, TOOLCHAIN.framework])),
    rxjs: TOOLCHAIN.rxjs,
  };
  return Object.entries(pkg.peerDependencies ?? {})
    .filter(([name, range]) => wanted[name] && !semver.satisfies(wanted[name], range))
    .map(([name, range]) => `${name}@${wanted[name]} is outside "${range}"`);
}

/** 2. The temp workspace with the demo as its only application. */
function writeApp(app, tarball) {
  mkdirSync(app, { recursive: true });
  const ng = (p) => `@angular/${p}`;
  const pkg = {
    name: `ngx-oidc-compat-ng${MAJOR}`,
    version: '0.0.0',
    private: true,
    dependencies: {
      ...Object.fromEntries(FRAMEWORK_PACKAGES.map((p) => [ng(p), TOOLCHAIN.framework])),
      'ngx-oidc': `file:${tarball}`,
      rxjs: TOOLCHAIN.rxjs,
      tslib: TOOLCHAIN.tslib,
    },
    devDependencies: {
      '@angular/build': TOOLCHAIN.build,
      '@angular/cli': TOOLCHAIN.cli,
      '@angular/compiler-cli': TOOLCHAIN.framework,
      typescript: TOOLCHAIN.typescript,
    },
  };
  writeFileSync(join(app, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');

  // angular.json: the demo's build target, paths rebased from projects/demo/ to the app root.
  const ws = parseJsonc(readFileSync(join(ROOT, 'angular.json'), 'utf8'));
  const rebase = (value) => JSON.parse(JSON.stringify(value).replaceAll('projects/demo/', ''));
  const build = rebase(ws.projects.demo.architect.build);
  writeFileSync(
    join(app, 'angular.json'),
    JSON.stringify(
      {
        $schema: './node_modules/@angular/cli/lib/config/schema.json',
        version: 1,
        cli: { packageManager: 'npm', analytics: false },
        newProjectRoot: 'projects',
        projects: {
          demo: {
            projectType: 'application',
            root: '',
            sourceRoot: 'src',
            prefix: 'app',
            architect: { build },
          },
        },
      },
      null,
      2,
    ) + '\n',
  );

  // tsconfig.json: this workspace's compiler options without the source `paths` of ngx-oidc.
  const tsconfig = parseJsonc(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
  delete tsconfig.compilerOptions.paths;
  delete tsconfig.references;
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2) + '\n');
  const appTsconfig = parseJsonc(readFileSync(join(DEMO, 'tsconfig.app.json'), 'utf8'));
  appTsconfig.extends = './tsconfig.json';
  appTsconfig.compilerOptions = { ...appTsconfig.compilerOptions, outDir: './out-tsc/app' };
  writeFileSync(join(app, 'tsconfig.app.json'), JSON.stringify(appTsconfig, null, 2) + '\n');

  // Sources: no specs, no test helpers; public/ without a demo-env.json left by `npm start`.
  cpSync(join(DEMO, 'src'), join(app, 'src'), {
    recursive: true,
    filter: (src) => {
      const rel = relative(join(DEMO, 'src'), src);
      return !rel.endsWith('.spec.ts') && rel !== 'testing' && !rel.startsWith('testing/');
    },
  });
  cpSync(join(DEMO, 'public'), join(app, 'public'), {
    recursive: true,
    filter: (src) => !src.endsWith('demo-env.json'),
  });
}

/** 3. Linker minVersion, imported symbols and used members against the installed Angular. */
async function checkApis(app) {
  const problems = [];
  const core = JSON.parse(
    readFileSync(join(app, 'node_modules', '@angular', 'core', 'package.json'), 'utf8'),
  ).version;
  const fesmDir = join(app, 'node_modules', 'ngx-oidc', 'fesm2022');
  const imports = new Map(); // module -> Set(names)
  const minVersions = new Set();
  for (const file of readdirSync(fesmDir).filter((f) => f.endsWith('.mjs'))) {
    const code = readFileSync(join(fesmDir, file), 'utf8');
    for (const m of code.matchAll(/minVersion: "([^"]+)"/g)) minVersions.add(m[1]);
    // Import statements only (at a line's start): TSDoc examples in the bundle mention other modules.
    for (const m of code.matchAll(/^import \{([^}]*)\} from '(@angular\/[^']+)'/gm)) {
      const names = imports.get(m[2]) ?? new Set();
      for (const n of m[1].split(',')) {
        const name = n.trim().split(/\s+as\s+/)[0];
        if (name) names.add(name);
      }
      imports.set(m[2], names);
    }
  }
  for (const v of minVersions) {
    if (!semver.lte(v, core)) problems.push(`ɵɵngDeclare* minVersion ${v} > @angular/core ${core}`);
  }
  log(
    `linker: ɵɵngDeclare* minVersion(s) ${[...minVersions].join(', ')} <= @angular/core ${core}: ${problems.length ? 'NO' : 'ok'}`,
  );

  // Exports, checked in a child (ESM import) inside the temp app.
  const spec = Object.fromEntries([...imports].map(([mod, names]) => [mod, [...names]]));
  // @angular/compiler first: Angular's own partially compiled classes need the JIT in plain Node.
  const script = `await import('@angular/compiler'); const spec = ${JSON.stringify(spec)}; const missing = [];
for (const [mod, names] of Object.entries(spec)) { const m = await import(mod);
  for (const n of names) if (!(n in m)) missing.push(mod + ': ' + n); }
console.log(JSON.stringify(missing));`;
  const out = await run('export check', 'node', ['--input-type=module', '-e', script], {
    cwd: app,
  });
  const missing = JSON.parse(out.trim().split('\n').pop());
  problems.push(...missing.map((m) => `not exported by the installed Angular: ${m}`));
  log(
    `exports: ${[...imports].map(([mod, n]) => `${mod} (${n.size})`).join(', ')}: ${missing.length ? 'MISSING ' + missing.join(', ') : 'ok'}`,
  );

  for (const [mod, cls, member, since] of MEMBER_CHECKS) {
    const typesDir = join(app, 'node_modules', mod, 'types');
    const dirs = existsSync(typesDir) ? [typesDir] : [join(app, 'node_modules', mod)];
    const dts = dirs
      .flatMap((d) => readdirSync(d, { recursive: true }).map((f) => join(d, String(f))))
      .filter((f) => f.endsWith('.d.ts'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const classBody = new RegExp(`declare class ${cls}\\b[\\s\\S]*?\\n}`).exec(dts)?.[0] ?? '';
    const ok = new RegExp(`\\b(readonly\\s+)?${member}\\s*[:(]`).test(classBody);
    log(`member: ${mod} ${cls}.${member} (since ${since}): ${ok ? 'ok' : 'MISSING'}`);
    if (!ok) problems.push(`${mod}: ${cls}.${member} is missing (added in ${since})`);
  }
  return problems;
}

/** Playwright list reporter totals. */
function playwrightCounts(out) {
  const clean = out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  const num = (word) => Number(new RegExp(`^\\s*(\\d+) ${word}\\b`, 'm').exec(clean)?.[1] ?? 0);
  return {
    passed: num('passed'),
    failed: num('failed'),
    flaky: num('flaky'),
    skipped: num('skipped'),
  };
}

// ---------------------------------------------------------------- main

async function main() {
  const startedAll = Date.now();
  const tmp = mkdtempSync(join(tmpdir(), `ngx-oidc-compat-ng${MAJOR}-`));
  const app = join(tmp, 'app');
  const ngApp = join(app, 'node_modules', '@angular', 'cli', 'bin', 'ng.js');
  log(`Angular ${MAJOR}: temp workspace ${app}; Node ${process.version}`);
  let ok = true;
  try {
    const { tarball, pkg } = await packLibrary(tmp);
    log(`packed ${relative(tmp, tarball)} (ngx-oidc ${pkg.version})`);

    const mismatches = peerMismatches(pkg);
    if (mismatches.length) {
      const msg = `the package's peerDependencies do not cover Angular ${MAJOR}: ${mismatches.join('; ')}`;
      if (!IGNORE_PEERS) throw new Error(`${msg} (--ignore-peer-range to test anyway)`);
      log(`WARNING: ${msg}; installing with --legacy-peer-deps (--ignore-peer-range)`);
      ok = false; // the range must be widened before this passes
    } else {
      log(`peerDependencies ${JSON.stringify(pkg.peerDependencies)} cover the toolchain: ok`);
    }

    writeApp(app, tarball);
    await run(
      'npm install',
      NPM,
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        ...(mismatches.length ? ['--legacy-peer-deps'] : []),
      ],
      { cwd: app, timeoutMs: 10 * MIN },
    );

    const versions = Object.fromEntries(
      [
        '@angular/core',
        '@angular/common',
        '@angular/router',
        '@angular/compiler-cli',
        '@angular/build',
        '@angular/cli',
        'typescript',
        'rxjs',
        'ngx-oidc',
        'jose',
      ].map((name) => {
        const file = join(app, 'node_modules', name, 'package.json');
        return [name, existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : '-'];
      }),
    );
    log(
      `versions: node ${process.version}, ${Object.entries(versions)
        .map(([n, v]) => `${n} ${v}`)
        .join(', ')}`,
    );

    const problems = await checkApis(app);
    if (problems.length) {
      ok = false;
      for (const p of problems) log(`PROBLEM: ${p}`);
    }

    rmSync(OUT, { recursive: true, force: true });
    await run(
      `ng build demo (Angular ${versions['@angular/core']}, development)`,
      'node',
      [
        ngApp,
        'build',
        'demo',
        '--configuration',
        'development',
        '--output-path',
        OUT,
        '--progress=false',
      ],
      { cwd: app, timeoutMs: 8 * MIN, stream: true },
    );
    rmSync(join(OUT, 'browser', 'demo-env.json'), { force: true });
    log(`demo built into ${relative(ROOT, OUT)}`);

    if (!SKIP_E2E) {
      let out = '';
      try {
        out = await run('e2e (playwright)', 'node', [PLAYWRIGHT, 'test'], {
          cwd: ROOT,
          timeoutMs: 16 * MIN,
          stream: true,
          env: {
            ...process.env,
            E2E_SKIP_LIB_BUILD: '1',
            E2E_DEMO_DIR: relative(ROOT, OUT),
          },
        });
      } catch (err) {
        ok = false;
        out = err.output ?? '';
      }
      const c = playwrightCounts(out);
      log(
        `e2e on Angular ${versions['@angular/core']}: ${c.passed} passed, ${c.failed} failed, ${c.flaky} flaky, ${c.skipped} skipped`,
      );
    }
  } catch (err) {
    ok = false;
    console.error(`[compat] ${err.message}`);
  } finally {
    if (KEEP) log(`temp workspace kept in ${app}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
  log(`timings: ${timings.join(', ')}`);
  log(
    `Angular ${MAJOR}: ${ok ? 'OK' : 'FAILED'} in ${((Date.now() - startedAll) / 1000).toFixed(1)}s`,
  );
  return ok ? 0 : 1;
}

process.exitCode = await main();
