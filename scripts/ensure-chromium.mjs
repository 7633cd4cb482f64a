#!/usr/bin/env node
// Finds a Chromium/Chrome binary for Karma and Playwright.
//
// Order: $CHROME_BIN (if executable), then `chromium`, `chromium-browser`,
// `google-chrome`, `google-chrome-stable` on the PATH. If none is found and we
// run as root on Debian/Ubuntu, installs Debian's `chromium` package with apt
// and looks again. Otherwise fails with instructions.
//
// Usage: `node scripts/ensure-chromium.mjs` prints the path (alone on stdout;
//        progress and apt output go to stderr), or
//        `import { ensureChromium } from './ensure-chromium.mjs'`.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function isExecutable(file) {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

/** Returns the path of a Chromium binary, or undefined. Never installs anything. */
export function findChromium() {
  const fromEnv = process.env.CHROME_BIN;
  if (fromEnv) {
    const file = fromEnv.includes('/') ? resolve(fromEnv) : findOnPath(fromEnv);
    if (file && isExecutable(file)) return file;
    console.warn(
      `[ensure-chromium] CHROME_BIN=${fromEnv} is not an executable file; searching PATH.`,
    );
  }
  for (const name of CANDIDATES) {
    const file = findOnPath(name);
    if (file) return file;
  }
  return undefined;
}

function isDebianLike() {
  try {
    const osRelease = readFileSync('/etc/os-release', 'utf8');
    return /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(osRelease);
  } catch {
    return false;
  }
}

function run(cmd, args) {
  console.error(`[ensure-chromium] $ ${cmd} ${args.join(' ')}`);
  // apt's output goes to stderr so that stdout carries only the path
  // (see `node scripts/ensure-chromium.mjs`).
  const result = spawnSync(cmd, args, {
    stdio: ['inherit', 2, 2],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with code ${result.status}`);
  }
}

const HOW_TO_INSTALL =
  'No Chromium/Chrome found. Install one, e.g. `sudo apt-get install chromium` ' +
  '(Debian/Ubuntu), or set CHROME_BIN to the path of a Chrome/Chromium binary.';

/**
 * Returns the path of a Chromium binary, installing Debian's `chromium` package
 * with apt when running as root on Debian/Ubuntu and none is present.
 * Throws (with installation instructions) when no browser can be found.
 */
export function ensureChromium() {
  let found = findChromium();
  if (found) return found;

  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && isDebianLike()) {
    console.error(
      '[ensure-chromium] No Chromium found; installing Debian package "chromium" with apt-get.',
    );
    try {
      run('apt-get', ['update']);
      run('apt-get', ['install', '-y', 'chromium']);
    } catch (err) {
      throw new Error(`Installing chromium failed: ${err.message}\n${HOW_TO_INSTALL}`);
    }
    found = findChromium();
    if (found) return found;
  }
  throw new Error(HOW_TO_INSTALL);
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  try {
    console.log(ensureChromium());
  } catch (err) {
    console.error(`[ensure-chromium] ${err.message}`);
    process.exit(1);
  }
}
