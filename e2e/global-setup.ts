// Playwright global setup: builds the demo, starts the demo backend (OpenID
// Provider + API) and a static server for the demo on free loopback ports,
// and returns the teardown that stops them again (whole process groups).
//
// Env knobs:
//   E2E_SKIP_LIB_BUILD=1   don't run `ng build ngx-oidc` first (scripts/test.mjs
//                          sets it after its own library build step)
//   E2E_SKIP_DEMO_BUILD=1  reuse an existing dist/e2e-demo build
//   E2E_BACKEND_MAIN=path  start another backend entry point (default projects/demo-backend/main.mjs)
//   E2E_DEMO_DIR=path      serve a prebuilt demo from this folder (its browser/ subfolder; relative
//                          to the repo root) instead of building dist/e2e-demo; neither the library
//                          nor the demo is built then. demo-env.json and e2e-env.json are written
//                          there. Used by scripts/compat.mjs (demo built with another Angular major).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { FullConfig } from '@playwright/test';
import {
  DEMO_BROWSER_DIR,
  DEMO_DIST,
  DEMO_ENV_FILE,
  E2E_ENV_FILE,
  LOG_DIR,
  REPO_ROOT,
  type E2eEnv,
} from './env';

const NG = join(REPO_ROOT, 'node_modules', '@angular', 'cli', 'bin', 'ng.js');
const BACKEND_MAIN =
  process.env['E2E_BACKEND_MAIN'] ?? join(REPO_ROOT, 'projects', 'demo-backend', 'main.mjs');
const SERVE_STATIC = join(REPO_ROOT, 'scripts', 'serve-static.mjs');

/** A prebuilt demo to serve (E2E_DEMO_DIR), or undefined to build and serve dist/e2e-demo. */
const PREBUILT_DEMO_DIST = process.env['E2E_DEMO_DIR']
  ? resolve(REPO_ROOT, process.env['E2E_DEMO_DIR'])
  : undefined;
const DEMO_DIST_USED = PREBUILT_DEMO_DIST ?? DEMO_DIST;
const DEMO_BROWSER_DIR_USED = PREBUILT_DEMO_DIST ? join(PREBUILT_DEMO_DIST, 'browser') : DEMO_BROWSER_DIR;
const DEMO_ENV_FILE_USED = PREBUILT_DEMO_DIST
  ? join(DEMO_BROWSER_DIR_USED, 'demo-env.json')
  : DEMO_ENV_FILE;
const E2E_ENV_FILE_USED = PREBUILT_DEMO_DIST ? join(PREBUILT_DEMO_DIST, 'e2e-env.json') : E2E_ENV_FILE;

function log(msg: string): void {
  console.log(`[e2e setup] ${msg}`);
}

/** Finds a free loopback port by listening on port 0 and closing again. */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolvePort(port));
    });
  });
}

async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

function runOrThrow(title: string, args: string[]): void {
  log(`${title}: node ${args.map((a) => a.replace(REPO_ROOT + '/', '')).join(' ')}`);
  const started = Date.now();
  const result = spawnSync(process.execPath, args, {
    cwd: REPO_ROOT,
    stdio: 'inherit',
    env: process.env,
  });
  if (result.status !== 0) {
    throw new Error(`${title} failed (exit code ${result.status ?? result.signal})`);
  }
  log(`${title} done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

interface Started {
  name: string;
  child: ChildProcess;
  logFile: string;
}

const started: Started[] = [];

/**
 * Starts `node <args>` in its own process group, logging to LOG_DIR/<name>.log,
 * and resolves once a stdout/stderr line contains `readyText`.
 */
function startProcess(
  name: string,
  args: string[],
  env: Record<string, string>,
  readyText: string,
  timeoutMs: number,
): Promise<Started> {
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = join(LOG_DIR, `${name}.log`);
  const logStream = createWriteStream(logFile);
  log(
    `starting ${name}: node ${args.map((a) => a.replace(REPO_ROOT + '/', '')).join(' ')} (log: ${logFile})`,
  );
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so teardown can kill the whole tree
  });
  const entry: Started = { name, child, logFile };
  started.push(entry);

  return new Promise((resolveStart, reject) => {
    let buffered = '';
    let ready = false;
    const timer = setTimeout(() => {
      fail(new Error(`${name} did not print "${readyText}" within ${timeoutMs / 1000}s`));
    }, timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      if (ready) return;
      ready = true;
      const tail = readTail(logFile, buffered);
      reject(new Error(`${err.message}\n--- ${name} output (${logFile}) ---\n${tail}`));
    };
    const onData = (chunk: Buffer) => {
      logStream.write(chunk);
      if (ready) return;
      buffered += chunk.toString();
      if (buffered.includes(readyText)) {
        ready = true;
        clearTimeout(timer);
        resolveStart(entry);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('error', (err) => fail(err));
    child.on('exit', (code, signal) => {
      logStream.end();
      fail(new Error(`${name} exited early (code ${code}, signal ${signal})`));
    });
  });
}

function readTail(logFile: string, fallback: string): string {
  let text = fallback;
  try {
    text = readFileSync(logFile, 'utf8') || fallback;
  } catch {
    /* ignore */
  }
  return text.split('\n').slice(-40).join('\n');
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

async function stopAll(): Promise<void> {
  const running = started.splice(0).reverse();
  await Promise.all(
    running.map(async ({ name, child }) => {
      const exited = new Promise<void>((r) => {
        if (child.exitCode !== null || child.signalCode !== null) return r();
        child.once('exit', () => r());
      });
      killGroup(child, 'SIGTERM');
      const timedOut = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), 5000).unref()),
      ]);
      if (timedOut) {
        log(`${name} did not stop after SIGTERM; sending SIGKILL`);
      }
      killGroup(child, 'SIGKILL'); // also reaps grandchildren left in the group
    }),
  );
  log('stopped backend and static server');
}

// Last resort if the runner dies without running the teardown.
process.once('exit', () => {
  for (const { child } of started) killGroup(child, 'SIGKILL');
});

export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  // 1. The demo imports `ngx-oidc` from dist/ngx-oidc (tsconfig paths), so the
  //    library must be built first.
  if (PREBUILT_DEMO_DIST) {
    if (!existsSync(join(DEMO_BROWSER_DIR_USED, 'index.html'))) {
      throw new Error(
        `E2E_DEMO_DIR: ${join(DEMO_BROWSER_DIR_USED, 'index.html')} does not exist; build the demo there first`,
      );
    }
    log(`E2E_DEMO_DIR: serving the prebuilt demo in ${DEMO_DIST_USED} (no library/demo build)`);
  } else if (
    process.env['E2E_SKIP_LIB_BUILD'] !== '1' ||
    !existsSync(join(REPO_ROOT, 'dist', 'ngx-oidc'))
  ) {
    runOrThrow('library build', [NG, 'build', 'ngx-oidc']);
  }

  // 2. Build the demo once (before the backend writes demo-env.json into it).
  if (PREBUILT_DEMO_DIST) {
    // nothing to build
  } else if (
    process.env['E2E_SKIP_DEMO_BUILD'] === '1' &&
    existsSync(join(DEMO_BROWSER_DIR, 'index.html'))
  ) {
    log(`reusing demo build in ${DEMO_DIST}`);
  } else {
    runOrThrow('demo build', [
      NG,
      'build',
      'demo',
      '--configuration',
      'development',
      '--output-path',
      DEMO_DIST,
      '--progress=false',
    ]);
  }

  // The build may have copied a demo-env.json from projects/demo/public (written
  // by `npm start`); the backend must write the one for this run.
  rmSync(DEMO_ENV_FILE_USED, { force: true });

  if (!existsSync(BACKEND_MAIN)) {
    throw new Error(`${BACKEND_MAIN} does not exist (yet); cannot run the e2e tests.`);
  }

  // 3. Free ports, then start everything.
  const [idp, api, demo] = await freePorts(3);
  const env: E2eEnv = {
    demoUrl: `http://localhost:${demo}`,
    issuer: `http://localhost:${idp}`,
    apiUrl: `http://localhost:${api}`,
    foreignApiUrl: `http://127.0.0.1:${api}`,
    ports: { idp, api, demo },
    demoEnv: {},
  };

  try {
    await startProcess(
      'demo-backend',
      [BACKEND_MAIN],
      {
        IDP_PORT: String(idp),
        API_PORT: String(api),
        DEMO_PORT: String(demo),
        DEMO_ENV_FILE: DEMO_ENV_FILE_USED,
      },
      'demo-backend ready',
      60_000,
    );
    await startProcess(
      'serve-static',
      [SERVE_STATIC, DEMO_BROWSER_DIR_USED, `--port=${demo}`, '--host=127.0.0.1'],
      {},
      'serve-static ready',
      15_000,
    );
    if (!existsSync(DEMO_ENV_FILE_USED)) {
      throw new Error(`the backend did not write ${DEMO_ENV_FILE_USED}`);
    }
    env.demoEnv = JSON.parse(readFileSync(DEMO_ENV_FILE_USED, 'utf8'));
  } catch (err) {
    await stopAll();
    throw err;
  }

  writeFileSync(E2E_ENV_FILE_USED, JSON.stringify(env, null, 2) + '\n');
  process.env['E2E_ENV_FILE'] = E2E_ENV_FILE_USED;
  process.env['E2E_DEMO_URL'] = env.demoUrl;
  process.env['E2E_ISSUER'] = env.issuer;
  process.env['E2E_API_URL'] = env.apiUrl;
  process.env['E2E_FOREIGN_API_URL'] = env.foreignApiUrl;
  log(
    `demo ${env.demoUrl}  issuer ${env.issuer}  api ${env.apiUrl}  foreign api ${env.foreignApiUrl}`,
  );
  log(`demo-env.json: ${JSON.stringify(env.demoEnv)}`);

  return stopAll;
}
