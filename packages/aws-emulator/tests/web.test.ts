import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { resolveStaticPath, startWebServer, type WebServer } from '../src/web.js';

describe('resolveStaticPath', () => {
  it.each([
    ['/', '/srv/web/index.html'],
    ['/app.js', '/srv/web/app.js'],
    ['/a/../b.css', '/srv/web/b.css'],
    // `..` never climbs out of the root: it is clamped to it.
    ['/%2e%2e/secret', '/srv/web/secret'],
    ['/../../etc/passwd', '/srv/web/etc/passwd'],
    ['/..%2f..%2fetc/passwd', '/srv/web/etc/passwd'],
    ['/a%00b', undefined],
    ['/%E0%A4', undefined],
  ])('%s → %s', (path, expected) => {
    expect(resolveStaticPath('/srv/web', path)).toBe(expected);
  });

  it('never leaves the root, whatever the path', () => {
    fc.assert(
      fc.property(fc.string(), (path) => {
        const resolved = resolveStaticPath('/srv/web', `/${path}`);
        expect(resolved === undefined || resolved.startsWith('/srv/web/')).toBe(true);
      }),
    );
  });
});

describe('the web server', () => {
  let root: string;
  let web: WebServer;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'web-'));
    await mkdir(join(root, 'assets'));
    await writeFile(join(root, 'index.html'), '<h1>demo</h1>');
    await writeFile(join(root, 'assets', 'app.js'), 'console.log(1)');
    web = await startWebServer({
      host: '127.0.0.1',
      port: 0,
      root,
      config: { api: 'http://127.0.0.1:1' },
      log: createLogger({ mode: 'silent' }),
    });
  });
  afterAll(async () => {
    await web.close();
    await rm(root, { recursive: true, force: true });
  });

  it('serves the files with their content types', async () => {
    const index = await fetch(`${web.url}/`);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toBe('<h1>demo</h1>');
    const script = await fetch(`${web.url}/assets/app.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('serves the stack configuration for the page', async () => {
    expect(await (await fetch(`${web.url}/config.json`)).json()).toEqual({
      api: 'http://127.0.0.1:1',
    });
  });

  it('answers 404 for a missing file and 405 for a write', async () => {
    expect((await fetch(`${web.url}/missing.js`)).status).toBe(404);
    expect((await fetch(`${web.url}/`, { method: 'POST' })).status).toBe(405);
  });
});
