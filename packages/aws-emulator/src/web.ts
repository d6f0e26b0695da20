import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import type { Logger } from './logger.js';
import { closeServer, listen, urlHost } from './servers.js';

/**
 * Serves a built web demo (static files) and `/config.json`, which tells the page where the
 * stack's endpoints are: the same file `scripts/deploy.mjs` writes for an AWS deployment.
 */

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export interface WebServerOptions {
  readonly host: string;
  readonly port: number;
  readonly root: string;
  /** Served as `/config.json`, in place of any such file in `root`. */
  readonly config: unknown;
  readonly log: Logger;
}

export interface WebServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Maps a URL path inside `root`; undefined when it would leave it. */
export function resolveStaticPath(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const relative = normalize(decoded).replace(/^([/\\])+/, '');
  const path = join(root, relative === '' ? 'index.html' : relative);
  const base = root.endsWith(sep) ? root : `${root}${sep}`;
  return path.startsWith(base) ? path : undefined;
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const config = JSON.stringify(options.config);

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const urlPath = (request.url ?? '/').split('?')[0] as string;
    if (urlPath === '/config.json') {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : config);
      return;
    }
    let path = resolveStaticPath(options.root, urlPath);
    if (path !== undefined && (await stat(path).catch(() => undefined))?.isDirectory()) {
      path = join(path, 'index.html');
    }
    const file = path === undefined ? undefined : await stat(path).catch(() => undefined);
    if (path === undefined || !file?.isFile()) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n');
      return;
    }
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
      'content-length': file.size,
      'cache-control': 'no-cache',
    });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    createReadStream(path)
      .on('error', (error) => {
        options.log.warn('static file read failed', { path, error });
        response.destroy();
      })
      .pipe(response);
  }

  const server = createServer((request, response) => void handle(request, response));
  const port = await listen(server, options.port, options.host);
  return { url: `http://${urlHost(options.host)}:${port}`, close: () => closeServer(server) };
}
