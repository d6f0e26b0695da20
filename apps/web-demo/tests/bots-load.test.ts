import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BOTS } from '../src/bots.js';
import { type LocalStack, launchChromium, Player, startDemoStack } from './support/browser.js';

/**
 * The playtest of issue 17: the bots panel at 200 bots and 20 messages/s in the tester's room.
 * It asserts behaviour only (every bot online, messages flowing, the tester's own messages
 * shown) and reports the figures (console and `test-results/bots-load.json`), which depend on
 * the machine and what else runs on it: no wall-clock assertion.
 */
const BOTS = MAX_BOTS;
const RATE = 20;
/** Sends after all bots are online: the panel's percentiles cover the latest 500 sends. */
const MEASURED_SENDS = 500;
/** The tester's own messages, spread over the measured sends. */
const OWN_MESSAGES = 3;
const RESULTS = fileURLToPath(new URL('../test-results/bots-load.json', import.meta.url));

let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startDemoStack();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/**
 * CPU seconds used so far by this process and everything it started (the stack runs in it;
 * Redis and Chromium are its children), from /proc (Linux; clock ticks of 10 ms).
 */
function cpuSecondsOfTestTree(): number {
  const stats = new Map<number, { parent: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // Ended meanwhile.
    }
    // Fields after the command name (which may hold spaces), from field 3 (state) on.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
    stats.set(Number(entry), { parent: Number(fields[1]), ticks });
  }
  const inTree = (pid: number): boolean => {
    for (let at = pid; at > 1; at = stats.get(at)?.parent ?? 0) if (at === process.pid) return true;
    return false;
  };
  let ticks = 0;
  for (const [pid, stat] of stats) if (inTree(pid)) ticks += stat.ticks;
  return ticks / 100;
}

function eventually<T>(read: () => Promise<T>, timeout: number) {
  return expect.poll(read, { timeout, interval: 100 });
}

const stat = async (page: Page, id: string) =>
  (await page.locator(`#stat-${id}`).textContent()) ?? '';
const count = async (page: Page, id: string) => Number(await stat(page, id));
const millis = (text: string) => (/^(\d+) ms$/.exec(text)?.[1] ?? null) as string | null;

/**
 * Types `text`, presses Enter and resolves with the time in the page from the Enter key to
 * its row in the log (a MutationObserver, so Playwright's own round trips are not counted).
 */
async function ownMessageDelay(page: Page, text: string): Promise<number> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await page.evaluate((expected) => {
    const scope = window as unknown as { ownRowShown?: Promise<number> };
    const input = document.querySelector('#message') as HTMLElement;
    const log = document.querySelector('[role="log"]') as HTMLElement;
    scope.ownRowShown = new Promise((resolve) => {
      let pressedAt: number | undefined;
      const onKey = (event: KeyboardEvent) => {
        if (event.key === 'Enter') pressedAt = performance.now();
      };
      input.addEventListener('keydown', onKey, { capture: true });
      const watcher = new MutationObserver((records) => {
        const shown = records.some((record) =>
          [...record.addedNodes].some(
            (node) =>
              node instanceof HTMLElement &&
              node.querySelector('.msg__text')?.textContent === expected,
          ),
        );
        if (!shown || pressedAt === undefined) return;
        watcher.disconnect();
        input.removeEventListener('keydown', onKey, { capture: true });
        resolve(performance.now() - pressedAt);
      });
      watcher.observe(log, { childList: true, subtree: true });
    });
  }, text);
  await box.press('Enter');
  return page.evaluate(() => (window as unknown as { ownRowShown: Promise<number> }).ownRowShown);
}

describe(`bots panel: ${BOTS} bots at ${RATE} messages/s in one room`, () => {
  it('connects every bot, keeps messages flowing and shows the tester’s own messages; reports the figures', async () => {
    const tester = await Player.signIn(browser, stack, 'Tess', {
      channel: 'Arena',
      routeWebSockets: false,
    });
    const { page } = tester;
    // Main-thread tasks over 50 ms: how often the page could not respond at once.
    await page.evaluate(() => {
      const scope = window as unknown as { longTasks: number[] };
      scope.longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) scope.longTasks.push(entry.duration);
      }).observe({ type: 'longtask' });
    });
    await page.getByText('Playtest bots', { exact: true }).click();
    await page.getByRole('spinbutton', { name: 'Number of bots' }).fill(String(BOTS));
    await page.getByRole('spinbutton', { name: 'Messages per second' }).fill(String(RATE));
    const started = performance.now();
    await page.getByRole('button', { name: 'Start bots' }).click();

    await eventually(() => count(page, 'connected'), 240_000).toBe(BOTS);
    const connectSeconds = (performance.now() - started) / 1000;
    const sentWhenAllOnline = await count(page, 'sent');
    const measuredFrom = performance.now();
    const cpuFrom = cpuSecondsOfTestTree();

    const ownDelays: number[] = [];
    for (let n = 1; n <= OWN_MESSAGES; n++) {
      // Spread over the measured sends: wait for the bots' traffic, not for a time.
      const due = sentWhenAllOnline + Math.round((n * MEASURED_SENDS) / (OWN_MESSAGES + 1));
      await eventually(() => count(page, 'sent'), 120_000).toBeGreaterThanOrEqual(due);
      ownDelays.push(await ownMessageDelay(page, `tester message ${n} amid the bots`));
    }
    await eventually(() => count(page, 'sent'), 120_000).toBeGreaterThanOrEqual(
      sentWhenAllOnline + MEASURED_SENDS,
    );
    const measuredSeconds = (performance.now() - measuredFrom) / 1000;
    const cpuSeconds = cpuSecondsOfTestTree() - cpuFrom;

    const figures = {
      bots: BOTS,
      ratePerSecond: RATE,
      connected: await count(page, 'connected'),
      secondsToConnectAll: Number(connectSeconds.toFixed(1)),
      botLatencyP50Ms: Number(millis(await stat(page, 'p50'))),
      botLatencyP95Ms: Number(millis(await stat(page, 'p95'))),
      botUntilStoredP95Ms: Number(millis(await stat(page, 'p95-stored'))),
      ownMessageMs: ownDelays.map((delay) => Math.round(delay)),
      pageMessagesPerSecond: Number(await stat(page, 'rate')),
      sentPerSecond: Number(
        (((await count(page, 'sent')) - sentWhenAllOnline) / measuredSeconds).toFixed(1),
      ),
      sent: await count(page, 'sent'),
      refused: await count(page, 'refused'),
      note: await page.locator('#bots-note').textContent(),
      longTasksOver50Ms: await page.evaluate(() => {
        const tasks = (window as unknown as { longTasks: number[] }).longTasks;
        return { count: tasks.length, maxMs: Math.round(Math.max(0, ...tasks)) };
      }),
      // Stack, Redis and Chromium together, while measuring: the share of one core they used.
      testCpuPercentOfOneCore: Math.round((100 * cpuSeconds) / measuredSeconds),
      loadAverage: loadavg().map((load) => Number(load.toFixed(1))),
    };
    mkdirSync(fileURLToPath(new URL('../test-results/', import.meta.url)), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`bots panel figures (${RESULTS}):\n${JSON.stringify(figures, null, 2)}`);

    // Behaviour, not speed: every bot online, none failed, no message lost, bot messages reach
    // the page and are timed by the observer, and the tester's own messages were shown.
    expect(figures.connected).toBe(BOTS);
    expect(figures.note).not.toMatch(/failed|lost/);
    expect(millis(await stat(page, 'p95'))).not.toBeNull();
    expect(figures.pageMessagesPerSecond).toBeGreaterThan(0);
    expect(ownDelays).toHaveLength(OWN_MESSAGES);
    const senders = await tester.log.locator('li.msg--chat .msg__from').allTextContents();
    expect(new Set(senders).size).toBeGreaterThan(10);

    await page.getByRole('button', { name: 'Stop bots' }).click();
    await eventually(() => stat(page, 'connected'), 60_000).toBe('0');
    tester.expectClean();
  }, 480_000);
});

describe('bots panel: refusals', () => {
  let limited: LocalStack;
  beforeAll(async () => {
    limited = await startDemoStack({ CHAT_CHANNEL_RATE_PER_SECOND: '2' });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  it('counts messages the server refuses; the bots wait and keep talking', async () => {
    const tester = await Player.signIn(browser, limited, 'Rae', {
      channel: 'Busy',
      routeWebSockets: false,
    });
    const { page } = tester;
    await page.getByText('Playtest bots', { exact: true }).click();
    await page.getByRole('spinbutton', { name: 'Number of bots' }).fill('10');
    await page.getByRole('spinbutton', { name: 'Messages per second' }).fill('10');
    await page.getByRole('button', { name: 'Start bots' }).click();

    await eventually(() => count(page, 'connected'), 60_000).toBe(10);
    // The channel takes 2 of the 10 messages/s: the rest come back as rate limit notices.
    await eventually(() => count(page, 'refused'), 30_000).toBeGreaterThanOrEqual(10);
    expect(await page.locator('#bots-note').textContent()).toMatch(/^10 of 10 bots online/);
    const refused = await count(page, 'refused');
    const shown = (await tester.texts()).length;
    // Refused bots talk again after retryAfterMs: accepted messages keep arriving and are timed.
    await eventually(async () => (await tester.texts()).length, 30_000).toBeGreaterThan(shown + 4);
    await eventually(() => count(page, 'refused'), 30_000).toBeGreaterThan(refused);
    expect(millis(await stat(page, 'p95'))).not.toBeNull();
    await page.getByRole('button', { name: 'Stop bots' }).click();
    await eventually(() => stat(page, 'connected'), 30_000).toBe('0');
    tester.expectClean();
  }, 180_000);
});
