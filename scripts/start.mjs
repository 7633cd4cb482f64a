#!/usr/bin/env node
// `npm start`: runs the demo backend (local OpenID Provider + demo API) and `ng serve demo` together.
//
// Output lines are prefixed with [backend] / [demo]. Ctrl-C stops both; if either exits, the other
// is stopped and this script exits non-zero.
//
// Env: DEMO_PORT (4200), IDP_PORT (9000), API_PORT (3001) and the other variables of
// projects/demo-backend/main.mjs (API_AUDIENCE, ACCESS_TOKEN_TTL, REFRESH_TOKEN_TTL, ...).
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { PASSWORD_USERS } from '../projects/demo-backend/accounts.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const demoPort = process.env.DEMO_PORT || '4200';
const env = { ...process.env, DEMO_PORT: demoPort };
// Children write to pipes; keep their colours when we are on a terminal.
if (process.stdout.isTTY && env.FORCE_COLOR === undefined) env.FORCE_COLOR = '1';

const colors = process.stdout.isTTY
  ? { backend: '\x1b[35m', demo: '\x1b[36m', reset: '\x1b[0m' }
  : null;
const tag = (name) => (colors ? `${colors[name]}[${name}]${colors.reset}` : `[${name}]`);

/** @type {Map<string, import('node:child_process').ChildProcess>} */
const children = new Map();
let stopping = false;
let exitCode = 0;

function run(name, command, args, { onLine } = {}) {
  const child = spawn(command, args, {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: process.platform !== 'win32', // own process group, so we can stop its children too
  });
  children.set(name, child);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      const out = stream === child.stderr ? process.stderr : process.stdout;
      out.write(`${tag(name)} ${line}\n`);
      onLine?.(line);
    });
  }
  child.on('error', (err) => {
    console.error(`${tag(name)} failed to start: ${err.message}`);
    children.delete(name);
    shutdown(1);
  });
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      console.error(`${tag(name)} exited (${signal ?? `code ${code}`}); stopping the others`);
      shutdown(code || 1);
    } else if (children.size === 0) {
      process.exit(exitCode);
    }
  });
  return child;
}

function kill(child, signal) {
  try {
    if (process.platform !== 'win32') process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // already gone
  }
}

function shutdown(code) {
  if (stopping) return;
  stopping = true;
  exitCode = code;
  if (children.size === 0) process.exit(exitCode);
  for (const child of children.values()) kill(child, 'SIGTERM');
  setTimeout(() => {
    for (const child of children.values()) kill(child, 'SIGKILL');
    process.exit(exitCode);
  }, 5000).unref();
}

process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));
process.on('SIGHUP', () => shutdown(0));

let banner = false;
run('backend', process.execPath, ['projects/demo-backend/main.mjs'], {
  onLine(line) {
    if (banner || line.trim() !== 'demo-backend ready') return;
    banner = true;
    // The demo reads public/demo-env.json, written by the backend: start the dev server afterwards.
    run('demo', process.execPath, [
      resolve(root, 'node_modules/@angular/cli/bin/ng.js'),
      'serve',
      'demo',
      '--port',
      demoPort,
      '--host',
      '127.0.0.1',
    ]);
    const users = PASSWORD_USERS.map((u) => `${u.username} / ${u.password}`).join('   ');
    console.log(
      [
        '',
        '  ┌───────────────────────────────────────────────────────────────',
        `  │ ngx-oidc demo:  http://localhost:${demoPort}   (wait for [demo] to finish building)`,
        `  │ Demo users:     ${users}   or "Continue with DemoSocial"`,
        '  │ Stop with Ctrl-C',
        '  └───────────────────────────────────────────────────────────────',
        '',
      ].join('\n'),
    );
  },
});
