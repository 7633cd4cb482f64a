#!/usr/bin/env node
// Starts the demo backend: the local OpenID Provider and the demo API, and writes
// projects/demo/public/demo-env.json for the demo app. Prints `demo-backend ready` once both listen.
//
// Env: IDP_PORT (9000), API_PORT (3001), DEMO_PORT (4200), API_AUDIENCE, MANAGEMENT_AUDIENCE,
//      ACCESS_TOKEN_TTL, REFRESH_TOKEN_TTL, ID_TOKEN_TTL, SESSION_TTL (seconds),
//      API_CLOCK_TOLERANCE (seconds, default 5), DEMO_ENV_FILE (output path; '' = don't write).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { PASSWORD_USERS, SOCIAL_ACCOUNT } from './accounts.mjs';
import { startApi } from './api.mjs';
import { CLIENT_ID, DEV_CLIENT_ID, startProvider } from './provider.mjs';
import { DEFAULT_API_AUDIENCE, DEFAULT_MANAGEMENT_AUDIENCE } from './resources.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const DEFAULT_ENV_FILE = resolve(here, '../demo/public/demo-env.json');

function port(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new Error(`${name} must be a TCP port number, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function seconds(name) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive number of seconds, got ${JSON.stringify(raw)}`);
  }
  return value;
}

async function main() {
  const idpPort = port('IDP_PORT', 9000);
  const apiPort = port('API_PORT', 3001);
  const demoPort = port('DEMO_PORT', 4200);
  const audience = process.env.API_AUDIENCE || DEFAULT_API_AUDIENCE;
  const managementAudience = process.env.MANAGEMENT_AUDIENCE || DEFAULT_MANAGEMENT_AUDIENCE;
  const demoOrigins = [`http://localhost:${demoPort}`, `http://127.0.0.1:${demoPort}`];
  const log = (line) => console.log(line);

  const idp = await startProvider({
    port: idpPort,
    demoOrigins,
    apiAudience: audience,
    managementAudience,
    ttl: {
      AccessToken: seconds('ACCESS_TOKEN_TTL'),
      RefreshToken: seconds('REFRESH_TOKEN_TTL'),
      IdToken: seconds('ID_TOKEN_TTL'),
      Session: seconds('SESSION_TTL'),
    },
    log,
  });
  const api = await startApi({
    port: apiPort,
    issuer: idp.issuer,
    // Server-to-server: use the address the provider listens on (localhost may resolve to ::1).
    jwksUri: `http://127.0.0.1:${idp.port}/jwks`,
    audience,
    managementAudience,
    allowedOrigins: demoOrigins,
    allowLoopbackOrigins: true, // development backend: apps of the ngx-oidc-dev client on any port
    clockTolerance: process.env.API_CLOCK_TOLERANCE
      ? Number(process.env.API_CLOCK_TOLERANCE)
      : undefined,
    log,
  }).catch(async (err) => {
    await idp.close();
    throw err;
  });

  const env = {
    authority: idp.issuer,
    clientId: CLIENT_ID,
    apiUrl: api.url,
    apiAudience: audience,
    foreignApiUrl: `http://127.0.0.1:${api.port}`,
    managementAudience,
  };
  const envFile =
    process.env.DEMO_ENV_FILE === undefined ? DEFAULT_ENV_FILE : process.env.DEMO_ENV_FILE;
  if (envFile) {
    const target = resolve(envFile);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, `${JSON.stringify(env, null, 2)}\n`);
  }

  const users = PASSWORD_USERS.map((u) => `${u.username} / ${u.password} (${u.name})`);
  console.log(
    [
      '',
      `  Identity provider  ${idp.issuer}  (client_id ${CLIENT_ID}, discovery ${idp.issuer}/.well-known/openid-configuration)`,
      `  Demo API           ${api.url}  (audience ${audience}; also reachable as ${env.foreignApiUrl})`,
      `  Management API     ${api.url}/management  (audience ${managementAudience})`,
      `  Test stats         ${idp.issuer}/__stats  (POST /__stats/reset)`,
      `  Demo app           http://localhost:${demoPort}`,
      `  Your own app       any http://localhost:<port>: client_id ${DEV_CLIENT_ID}, authority ${idp.issuer}, audience ${audience}`,
      `  Users              ${users.join(', ')}; "Continue with DemoSocial" signs in ${SOCIAL_ACCOUNT.name}`,
      `  demo-env.json      ${envFile ? resolve(envFile) : '(not written: DEMO_ENV_FILE is empty)'}`,
      '',
    ].join('\n'),
  );
  console.log('demo-backend ready');

  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    console.log(`demo-backend: ${signal}, shutting down`);
    const timer = setTimeout(() => process.exit(0), 3000);
    timer.unref();
    await Promise.allSettled([api.close(), idp.close()]);
    process.exit(0);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err) => {
  console.error(
    `demo-backend failed to start: ${err?.code === 'EADDRINUSE' ? `${err.message} (port in use; set IDP_PORT / API_PORT)` : (err?.stack ?? err)}`,
  );
  process.exit(1);
});
