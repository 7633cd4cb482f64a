#!/usr/bin/env node
// Starts the demo backend: the local OpenID Provider, the second ("partner") provider and the demo
// API, and writes projects/demo/public/demo-env.json for the demo app. Prints `demo-backend ready`
// once all three listen.
//
// Env: IDP_PORT (9000), IDP2_PORT (9001 when IDP_PORT is unset, else 0 = a free port), API_PORT
//      (3001), DEMO_PORT (4200), API_AUDIENCE, MANAGEMENT_AUDIENCE, PARTNER_AUDIENCE,
//      ACCESS_TOKEN_TTL, REFRESH_TOKEN_TTL, ID_TOKEN_TTL, SESSION_TTL (seconds),
//      API_CLOCK_TOLERANCE (seconds, default 5), STEP_UP_MAX_AGE (seconds, default 60),
//      IDP_COOP / IDP2_COOP ('same-origin': always send Cross-Origin-Opener-Policy on the sign-in
//      pages), IDP_DPOP_NONCE / IDP2_DPOP_NONCE / API_DPOP_NONCE ('required' (default) or 'off':
//      DPoP nonces at the token endpoints and at the API), API_DPOP_NONCE_TTL (seconds, default 300),
//      DEMO_ENV_FILE (output path; '' = don't write).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { PASSWORD_USERS, SOCIAL_ACCOUNT } from './accounts.mjs';
import { ACR_MFA, ONE_TIME_CODE } from './acr.mjs';
import { DEFAULT_STEP_UP_MAX_AGE, startApi } from './api.mjs';
import { COOP_PARAM, COOP_SAME_ORIGIN } from './coop.mjs';
import { startPartnerProvider } from './partner.mjs';
import { CLIENT_ID, DEV_CLIENT_ID, startProvider } from './provider.mjs';
import {
  DEFAULT_API_AUDIENCE,
  DEFAULT_MANAGEMENT_AUDIENCE,
  DEFAULT_PARTNER_AUDIENCE,
} from './resources.mjs';

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

function coop(name) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw !== COOP_SAME_ORIGIN) {
    throw new Error(`${name} must be ${COOP_SAME_ORIGIN} or empty, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

/** 'required' (default) or 'off'. */
function dpopNonce(name) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return 'required';
  if (raw !== 'required' && raw !== 'off') {
    throw new Error(`${name} must be required or off, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

async function main() {
  const idpPort = port('IDP_PORT', 9000);
  // A fixed default only next to the fixed default of IDP_PORT: whoever picks IDP_PORT (e2e picks
  // free ports) gets a free port here, read back from demo-env.json (partnerAuthority).
  const idp2Port = port('IDP2_PORT', process.env.IDP_PORT ? 0 : 9001);
  const apiPort = port('API_PORT', 3001);
  const demoPort = port('DEMO_PORT', 4200);
  const audience = process.env.API_AUDIENCE || DEFAULT_API_AUDIENCE;
  const managementAudience = process.env.MANAGEMENT_AUDIENCE || DEFAULT_MANAGEMENT_AUDIENCE;
  const partnerAudience = process.env.PARTNER_AUDIENCE || DEFAULT_PARTNER_AUDIENCE;
  const stepUpMaxAge = seconds('STEP_UP_MAX_AGE') ?? DEFAULT_STEP_UP_MAX_AGE;
  const demoOrigins = [`http://localhost:${demoPort}`, `http://127.0.0.1:${demoPort}`];
  const log = (line) => console.log(line);

  const ttl = {
    AccessToken: seconds('ACCESS_TOKEN_TTL'),
    RefreshToken: seconds('REFRESH_TOKEN_TTL'),
    IdToken: seconds('ID_TOKEN_TTL'),
    Session: seconds('SESSION_TTL'),
  };
  const idp = await startProvider({
    port: idpPort,
    demoOrigins,
    apiAudience: audience,
    managementAudience,
    crossOriginOpenerPolicy: coop('IDP_COOP'),
    dpopNonce: dpopNonce('IDP_DPOP_NONCE'),
    ttl,
    log,
  });
  const idp2 = await startPartnerProvider({
    port: idp2Port,
    demoOrigins,
    audience: partnerAudience,
    crossOriginOpenerPolicy: coop('IDP2_COOP'),
    dpopNonce: dpopNonce('IDP2_DPOP_NONCE'),
    ttl,
    log,
  }).catch(async (err) => {
    await idp.close();
    throw err;
  });
  const api = await startApi({
    port: apiPort,
    issuer: idp.issuer,
    // Server-to-server: use the address the provider listens on (localhost may resolve to ::1).
    jwksUri: `http://127.0.0.1:${idp.port}/jwks`,
    audience,
    managementAudience,
    partner: {
      issuer: idp2.issuer,
      jwksUri: `http://127.0.0.1:${idp2.port}/jwks`,
      audience: partnerAudience,
    },
    stepUpMaxAge,
    allowedOrigins: demoOrigins,
    allowLoopbackOrigins: true, // development backend: apps of the ngx-oidc-dev client on any port
    clockTolerance: process.env.API_CLOCK_TOLERANCE
      ? Number(process.env.API_CLOCK_TOLERANCE)
      : undefined,
    dpopNonce: dpopNonce('API_DPOP_NONCE') === 'required',
    dpopNonceTtl: seconds('API_DPOP_NONCE_TTL'),
    log,
  }).catch(async (err) => {
    await Promise.allSettled([idp.close(), idp2.close()]);
    throw err;
  });

  const env = {
    authority: idp.issuer,
    clientId: CLIENT_ID,
    apiUrl: api.url,
    apiAudience: audience,
    foreignApiUrl: `http://127.0.0.1:${api.port}`,
    managementAudience,
    partnerAuthority: idp2.issuer,
    partnerClientId: CLIENT_ID,
    partnerAudience,
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
      `  Step-up API        ${api.url}/api/step-up, ${api.url}/api/step-up/recent (acr ${ACR_MFA}; /recent: max_age ${stepUpMaxAge})`,
      `  DPoP               ${api.url}/api/dpop/messages (DPoP-bound tokens only); nonces: token endpoint ${dpopNonce('IDP_DPOP_NONCE')}, API ${dpopNonce('API_DPOP_NONCE')}`,
      `  Partner provider   ${idp2.issuer}  (second provider: client_id ${CLIENT_ID}, the same users)`,
      `  Partner API        ${api.url}/partner/me  (audience ${partnerAudience}; tokens of ${idp2.issuer} only)`,
      `  Two-step sign-in   acr_values=${ACR_MFA} asks for the one-time code ${ONE_TIME_CODE}`,
      `  COOP               ${COOP_PARAM}=${COOP_SAME_ORIGIN} per login${coop('IDP_COOP') ? '; always on the first provider (IDP_COOP)' : ''}${coop('IDP2_COOP') ? '; always on the partner (IDP2_COOP)' : ''}`,
      `  Test stats         ${idp.issuer}/__stats, ${idp2.issuer}/__stats  (POST /__stats/reset)`,
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
    await Promise.allSettled([api.close(), idp.close(), idp2.close()]);
    process.exit(0);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err) => {
  console.error(
    `demo-backend failed to start: ${err?.code === 'EADDRINUSE' ? `${err.message} (port in use; set IDP_PORT / IDP2_PORT / API_PORT)` : (err?.stack ?? err)}`,
  );
  process.exit(1);
});
