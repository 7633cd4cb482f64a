#!/usr/bin/env node
// `npm test`: runs every test suite of the workspace, in order, and keeps going
// after a failure so that all failures are shown.
//
//   npm test                          all steps
//   npm test -- --only=lib,e2e        a subset (lib, core, build, package, schematics, size, ssr,
//                                     demo, backend, e2e, e2e22; aliases: unit = lib,core,demo,backend)
//   npm test -- --list                show the steps and exit
//
// Steps: lib (karma, ng test ngx-oidc) → core (tsc -p projects/ngx-oidc/tsconfig.core.json:
// src/lib/core/ type-checks with no Angular types and imports no @angular/* or rxjs) → build
// (scripts/build-lib.mjs: the package with its schematics) → package (what npm pack would
// publish) → schematics (ng add unit tests + a real ng new/ng add/ng build)
// → size (bench/bundle-budget.test.mjs: bytes ngx-oidc adds to a production app, and no unused
// feature in it) → ssr (server rendering with the built package) → demo (karma, ng test demo) →
// backend (node --test projects/demo-backend/test/) → e2e / e2e22 (scripts/compat.mjs: the packed
// library in a fresh Angular 21 / 22 workspace, demo build + the whole e2e suite against it; needs
// the npm registry) → newuser (ng new → ng add → serve → log in → API → reload → log out, in
// Chromium: Angular 21 and 22 with ng serve, 22 with SSR and its own server).
//
// Runs on the workspace's own Node 24 (the `node` devDependency: npm scripts put
// node_modules/.bin first on the PATH), which Angular 22 requires.
//
// Prints a summary table and, as the very last line, `N passed, N failed`
// (test counts parsed from the runners' output). Exit code 1 if any step failed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureChromium } from './ensure-chromium.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const NG = join(ROOT, 'node_modules', '@angular', 'cli', 'bin', 'ng.js');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const PLAYWRIGHT = join(ROOT, 'node_modules', '@playwright', 'test', 'cli.js');
const BACKEND_TESTS = join(ROOT, 'projects', 'demo-backend', 'test');

const MIN = 60_000;

/** @typedef {{ passed: number, failed: number, skipped?: number }} Counts */
/** @typedef {{ name: string, title: string, args?: () => string[], env?: () => Record<string,string>,
 *   timeoutMs: number, parse?: (out: string) => Counts | undefined, skipIf?: () => string | undefined }} Step */

/** @type {Step[]} */
const STEPS = [
  {
    name: 'lib',
    title: 'library unit tests (karma)',
    args: () => [
      NG,
      'test',
      'ngx-oidc',
      '--watch=false',
      '--browsers=ChromeHeadlessCI',
      '--progress=false',
    ],
    timeoutMs: 6 * MIN,
    parse: parseKarma,
  },
  {
    name: 'core',
    title: 'framework-free core (tsc -p projects/ngx-oidc/tsconfig.core.json: no Angular types, no @angular/* or rxjs imports)',
    args: () => [TSC, '-p', join(ROOT, 'projects', 'ngx-oidc', 'tsconfig.core.json'), '--noEmit'],
    timeoutMs: 2 * MIN,
  },
  {
    name: 'build',
    title: 'library build (scripts/build-lib.mjs: ng-packagr + schematics)',
    args: () => [join(ROOT, 'scripts', 'build-lib.mjs')],
    timeoutMs: 6 * MIN,
  },
  {
    name: 'package',
    title: 'package contents (node --test scripts/package-contents.test.mjs: npm pack --dry-run)',
    args: () => ['--test', '--test-reporter=tap', join(ROOT, 'scripts', 'package-contents.test.mjs')],
    timeoutMs: 2 * MIN,
    parse: parseNodeTest,
  },
  {
    name: 'schematics',
    title: 'ng add schematics (node --test: unit tests + ng new/ng add/ng build smoke)',
    args: () => [
      '--test',
      '--test-reporter=tap',
      join(ROOT, 'projects', 'ngx-oidc', 'schematics', 'ng-add', 'index.test.mjs'),
      join(ROOT, 'scripts', 'ng-add-smoke.mjs'),
    ],
    timeoutMs: 15 * MIN,
    parse: parseNodeTest,
  },
  {
    name: 'size',
    title: 'bundle budget of the bench apps (node --test bench/bundle-budget.test.mjs, production builds)',
    args: () => ['--test', '--test-reporter=tap', join(ROOT, 'bench', 'bundle-budget.test.mjs')],
    timeoutMs: 8 * MIN,
    parse: parseNodeTest,
  },
  {
    name: 'ssr',
    title: 'server rendering with the built package (node --test, zoneless and zone.js)',
    args: () => ['--test', '--test-reporter=tap', join(ROOT, 'projects', 'ngx-oidc', 'ssr', 'render.test.mjs')],
    timeoutMs: 3 * MIN,
    parse: parseNodeTest,
  },
  {
    name: 'demo',
    title: 'demo unit tests (karma)',
    args: () => [
      NG,
      'test',
      'demo',
      '--watch=false',
      '--browsers=ChromeHeadlessCI',
      '--progress=false',
    ],
    timeoutMs: 6 * MIN,
    parse: parseKarma,
  },
  {
    name: 'backend',
    title: 'backend tests (node --test)',
    skipIf: () =>
      existsSync(BACKEND_TESTS) ? undefined : 'projects/demo-backend/test/ does not exist yet',
    // A glob, not the folder: Node 24's --test takes files and patterns only.
    args: () => ['--test', '--test-reporter=spec', join(BACKEND_TESTS, '*.test.mjs')],
    timeoutMs: 5 * MIN,
    parse: parseNodeTest,
  },
  {
    name: 'e2e',
    title: 'e2e suite, demo built with Angular 21 (scripts/compat.mjs --angular=21: the packed library)',
    skipIf: () => (process.env.NGX_OIDC_SKIP_COMPAT ? 'NGX_OIDC_SKIP_COMPAT is set' : undefined),
    args: () => [join(ROOT, 'scripts', 'compat.mjs'), '--angular=21'],
    // Packs dist/ngx-oidc as built by the build step (builds it itself if missing).
    timeoutMs: 20 * MIN,
    parse: parsePlaywright,
  },
  {
    name: 'e2e22',
    title: 'e2e suite, demo built with Angular 22 (scripts/compat.mjs --angular=22: the same packed library)',
    skipIf: () => (process.env.NGX_OIDC_SKIP_COMPAT ? 'NGX_OIDC_SKIP_COMPAT is set' : undefined),
    args: () => [join(ROOT, 'scripts', 'compat.mjs'), '--angular=22'],
    timeoutMs: 20 * MIN,
    parse: parsePlaywright,
  },
  {
    name: 'newuser',
    title: "a new user's whole path (node --test scripts/new-user.test.mjs: ng new → ng add → serve → login → API → reload → logout; Angular 21, 22, 22 with SSR)",
    skipIf: () => (process.env.NGX_OIDC_SKIP_COMPAT ? 'NGX_OIDC_SKIP_COMPAT is set' : undefined),
    args: () => ['--test', '--test-reporter=tap', join(ROOT, 'scripts', 'new-user.test.mjs')],
    timeoutMs: 20 * MIN,
    parse: parseNodeTest,
  },
];

const ALIASES = { unit: ['lib', 'core', 'demo', 'backend'], all: STEPS.map((s) => s.name) };

// ---------------------------------------------------------------- parsing

const stripAnsi = (s) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

/** Karma: "Executed 5 of 6 (1 FAILED) (skipped 1) (0.1 secs / 0.05 secs)" — last line wins. */
function parseKarma(out) {
  const matches = [...out.matchAll(/Executed (\d+) of (\d+)(.*)$/gm)];
  if (matches.length === 0) return undefined;
  const [, executed, , rest] = matches.at(-1);
  const failed = Number(/\((\d+) FAILED\)/.exec(rest)?.[1] ?? 0);
  const skipped = Number(/\(skipped (\d+)\)/.exec(rest)?.[1] ?? 0);
  const errored = /\bERROR\b/.test(rest) && failed === 0 ? 1 : 0;
  return { passed: Number(executed) - failed, failed: failed + errored, skipped };
}

/** node:test: TAP "# pass N" / "# fail N" or spec reporter "ℹ pass N" / "ℹ fail N". */
function parseNodeTest(out) {
  const last = (re) => {
    const m = [...out.matchAll(re)];
    return m.length ? Number(m.at(-1)[1]) : undefined;
  };
  const passed = last(/^[#ℹ] pass (\d+)$/gm);
  const failed = last(/^[#ℹ] fail (\d+)$/gm);
  if (passed === undefined && failed === undefined) return undefined;
  return {
    passed: passed ?? 0,
    failed: (failed ?? 0) + (last(/^[#ℹ] cancelled (\d+)$/gm) ?? 0),
    skipped: last(/^[#ℹ] skipped (\d+)$/gm) ?? 0,
  };
}

/** Playwright list reporter: "  3 passed (12.3s)", "  1 failed", "  1 flaky", "  2 skipped". */
function parsePlaywright(out) {
  const num = (word) => Number(new RegExp(`^\\s*(\\d+) ${word}\\b`, 'm').exec(out)?.[1] ?? 0);
  const passed = num('passed');
  const failed = num('failed');
  const flaky = num('flaky');
  const interrupted = num('interrupted');
  if (!/^\s*\d+ (passed|failed|flaky|skipped|interrupted|did not run)\b/m.test(out))
    return undefined;
  return {
    passed: passed + flaky,
    failed: failed + interrupted,
    skipped: num('skipped') + num('did not run'),
  };
}

/**
 * The failing tests' names (and, for Playwright, the first error line of each), so that the end
 * of the log — often all a CI page shows — says what failed, not only how many.
 */
function failureLines(out) {
  const lines = out.split('\n');
  const found = [];
  for (let i = 0; i < lines.length && found.length < 12; i++) {
    const line = lines[i];
    // Playwright: "  1) [chromium] › e2e/a.spec.ts:12:3 › title ───"
    const pw = /^\s+\d+\) (\[\w+\] › .*?)\s*─*$/.exec(line);
    if (pw) {
      const error = lines.slice(i + 1, i + 12).find((l) => /^\s*(Error|TimeoutError|Test timeout)/.test(l));
      found.push(pw[1] + (error ? `\n      ${error.trim().slice(0, 240)}` : ''));
      continue;
    }
    // Karma progress: "Chrome Headless ... suite name test name FAILED"
    if (/\) .+ FAILED$/.test(line)) found.push(line.trim().slice(0, 240));
    // Build errors (esbuild / Angular compiler): "✘ [ERROR] TS2304: Cannot find name …"
    else if (/^\s*✘ \[ERROR\]/.test(line)) found.push(line.trim().slice(0, 240));
    // tsc: "src/lib/core/x.ts(1,24): error TS2306: File '…' is not a module."
    else if (/^\S+\(\d+,\d+\): error TS\d+:/.test(line)) found.push(line.trim().slice(0, 240));
    // node:test (TAP / spec): "not ok 3 - title", "✖ title"
    else if (/^\s*not ok \d+ - /.test(line) || /^\s*✖ (?!failing tests)/.test(line))
      found.push(line.trim().slice(0, 240));
  }
  return [...new Set(found)];
}

// ---------------------------------------------------------------- running

/** @type {{ name: string, title: string, status: 'ok'|'FAILED'|'skipped', ms: number, counts?: Counts, note?: string }[]} */
const results = [];
let current; // running child
let interrupted = false;

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* gone */
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupted = true;
    if (current) {
      killGroup(current, signal);
      setTimeout(() => current && killGroup(current, 'SIGKILL'), 20_000).unref();
    } else {
      process.exit(130);
    }
  });
}

function runStep(step) {
  return new Promise((resolveStep) => {
    const args = step.args();
    console.log(
      `\n${'='.repeat(78)}\n▶ ${step.title}\n  $ node ${args.map((a) => a.replace(ROOT + '/', '')).join(' ')}\n${'='.repeat(78)}`,
    );
    const started = Date.now();
    let out = '';
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: {
        ...process.env,
        ...(process.stdout.isTTY && !process.env.NO_COLOR ? { FORCE_COLOR: '1' } : {}),
        ...(step.env?.() ?? {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group: a timeout/Ctrl-C stops the whole tree
    });
    current = child;
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      out += d;
    });
    child.stderr.on('data', (d) => {
      process.stderr.write(d);
      out += d;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(
        `\n[test] ${step.name}: timed out after ${step.timeoutMs / MIN} min; stopping it`,
      );
      killGroup(child, 'SIGINT');
      setTimeout(() => killGroup(child, 'SIGKILL'), 20_000).unref();
    }, step.timeoutMs);
    const finish = (code, error) => {
      clearTimeout(timer);
      current = undefined;
      const counts = step.parse?.(stripAnsi(out));
      const ok = code === 0 && !timedOut && !(counts && counts.failed > 0);
      resolveStep({
        failures: ok ? [] : failureLines(stripAnsi(out)),
        name: step.name,
        title: step.title,
        status: ok ? 'ok' : 'FAILED',
        ms: Date.now() - started,
        counts,
        note: error
          ? error.message
          : timedOut
            ? 'timed out'
            : code !== 0
              ? `exit code ${code}`
              : undefined,
      });
    };
    child.on('error', (err) => finish(1, err));
    child.on('close', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}

function parseOnly(argv) {
  const arg = argv.find((a) => a.startsWith('--only='));
  if (!arg) return STEPS.map((s) => s.name);
  const names = arg
    .slice('--only='.length)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .flatMap((n) => ALIASES[n] ?? [n]);
  const unknown = names.filter((n) => !STEPS.some((s) => s.name === n));
  if (unknown.length) {
    console.error(
      `Unknown step(s): ${unknown.join(', ')}. Known: ${STEPS.map((s) => s.name).join(', ')} (aliases: unit, all).`,
    );
    process.exit(2);
  }
  return names;
}

function fmtDuration(ms) {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function printSummary(totalMs) {
  const rows = results.map((r) => [
    r.name,
    r.status,
    r.status === 'skipped' ? '-' : fmtDuration(r.ms),
    r.counts
      ? `${r.counts.passed} passed, ${r.counts.failed} failed${r.counts.skipped ? `, ${r.counts.skipped} skipped` : ''}`
      : '',
    r.note ?? '',
  ]);
  const header = ['step', 'status', 'time', 'tests', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  console.log(`\n${'='.repeat(78)}\nSummary (total ${fmtDuration(totalMs)})\n`);
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
  const failedSteps = results.filter((r) => r.status === 'FAILED').map((r) => r.name);
  console.log('');
  if (failedSteps.length) console.log(`FAILED steps: ${failedSteps.join(', ')}`);
  for (const r of results.filter((r) => r.failures?.length)) {
    console.log(`\n${r.name} — failing:`);
    for (const f of r.failures) console.log(`  ${f}`);
  }
  if (failedSteps.length) console.log('');
  const passed = results.reduce((n, r) => n + (r.counts?.passed ?? 0), 0);
  const failed = results.reduce((n, r) => n + (r.counts?.failed ?? 0), 0);
  console.log(`${passed} passed, ${failed} failed`);
}

async function main() {
  const argv = process.argv.slice(2);
  const selected = parseOnly(argv);
  if (argv.includes('--list')) {
    for (const s of STEPS)
      console.log(`${selected.includes(s.name) ? '*' : ' '} ${s.name.padEnd(8)} ${s.title}`);
    return 0;
  }
  const startedAll = Date.now();

  const needsBrowser = selected.some((n) => ['lib', 'demo', 'e2e', 'e2e22', 'newuser'].includes(n));
  if (needsBrowser) {
    try {
      process.env.CHROME_BIN = ensureChromium();
      console.log(`[test] CHROME_BIN=${process.env.CHROME_BIN}`);
    } catch (err) {
      console.error(`[test] ${err.message}`);
      results.push({
        name: 'chromium',
        title: 'find Chromium',
        status: 'FAILED',
        ms: 0,
        note: 'no browser',
      });
    }
  }

  for (const step of STEPS) {
    if (!selected.includes(step.name)) continue;
    if (interrupted) {
      results.push({
        name: step.name,
        title: step.title,
        status: 'skipped',
        ms: 0,
        note: 'interrupted',
      });
      continue;
    }
    const skipReason = step.skipIf?.();
    if (skipReason) {
      console.log(`\n▶ ${step.title}: skipped (${skipReason})`);
      results.push({
        name: step.name,
        title: step.title,
        status: 'skipped',
        ms: 0,
        note: skipReason,
      });
      continue;
    }
    results.push(await runStep(step));
  }

  printSummary(Date.now() - startedAll);
  return results.some((r) => r.status === 'FAILED') || interrupted ? 1 : 0;
}

process.exitCode = await main();
