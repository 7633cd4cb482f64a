#!/usr/bin/env node
// Builds the publishable package into dist/ngx-oidc:
//   1. the library with ng-packagr (`ng build ngx-oidc`, production configuration);
//   2. the `ng add` schematics: projects/ngx-oidc/schematics/**/*.ts compiled by tsc (CommonJS)
//      into dist/ngx-oidc/schematics, plus their collection.json / schema.json / files/**
//      templates, plus a package.json `{"type":"commonjs"}` (the package itself is ESM).
//
//   node scripts/build-lib.mjs                    both
//   node scripts/build-lib.mjs --schematics-only  step 2 only (dist/ngx-oidc must exist)
//
// `buildSchematics(dir)` is also used by the schematics tests, which compile into a temp dir of
// their own (other builds of the library may wipe dist/ngx-oidc while they run).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const NG = join(ROOT, 'node_modules', '@angular', 'cli', 'bin', 'ng.js');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const SRC = join(ROOT, 'projects', 'ngx-oidc', 'schematics');
const DIST = join(ROOT, 'dist', 'ngx-oidc');

function run(title, args) {
  console.log(`\n[build-lib] ${title}\n  $ node ${args.map((a) => relative(ROOT, a) || a).join(' ')}`);
  const started = Date.now();
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(`[build-lib] ${title} failed (exit code ${result.status ?? result.signal})`);
  }
  console.log(`[build-lib] ${title}: done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

/** json files and files/** templates of the schematics source tree (not tests, not .ts). */
function copyAssets(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const from = join(dir, entry.name);
    const to = join(out, relative(SRC, from));
    if (entry.isDirectory()) {
      if (entry.name === 'files') {
        cpSync(from, to, { recursive: true });
      } else {
        copyAssets(from, out);
      }
    } else if (entry.name.endsWith('.json') && entry.name !== 'tsconfig.json') {
      mkdirSync(dirname(to), { recursive: true });
      cpSync(from, to);
    }
  }
}

/** Compiles the schematics into `<packageDir>/schematics` (replacing it) and copies their assets. */
export function buildSchematics(packageDir = DIST) {
  const out = join(packageDir, 'schematics');
  rmSync(out, { recursive: true, force: true });
  run('schematics (tsc)', [TSC, '-p', join(SRC, 'tsconfig.json'), '--outDir', out]);
  copyAssets(SRC, out);
  // The package is ESM ("type": "module"); the schematics are CommonJS, loaded with require().
  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'commonjs' }, null, 2) + '\n');
  // ng-packagr's .npmignore drops every nested package.json (`**/package.json`): keep this one.
  const npmignore = join(packageDir, '.npmignore');
  const keep = '!schematics/package.json';
  if (existsSync(npmignore) && !readFileSync(npmignore, 'utf8').split(/\r?\n/).includes(keep)) {
    writeFileSync(npmignore, readFileSync(npmignore, 'utf8').replace(/\n?$/, '\n') + keep + '\n');
  }
  return join(out, 'collection.json');
}

/** Problems of a built package: `ng add` must find the collection and its factories. */
export function checkPackage(packageDir = DIST) {
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const collection = pkg.schematics && join(packageDir, pkg.schematics);
  const problems = [];
  if (!collection || !existsSync(collection)) {
    problems.push(`package.json "schematics" (${pkg.schematics}) does not name an existing file`);
  } else {
    const { schematics } = JSON.parse(readFileSync(collection, 'utf8'));
    for (const [name, s] of Object.entries(schematics)) {
      const factory = join(dirname(collection), s.factory.split('#')[0] + '.js');
      if (!existsSync(factory)) problems.push(`${name}: factory ${relative(packageDir, factory)} missing`);
      if (s.schema && !existsSync(join(dirname(collection), s.schema)))
        problems.push(`${name}: schema ${s.schema} missing`);
    }
    if (!existsSync(join(dirname(collection), 'package.json')))
      problems.push('schematics/package.json ({"type":"commonjs"}) missing');
  }
  if (!pkg['ng-add']) problems.push('package.json has no "ng-add" field');
  return problems;
}

function main() {
  if (!process.argv.includes('--schematics-only')) {
    run('library (ng-packagr)', [NG, 'build', 'ngx-oidc']);
  } else if (!existsSync(join(DIST, 'package.json'))) {
    throw new Error('[build-lib] dist/ngx-oidc does not exist: run without --schematics-only first');
  }
  buildSchematics(DIST);
  const problems = checkPackage(DIST);
  if (problems.length) throw new Error(`[build-lib] bad package:\n  ${problems.join('\n  ')}`);
  console.log('[build-lib] dist/ngx-oidc ready (schematics: ./schematics/collection.json)');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main();
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
