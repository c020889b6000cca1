// A tiny static server for dist/ on 127.0.0.1 and a free port, under a sub-path so the specs
// also prove that the site uses relative URLs only.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.webmanifest': 'application/manifest+json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.bpk': 'application/octet-stream',
};

/**
 * Serves `root` at `http://127.0.0.1:<free port><base>`. Resolves to
 * `{ url, requests, close() }`; `requests` lists every path asked for, with its status.
 */
export async function serve(root, { base = '/genrescope/app/' } = {}) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    const status = await respond(root, base, path, res);
    requests.push({ method: req.method, path, status });
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ok);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}${base}`,
    requests,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}

async function respond(root, base, path, res) {
  if (!path.startsWith(base)) {
    return fail(res, 404);
  }
  let relative = path.slice(base.length) || 'index.html';
  if (relative.endsWith('/')) relative += 'index.html';
  const file = normalize(join(root, relative));
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) {
    return fail(res, 403);
  }
  try {
    const info = await stat(file);
    if (!info.isFile()) return fail(res, 404);
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(res);
    return 200;
  } catch {
    return fail(res, 404);
  }
}

function fail(res, status) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${status}\n`);
  return status;
}
