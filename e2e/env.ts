// Shared paths and the runtime environment handed from global setup to specs.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..');
/** Output folder of the e2e demo build (`ng build demo --output-path`). */
export const DEMO_DIST = join(REPO_ROOT, 'dist', 'e2e-demo');
/** Folder served by scripts/serve-static.mjs. */
export const DEMO_BROWSER_DIR = join(DEMO_DIST, 'browser');
/** Written by the backend (`DEMO_ENV_FILE`), fetched by the demo app. */
export const DEMO_ENV_FILE = join(DEMO_BROWSER_DIR, 'demo-env.json');
/** Written by global setup for the specs (not served). */
export const E2E_ENV_FILE = join(DEMO_DIST, 'e2e-env.json');
/** Logs of the processes started by global setup. */
export const LOG_DIR = join(REPO_ROOT, 'dist', 'e2e-logs');

export interface E2eEnv {
  /** http://localhost:<DEMO_PORT> (no trailing slash) */
  demoUrl: string;
  /** http://localhost:<IDP_PORT> */
  issuer: string;
  /** http://localhost:<API_PORT> */
  apiUrl: string;
  /** http://127.0.0.1:<API_PORT> */
  foreignApiUrl: string;
  ports: { idp: number; api: number; demo: number };
  /** Contents of demo-env.json as written by the backend. */
  demoEnv: {
    authority?: string;
    clientId?: string;
    apiUrl?: string;
    apiAudience?: string;
    foreignApiUrl?: string;
    [key: string]: unknown;
  };
}

/** Reads the environment written by global setup (env vars take precedence for the URLs). */
export function readE2eEnv(): E2eEnv {
  const env = JSON.parse(
    readFileSync(process.env['E2E_ENV_FILE'] ?? E2E_ENV_FILE, 'utf8'),
  ) as E2eEnv;
  return {
    ...env,
    demoUrl: process.env['E2E_DEMO_URL'] ?? env.demoUrl,
    issuer: process.env['E2E_ISSUER'] ?? env.issuer,
    apiUrl: process.env['E2E_API_URL'] ?? env.apiUrl,
    foreignApiUrl: process.env['E2E_FOREIGN_API_URL'] ?? env.foreignApiUrl,
  };
}
