import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BrowserChatConfig, BrowserChatResult } from './browser/page.js';
import { type LocalStack, Players, startStack } from './support/stack.js';
import { nextEvent } from './support/wait.js';

let stack: LocalStack;
let players: Players;
let server: Server;
let pageUrl: string;
let browser: Browser;

/** Bundles the test page the way a game would bundle the SDK: for browsers, ESM. */
async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./browser/page.ts', import.meta.url))],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    conditions: ['source'],
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

beforeAll(async () => {
  const [script, started] = await Promise.all([bundlePage(), startStack()]);
  stack = started;
  players = new Players(stack);
  server = createServer((request, response) => {
    if (request.url === '/page.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else {
      response
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>chat</title><script type="module" src="/page.js"></script>');
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  server?.close();
  await players?.closeAll();
  await stack?.stop();
});

function pageConfig(playerId: string): BrowserChatConfig {
  return {
    endpoint: stack.urls.ws,
    apiUrl: stack.urls.api,
    authorizerName: stack.authorizerName,
    tokenKeyName: stack.tokenKeyName,
    tokenUrl: `${stack.urls.api}/dev/tokens`,
    playerId,
    channel: 'Lobby',
  };
}

it('works in a real browser: signed MQTT over WebSocket, history over fetch, both ways', async () => {
  const bot = await players.connect('bot');
  await bot.join('Lobby');
  await bot.send('Lobby', 'welcome to the lobby');
  bot.on('message', (message) => {
    if (message.text === 'hello from the browser') void bot.send('Lobby', 'hello browser');
  });
  const fromBrowser = nextEvent(bot, 'message', (message) => message.from.id === 'webplayer');

  const page = await browser.newPage();
  const pageErrors: Error[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  await page.goto(pageUrl);
  await page.waitForFunction(() => 'runChat' in globalThis);
  const config = pageConfig('webplayer');
  const result = await page.evaluate(
    (input) =>
      (globalThis as unknown as { runChat(c: typeof input): Promise<BrowserChatResult> }).runChat(
        input,
      ),
    config,
  );

  expect(result.history).toEqual(['welcome to the lobby']);
  expect(result.sent).toMatchObject({ text: 'hello from the browser', from: { id: 'webplayer' } });
  expect((await fromBrowser).id).toBe(result.sent.id);
  expect(result.reply).toMatchObject({ text: 'hello browser', from: { id: 'bot' } });
  expect(result.states).toEqual(['connecting', 'online', 'offline']);
  expect(pageErrors).toEqual([]);
  await page.close();
});

it("follows the browser's offline and online events by itself", async () => {
  const page = await browser.newPage();
  const pageErrors: Error[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  await page.goto(pageUrl);
  await page.waitForFunction(() => 'watchNetwork' in globalThis);
  await page.evaluate(
    (input) =>
      (globalThis as unknown as { watchNetwork(c: typeof input): Promise<void> }).watchNetwork(
        input,
      ),
    pageConfig('netplayer'),
  );
  const steps = () =>
    page.evaluate(() => [...(globalThis as unknown as { networkSteps: string[] }).networkSteps]);
  const stepsReach = (last: string) =>
    page.waitForFunction(
      (step) => (globalThis as unknown as { networkSteps: string[] }).networkSteps.includes(step),
      last,
    );

  await page.context().setOffline(true);
  await stepsReach('reconnecting:reconnect');
  await page.context().setOffline(false);
  await stepsReach('online:connected');

  expect(await steps()).toEqual([
    'offline:network_offline',
    'reconnecting:reconnect',
    'online:connected',
  ]);
  expect(pageErrors).toEqual([]);
  await page.close();
});
