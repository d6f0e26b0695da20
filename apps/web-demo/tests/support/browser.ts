import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createLocalStack } from '@game-chat/aws-emulator';
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
  type WebSocketRoute,
} from 'playwright-core';
import { expect } from 'vitest';

export type LocalStack = Awaited<ReturnType<typeof createLocalStack>>;

/** The demo as `pnpm build` left it: the tests drive the very files the stack serves. */
export const WEB_ROOT = fileURLToPath(new URL('../../dist/', import.meta.url));
/**
 * Screenshots of every run go to `test-results/` (ignored by git); with `UPDATE_SCREENSHOTS=1`
 * they replace the committed ones in `docs/screenshots/` that the READMEs show.
 */
export const SCREENSHOT_DIR = fileURLToPath(
  process.env.UPDATE_SCREENSHOTS === '1'
    ? new URL('../../../../docs/screenshots/', import.meta.url)
    : new URL('../../test-results/screenshots/', import.meta.url),
);

/** The whole chat on free ports, serving the built demo; `settings` are CHAT_* overrides. */
export function startDemoStack(settings: Record<string, string> = {}): Promise<LocalStack> {
  if (!existsSync(`${WEB_ROOT}index.html`)) {
    throw new Error(`${WEB_ROOT} has no index.html: run "pnpm build" in apps/web-demo first`);
  }
  return createLocalStack({
    mqttPort: 0,
    wsPort: 0,
    apiPort: 0,
    iotDataPort: 0,
    webPort: 0,
    webRoot: WEB_ROOT,
    log: 'silent',
    // Apart from other test runs that may share a REDIS_URL.
    settings: { CHAT_REDIS_KEY_PREFIX: `webdemo-${process.pid}-${stacks++}`, ...settings },
  });
}

let stacks = 0;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface PlayerOptions {
  readonly role?: 'player' | 'moderator';
  /** Joined after signing in (everyone lands in Town137 first). */
  readonly channel?: string;
  readonly viewport?: { readonly width: number; readonly height: number };
  /**
   * False: the page's WebSockets go straight to the stack, not through Playwright's route (which
   * relays every frame through this process and would dominate a load test); `goOffline`
   * then cannot cut them.
   */
  readonly routeWebSockets?: boolean;
}

/**
 * One playtester: a browser context of its own (own storage, own connection), with every
 * dialog, page error and WebSocket it opens recorded, and a switch that cuts its network.
 */
export class Player {
  readonly dialogs: string[] = [];
  readonly pageErrors: Error[] = [];
  readonly webSockets: string[] = [];
  readonly #sockets = new Set<WebSocketRoute>();
  #offline = false;

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {
    page.on('dialog', (dialog) => {
      this.dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => this.pageErrors.push(error));
    page.on('websocket', (socket) => this.webSockets.push(socket.url()));
  }

  /** Opens the demo without signing in. */
  static async open(browser: Browser, stack: LocalStack, options: PlayerOptions = {}) {
    const context = await browser.newContext({
      viewport: options.viewport ?? { width: 1200, height: 860 },
    });
    const page = await context.newPage();
    const player = new Player(context, page);
    // Every MQTT WebSocket goes through this route, so `goOffline` can cut it like a network.
    if (options.routeWebSockets !== false) {
      await page.routeWebSocket(/\/mqtt/, (socket) => {
        if (player.#offline) {
          void socket.close({ code: 1001, reason: 'network down' });
          return;
        }
        socket.connectToServer();
        player.#sockets.add(socket);
        socket.onClose(() => player.#sockets.delete(socket));
      });
    }
    await page.goto(stack.urls.web as string);
    return player;
  }

  /** Opens the demo, signs in with a development token and joins `options.channel`. */
  static async signIn(
    browser: Browser,
    stack: LocalStack,
    name: string,
    options: PlayerOptions = {},
  ) {
    const player = await Player.open(browser, stack, options);
    const { page } = player;
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
    if (options.role === 'moderator') await page.getByRole('radio', { name: 'Moderator' }).check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await player.status('online');
    await player.joined('Town137');
    if (options.channel) await player.join(options.channel);
    return player;
  }

  get log(): Locator {
    return this.page.getByRole('log', { name: 'Messages' });
  }

  /** Chat, announcement and whisper rows whose text contains `text`. */
  row(text: string): Locator {
    return this.log
      .locator('li.msg')
      .filter({ has: this.page.locator('.msg__text', { hasText: text }) });
  }

  /** Divider lines: channel joined, connection lost, messages missed. */
  marker(text: string | RegExp): Locator {
    return this.log.locator('li.marker').filter({ hasText: text });
  }

  /** The texts of the chat rows, top to bottom. */
  texts(): Promise<string[]> {
    return this.log.locator('li.msg--chat .msg__text').allTextContents();
  }

  async status(state: 'online' | 'reconnecting' | 'offline'): Promise<void> {
    await this.page.locator(`#status[data-state="${state}"]`).waitFor();
  }

  /** Types into the message box and presses Enter. */
  async say(text: string): Promise<void> {
    await this.page.getByRole('textbox', { name: 'Message' }).fill(text);
    await this.page.getByRole('textbox', { name: 'Message' }).press('Enter');
  }

  async join(channel: string): Promise<void> {
    await this.page.getByRole('textbox', { name: 'Channel' }).fill(channel);
    await this.page.getByRole('button', { name: 'Join' }).click();
    await this.joined(channel);
  }

  /** Waits until the channel's history is shown (the header line says how much there was). */
  async joined(channel: string): Promise<void> {
    await this.marker(
      new RegExp(`^#${channel}: (no recent messages|\\d+ recent message)`),
    ).waitFor();
  }

  /** Cuts the network: open MQTT sockets die, new ones are refused, `fetch` fails. */
  async goOffline(): Promise<void> {
    this.#offline = true;
    await this.context.setOffline(true);
    await Promise.all([...this.#sockets].map((socket) => socket.close({ code: 1001 })));
  }

  /** Brings the network back; the browser's `online` event lets the SDK retry at once. */
  async goOnline(): Promise<void> {
    this.#offline = false;
    await this.context.setOffline(false);
  }

  async screenshot(name: string): Promise<void> {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await this.page.screenshot({ path: `${SCREENSHOT_DIR}${name}.png` });
  }

  /** Nothing went wrong in the page: no uncaught error, no dialog (an alert would be XSS). */
  expectClean(): void {
    expect(this.pageErrors).toEqual([]);
    expect(this.dialogs).toEqual([]);
  }

  close(): Promise<void> {
    return this.context.close();
  }
}
