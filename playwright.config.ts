// Playwright e2e configuration: `npx playwright test` (or `npm run test:e2e`).
//
// Uses the system's Chromium (CHROME_BIN or scripts/ensure-chromium.mjs) —
// never `playwright install`. e2e/global-setup.ts builds the demo, starts the
// demo backend and a static server on free ports and stops them afterwards.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, devices } from '@playwright/test';

/**
 * CHROME_BIN if executable (scripts/test.mjs sets it), else the path printed by
 * scripts/ensure-chromium.mjs (run as a child: it is an ES module, this config
 * is loaded as CommonJS). Its stdout carries only the path.
 */
function chromiumPath(): string {
  const fromEnv = process.env['CHROME_BIN'];
  if (fromEnv) {
    try {
      accessSync(fromEnv, constants.X_OK);
      return fromEnv;
    } catch {
      /* fall through */
    }
  }
  const result = spawnSync(process.execPath, [join(__dirname, 'scripts', 'ensure-chromium.mjs')], {
    stdio: ['inherit', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  const path = result.stdout?.trim().split('\n').pop();
  if (result.status !== 0 || !path) {
    throw new Error('No Chromium found (see the message above); install it or set CHROME_BIN.');
  }
  return path;
}

const chromeBin = chromiumPath();
process.env['CHROME_BIN'] = chromeBin; // inherited by global setup and the workers

export default defineConfig({
  testDir: './e2e',
  testMatch: '**/*.spec.ts',
  outputDir: './dist/e2e-results',
  globalSetup: './e2e/global-setup.ts',
  // The demo build runs in global setup; this bounds the whole run.
  globalTimeout: 15 * 60_000,
  timeout: 60_000,
  // A state the app reaches after a page load, bootstrap and a provider round trip can take more
  // than 10 s on a loaded 2-core machine (seen: a callback's error shown just after 10 s at load
  // 24); a wait ends as soon as the state is there, so the bound costs nothing when it passes.
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: Number(process.env['E2E_WORKERS'] ?? 2),
  retries: 0,
  forbidOnly: true,
  reporter: [['list']],
  use: {
    ...devices['Desktop Chrome'],
    testIdAttribute: 'data-testid',
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: chromeBin,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-gpu',
        '--disable-dev-shm-usage',
      ],
    },
  },
  projects: [{ name: 'chromium' }],
});
