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

  it('writes demo-env.json with the existing keys plus managementAudience (MANAGEMENT_AUDIENCE) and the partner provider', async () => {
    dir = await mkdtemp(join(tmpdir(), 'demo-backend-'));
    const envFile = join(dir, 'demo-env.json');
    child = spawn(process.execPath, [MAIN], {
      env: {
        ...process.env,
        IDP_PORT: '0',
        API_PORT: '0',
        DEMO_ENV_FILE: envFile,
        MANAGEMENT_AUDIENCE: 'https://management.override.test',
        PARTNER_AUDIENCE: 'https://partner.override.test',
        IDP2_PORT: '', // IDP_PORT is set: the partner gets a free port too
        IDP2_COOP: 'same-origin',
        STEP_UP_MAX_AGE: '42',
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
      'partnerAuthority',
      'partnerClientId',
      'partnerAudience',
    ]);
    assert.match(env.authority, /^http:\/\/localhost:\d+$/);
    assert.equal(env.clientId, 'ngx-oidc-demo');
    assert.equal(env.apiAudience, 'https://api.ngx-oidc.test');
    assert.equal(env.managementAudience, 'https://management.override.test');
    assert.match(env.partnerAuthority, /^http:\/\/localhost:\d+$/);
    assert.notEqual(env.partnerAuthority, env.authority);
    assert.equal(env.partnerClientId, 'ngx-oidc-demo');
    assert.equal(env.partnerAudience, 'https://partner.override.test');
    assert.match(output, /Partner provider +http:\/\/localhost:\d+ /);
    assert.match(output, /one-time code 123456/);
    assert.match(output, /max_age 42/);
    assert.match(output, /always on the partner \(IDP2_COOP\)/);
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
    const partnerApi = await fetch(`${env.apiUrl}/partner/me`);
    assert.equal(partnerApi.headers.get('www-authenticate'), 'Bearer realm="partner-api"');
    const stepUp = await fetch(`${env.apiUrl}/api/step-up`);
    assert.equal(stepUp.headers.get('www-authenticate'), 'Bearer realm="demo-api"');

    // The partner: its own issuer, the audience from PARTNER_AUDIENCE, COOP always (IDP2_COOP).
    const partner = env.partnerAuthority.replace('localhost', '127.0.0.1');
    const discovery = await (await fetch(`${partner}/.well-known/openid-configuration`)).json();
    assert.equal(discovery.issuer, env.partnerAuthority);
    const auth = await fetch(
      `${partner}/auth?${new URLSearchParams({
        client_id: 'ngx-oidc-demo',
        redirect_uri: 'http://localhost:4200/callback',
        response_type: 'code',
        scope: 'openid read:partner',
        audience: 'https://partner.override.test',
        code_challenge: 'x'.repeat(43),
        code_challenge_method: 'S256',
      })}`,
      { redirect: 'manual' },
    );
    assert.equal(auth.status, 303);
    assert.match(auth.headers.get('location'), /^\/interaction\//, 'the audience is known there');
    assert.equal(auth.headers.get('cross-origin-opener-policy'), 'same-origin');

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
