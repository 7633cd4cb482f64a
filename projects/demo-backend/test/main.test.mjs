// main.mjs: env variables, demo-env.json, readiness line.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../main.mjs', import.meta.url));

describe('main.mjs', () => {
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let child;
  let dir;
  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes demo-env.json with the existing keys plus managementAudience (MANAGEMENT_AUDIENCE)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'demo-backend-'));
    const envFile = join(dir, 'demo-env.json');
    child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        IDP_PORT: '0',
        API_PORT: '0',
        DEMO_ENV_FILE: envFile,
        MANAGEMENT_AUDIENCE: 'https://management.override.test',
        ACCESS_TOKEN_TTL: '5',
        ID_TOKEN_TTL: '5',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready:\n${output}`)), 10_000);
      child.stdout.on('data', (chunk) => {
        output += chunk;
        if (output.includes('demo-backend ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr.on('data', (chunk) => (output += chunk));
      child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
    });

    const env = JSON.parse(await readFile(envFile, 'utf8'));
    assert.deepEqual(Object.keys(env), [
      'authority',
      'clientId',
      'apiUrl',
      'apiAudience',
      'foreignApiUrl',
      'managementAudience',
    ]);
    assert.match(env.authority, /^http:\/\/localhost:\d+$/);
    assert.equal(env.clientId, 'ngx-oidc-demo');
    assert.equal(env.apiAudience, 'https://api.ngx-oidc.test');
    assert.equal(env.managementAudience, 'https://management.override.test');
    assert.match(
      output,
      /Management API .*\/management .*audience https:\/\/management\.override\.test/,
    );

    const stats = await fetch(`${env.authority.replace('localhost', '127.0.0.1')}/__stats`);
    assert.deepEqual(await stats.json(), {
      token: { authorization_code: 0, refresh_token: 0 },
      authorize: 0,
    });
    const management = await fetch(`${env.apiUrl}/management/me`);
    assert.equal(management.headers.get('www-authenticate'), 'Bearer realm="management-api"');

    // Your own app on any loopback port: the banner names the development client, and the API
    // answers CORS requests from any loopback origin (allowLoopbackOrigins), not from others.
    assert.match(output, /Your own app .*client_id ngx-oidc-dev, authority http:\/\/localhost:\d+/);
    const preflight = (origin) =>
      fetch(`${env.apiUrl}/api/messages`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET' },
      });
    for (const origin of ['http://localhost:4321', 'http://127.0.0.1:8123', 'http://[::1]:5173']) {
      assert.equal(
        (await preflight(origin)).headers.get('access-control-allow-origin'),
        origin,
        origin,
      );
    }
    const evil = await preflight('http://localhost.evil.com:4321');
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
  });
});
