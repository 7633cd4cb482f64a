// Headless Chromium for the bench (playwright-core through @playwright/test; system Chromium).
import { accessSync, constants } from 'node:fs';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { chromium } from '@playwright/test';

export function chromiumPath() {
  for (const p of [process.env.CHROME_BIN, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (!p) continue;
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  throw new Error('no Chromium found: set CHROME_BIN');
}

export function launch() {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--js-flags=--expose-gc',
    ],
  });
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.ico': 'image/x-icon',
};

/**
 * A static server for a built Angular app on 127.0.0.1:0 with SPA fallback. `overrides` maps
 * a path to a function returning a JSON value (e.g. /demo-env.json), read at each request.
 */
export async function serveStatic(rootDir, overrides = {}) {
  const root = resolve(rootDir);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    res.setHeader('Cache-Control', 'no-store');
    if (overrides[path]) {
      res.setHeader('Content-Type', TYPES['.json']);
      res.end(JSON.stringify(overrides[path]()));
      return;
    }
    let file = resolve(join(root, path));
    if (!file.startsWith(root + sep) || !existsSync(file) || statSync(file).isDirectory()) {
      file = join(root, 'index.html');
    }
    res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
    createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    port,
    url: `http://localhost:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Median, min, max, p10/p90 of a list of numbers, rounded to `digits` decimals. */
export function summarize(values, digits = 2) {
  const s = [...values].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))];
  const f = 10 ** digits;
  const r = (x) => Math.round(x * f) / f;
  return { n: s.length, median: r(q(0.5)), p10: r(q(0.1)), p90: r(q(0.9)), min: r(s[0]), max: r(s[s.length - 1]) };
}
