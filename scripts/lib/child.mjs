// Child processes for the scripts that build and drive throwaway apps (compat.mjs,
// ng-add-smoke.mjs, new-user.test.mjs): one environment, one way to run a command to its end, one
// way to start a server and wait until it is ready.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

export const MIN = 60_000;
export const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * Environment for the children: no npm_* leaking from an outer `npm test` (they would make a
 * nested npm install act on this workspace), no colours, no analytics prompt, no audit/fund/
 * update-notifier requests, and the npm cache first.
 */
export const CHILD_ENV = (() => {
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))),
    NG_CLI_ANALYTICS: 'false',
    NO_COLOR: '1',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_prefer_offline: 'true',
    npm_config_loglevel: 'error',
  };
  delete env.FORCE_COLOR;
  return env;
})();

/**
 * A `run(title, command, args, options)` that logs with `prefix` and records each command's time
 * in `timings`. `command` 'node' is this process's Node (the workspace's own Node 24 under npm).
 * Resolves with the command's output; rejects, with the output's last 60 lines (or, with
 * `stream`, after streaming it) and the output on `err.output`, when it fails or times out.
 */
export function createRunner(prefix) {
  const timings = [];
  const log = (msg) => console.log(`[${prefix}] ${msg}`);
  function run(title, command, args, { cwd, timeoutMs = 5 * MIN, env = CHILD_ENV, nodeArgs = [], stream = false } = {}) {
    const [cmd, argv] = command === 'node' ? [process.execPath, [...nodeArgs, ...args]] : [command, args];
    const shown = args.map((a) => (a.length > 200 ? '<script>' : a)).join(' ');
    log(`${title}: $ ${command} ${shown}`);
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const onData = (d) => {
        out += d;
        if (stream) process.stdout.write(d);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      const timer = setTimeout(() => {
        out += `\n[${prefix}] ${title}: timed out after ${timeoutMs / 1000}s`;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        const seconds = (Date.now() - started) / 1000;
        timings.push(`${title} ${seconds.toFixed(1)}s`);
        log(`${title}: exit ${code} in ${seconds.toFixed(1)}s`);
        if (code === 0) return resolve(out);
        const err = new Error(
          `${title} failed (exit ${code}):\n$ ${command} ${shown}` +
            (stream ? '' : `\n${out.split('\n').slice(-60).join('\n')}`),
        );
        err.output = out;
        reject(err);
      });
    });
  }
  return { run, timings, log };
}

/**
 * Starts a long-running command in its own process group and resolves, with `stop()` (kills the
 * whole group) and `output()`, once its output matches `ready`; rejects if it exits first or
 * prints nothing matching within `timeoutMs`. The group is killed when this process exits too.
 */
export function startServer(title, command, args, { cwd, env = CHILD_ENV, ready, timeoutMs = 3 * MIN }) {
  const cmd = command === 'node' ? process.execPath : command;
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  const stop = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  process.once('exit', stop);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${title} printed nothing matching ${ready} in ${timeoutMs / 1000}s:\n${out.slice(-3000)}`));
    }, timeoutMs);
    const onData = (d) => {
      out += d;
      if (ready.test(out.replace(/\x1b\[[0-9;]*m/g, ''))) {
        clearTimeout(timer);
        resolve({ stop, output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${title} exited (code ${code}):\n${out.slice(-3000)}`));
    });
  });
}

/** A loopback TCP port nobody listens on right now. */
export async function freePort() {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  probe.close();
  await once(probe, 'close');
  return port;
}
