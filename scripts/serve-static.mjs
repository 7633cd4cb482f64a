#!/usr/bin/env node
// Tiny static file server for a built Angular app (used by the e2e tests).
//
//   node scripts/serve-static.mjs <root-dir> [--port=4200] [--host=127.0.0.1]
//   (PORT / HOST env vars work too)
//
// - correct content types, `Cache-Control: no-store` on every response
// - SPA fallback: unknown paths without a file extension (or any GET that
//   accepts text/html) get index.html
// - only files inside <root-dir> are served
// - prints `serve-static ready http://<host>:<port>/` once listening
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json',
};

async function fileOrUndefined(file) {
  try {
    const s = await stat(file);
    return s.isFile() ? s : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts the server. Returns the node:http Server (already listening).
 * @param {{ root: string, port?: number, host?: string, quiet?: boolean }} options
 */
export function serveStatic({ root, port = 0, host = '127.0.0.1', quiet = false }) {
  const rootDir = resolve(root);
  const indexFile = join(rootDir, 'index.html');

  const server = createServer(async (req, res) => {
    const send = (status, type, body) => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('Allow', 'GET, HEAD');
        return send(405, 'text/plain; charset=utf-8', 'Method Not Allowed');
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      let pathname;
      try {
        pathname = decodeURIComponent(url.pathname);
      } catch {
        return send(400, 'text/plain; charset=utf-8', 'Bad Request');
      }
      let file = resolve(rootDir, '.' + pathname);
      if (file !== rootDir && !file.startsWith(rootDir + sep)) {
        return send(403, 'text/plain; charset=utf-8', 'Forbidden');
      }
      let info = await fileOrUndefined(file);
      if (!info && pathname.endsWith('/')) {
        file = join(file, 'index.html');
        info = await fileOrUndefined(file);
      }
      if (!info) {
        const acceptsHtml = (req.headers.accept ?? '').includes('text/html');
        if (extname(pathname) === '' || acceptsHtml) {
          file = indexFile; // SPA fallback (client-side routes such as /callback)
          info = await fileOrUndefined(file);
        }
      }
      if (!info) return send(404, 'text/plain; charset=utf-8', 'Not Found');

      res.writeHead(200, {
        'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': info.size,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file)
        .on('error', () => res.destroy())
        .pipe(res);
    } catch (err) {
      if (!res.headersSent) send(500, 'text/plain; charset=utf-8', 'Internal Server Error');
      else res.destroy();
      if (!quiet) console.error('[serve-static]', err);
    }
  });

  server.listen(port, host, () => {
    const addr = server.address();
    if (!quiet) console.log(`serve-static ready http://${host}:${addr.port}/ (root: ${rootDir})`);
  });
  return server;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  const opt = (name) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const root = args.find((a) => !a.startsWith('--'));
  if (!root) {
    console.error('usage: node scripts/serve-static.mjs <root-dir> [--port=N] [--host=H]');
    process.exit(2);
  }
  const port = Number(opt('port') ?? process.env.PORT ?? 4200);
  const host = opt('host') ?? process.env.HOST ?? '127.0.0.1';
  const server = serveStatic({ root, port, host });
  server.on('error', (err) => {
    console.error(`[serve-static] ${err.message}`);
    process.exit(1);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
