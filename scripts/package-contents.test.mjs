#!/usr/bin/env node
// What npm would publish: `npm pack --dry-run --json` of the built package (dist/ngx-oidc, made
// by scripts/build-lib.mjs) holds what an app needs and nothing else, and its package.json and
// README are the package's own (not the Angular CLI's boilerplate).
//
//   node --test scripts/package-contents.test.mjs
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist', 'ngx-oidc');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Every file the package may hold; each pattern must also match at least one file. */
export const EXPECTED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^fesm2022\/ngx-oidc\.mjs(\.map)?$/,
  /^fesm2022\/ngx-oidc-testing\.mjs(\.map)?$/,
  // The login flows, token requests, ID token checks and jose, loaded on demand
  // (core/protocol.ts): a chunk of its own.
  /^fesm2022\/ngx-oidc-protocol-[A-Za-z0-9_-]+\.mjs(\.map)?$/,
  /^types\/ngx-oidc\.d\.ts$/,
  /^types\/ngx-oidc-testing\.d\.ts$/,
  /^schematics\/collection\.json$/,
  /^schematics\/package\.json$/,
  /^schematics\/ng-add\/(index|schema)\.js$/,
  /^schematics\/ng-add\/schema\.json$/,
];

/** Entry points other than the main one may come and go; they are allowed by this shape. */
const OPTIONAL = [
  /^fesm2022\/ngx-oidc-[a-z-]+\.mjs(\.map)?$/,
  // Code the main module shares with an on-demand chunk (rollup names it after the entry point).
  /^fesm2022\/ngx-oidc-ngx-oidc-[A-Za-z0-9_-]+\.mjs(\.map)?$/,
  /^types\/ngx-oidc-[a-z-]+\.d\.ts$/,
  /^schematics\/ng-add\/[a-z-]+\.js$/,
  /^schematics\/ng-add\/files\/.+/,
];

/** Files of the packed package: the paths `npm pack --dry-run` lists for `dir`. */
export function packedFiles(dir) {
  const result = spawnSync(NPM, ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, npm_config_loglevel: 'error', npm_config_update_notifier: 'false' },
  });
  assert.equal(result.status, 0, `npm pack --dry-run failed:\n${result.stderr}`);
  const [report] = JSON.parse(result.stdout.slice(result.stdout.indexOf('[')));
  return report.files.map((f) => f.path);
}

describe('npm pack --dry-run of dist/ngx-oidc', { skip: !existsSync(join(DIST, 'package.json')) && 'dist/ngx-oidc is not built' }, () => {
  const files = existsSync(join(DIST, 'package.json')) ? packedFiles(DIST) : [];
  const pkg = existsSync(join(DIST, 'package.json'))
    ? JSON.parse(readFileSync(join(DIST, 'package.json'), 'utf8'))
    : {};

  it('holds every file an app needs', () => {
    for (const pattern of EXPECTED) {
      assert.ok(files.some((f) => pattern.test(f)), `no file matches ${pattern} in:\n${files.join('\n')}`);
    }
  });

  it('holds nothing else: no sources, specs, tests, build info or stray files', () => {
    const unexpected = files.filter((f) => ![...EXPECTED, ...OPTIONAL].some((p) => p.test(f)));
    assert.deepEqual(unexpected, []);
    assert.ok(!files.some((f) => /\.(spec|test)\.|\.tsbuildinfo$|(^|\/)\.npmignore$/.test(f)));
    assert.ok(!files.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), 'no TypeScript sources');
  });

  it("has the package's own README and a LICENSE, not the Angular CLI boilerplate", () => {
    const readme = readFileSync(join(DIST, 'README.md'), 'utf8');
    assert.doesNotMatch(readme, /generated using \[Angular CLI\]/);
    assert.match(readme, /^# ngx-oidc$/m);
    assert.match(readme, /ng add ngx-oidc/);
    assert.match(readFileSync(join(DIST, 'LICENSE'), 'utf8'), /^MIT License/);
  });

  it('names its repository, homepage, bug tracker and license', () => {
    assert.equal(pkg.license, 'MIT');
    assert.match(pkg.repository?.url ?? '', /^git\+https:\/\/github\.com\/.+\.git$/);
    assert.match(pkg.homepage ?? '', /^https:\/\//);
    assert.match(pkg.bugs?.url ?? '', /^https:\/\/.+\/issues$/);
  });

  it('supports Angular 21 and 22 and nothing older', () => {
    for (const name of ['@angular/common', '@angular/core', '@angular/router']) {
      assert.equal(pkg.peerDependencies?.[name], '>=21.0.0 <23.0.0', name);
    }
    assert.deepEqual(Object.keys(pkg.dependencies ?? {}).sort(), ['jose', 'tslib']);
  });
});
