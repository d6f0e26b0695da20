import { type ChatClient, ChatError, createChatClient } from '@game-chat/client';
import { botName, randomLine } from './bot-lines.js';
import { fetchDevToken } from './dev-token.js';
import { connectionOptions, type DemoSettings } from './settings.js';
import { LatencyRecorder, type LatencySummary, Pacer } from './stats.js';

export const MAX_BOTS = 200;
/** Bots connecting at once: enough to fill 200 quickly, few enough not to stall the page. */
const SPAWN_CONCURRENCY = 8;
const TICK_MS = 50;

export interface BotSwarmOptions {
  readonly settings: DemoSettings;
  readonly channel: string;
  /** 1-200 bots. */
  readonly count: number;
  /** Messages per second, all bots together. */
  readonly ratePerSecond: number;
}

export interface BotStats {
  readonly channel: string;
  readonly target: number;
  /** Bots online in the channel now. */
  readonly connected: number;
  /** Bots that could not connect or join. */
  readonly failed: number;
  readonly sent: number;
  /** Refused by the server (rate limit, channel rate limit, ...). */
  readonly refused: number;
  /** Send-to-receive: from `send()` until the bot received its own message from the channel. */
  readonly latency: LatencySummary;
  /** Why the last bot failed, for the panel. */
  readonly lastError: string | undefined;
}

interface Bot {
  readonly client: ChatClient;
  /** A bot that was rate limited waits until then. */
  readyAt: number;
  busy: boolean;
}

/**
 * Playtest bots: each its own SDK client (its own WebSocket, its own development token), all
 * in one channel, taking turns to say something at the chosen overall rate. Measures
 * send-to-receive latency as a player would feel it: `send()` resolves when the message came
 * back from the channel through the whole pipeline.
 */
export class BotSwarm {
  readonly #options: BotSwarmOptions;
  readonly #bots: Bot[] = [];
  readonly #latency = new LatencyRecorder();
  readonly #pacer: Pacer;
  readonly #run = Math.random().toString(36).slice(2, 6);
  #ticker: ReturnType<typeof setInterval> | undefined;
  #next = 0;
  #stopped = false;
  #failed = 0;
  #sent = 0;
  #refused = 0;
  #lastError: string | undefined;

  constructor(options: BotSwarmOptions) {
    if (!options.settings.devTokenUrl) {
      throw new ChatError('invalid', 'bots need a development token endpoint (a local stack)');
    }
    if (!Number.isInteger(options.count) || options.count < 1 || options.count > MAX_BOTS) {
      throw new ChatError('invalid', `the number of bots must be a whole number 1-${MAX_BOTS}`);
    }
    this.#options = options;
    this.#pacer = new Pacer(options.ratePerSecond);
  }

  /** Starts connecting the bots and chatting; returns at once. */
  start(): void {
    if (this.#ticker !== undefined || this.#stopped) return;
    this.#ticker = setInterval(() => this.#tick(), TICK_MS);
    const queue = Array.from({ length: this.#options.count }, (_, index) => index + 1);
    const worker = async () => {
      for (
        let index = queue.shift();
        index !== undefined && !this.#stopped;
        index = queue.shift()
      ) {
        await this.#spawn(index);
      }
    };
    for (let i = 0; i < Math.min(SPAWN_CONCURRENCY, queue.length); i++) void worker();
  }

  /** Disconnects every bot. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#ticker);
    await Promise.all(this.#bots.splice(0).map((bot) => bot.client.close()));
  }

  stats(): BotStats {
    return {
      channel: this.#options.channel,
      target: this.#options.count,
      connected: this.#bots.filter((bot) => bot.client.state === 'online').length,
      failed: this.#failed,
      sent: this.#sent,
      refused: this.#refused,
      latency: this.#latency.summary(),
      lastError: this.#lastError,
    };
  }

  async #spawn(index: number): Promise<void> {
    const { settings, channel } = this.#options;
    const playerId = `bot-${this.#run}-${index}`;
    const name = botName(index);
    const client = createChatClient({
      ...connectionOptions(settings),
      getToken: () =>
        fetchDevToken(settings.devTokenUrl as string, { playerId, name, role: 'player' }),
    });
    try {
      await client.connect();
      await client.join(channel);
      if (this.#stopped) throw new ChatError('closed', 'the bots were stopped');
      this.#bots.push({ client, readyAt: 0, busy: false });
    } catch (error) {
      await client.close();
      if (this.#stopped) return;
      this.#failed += 1;
      this.#lastError = error instanceof Error ? error.message : String(error);
    }
  }

  #tick(): void {
    const now = performance.now();
    const owed = this.#pacer.due(now);
    for (let i = 0; i < owed; i++) {
      const bot = this.#nextReadyBot(now);
      if (!bot) return; // Nobody can talk now: the owed messages are dropped, not bunched up.
      void this.#say(bot);
    }
  }

  /** Round robin over bots that are online, not waiting for an answer and not rate limited. */
  #nextReadyBot(now: number): Bot | undefined {
    for (let tried = 0; tried < this.#bots.length; tried++) {
      this.#next = (this.#next + 1) % this.#bots.length;
      const bot = this.#bots[this.#next] as Bot;
      if (!bot.busy && bot.readyAt <= now && bot.client.state === 'online') return bot;
    }
    return undefined;
  }

  async #say(bot: Bot): Promise<void> {
    bot.busy = true;
    const started = performance.now();
    this.#sent += 1;
    try {
      await bot.client.send(this.#options.channel, randomLine());
      this.#latency.record(performance.now() - started);
    } catch (error) {
      if (this.#stopped) return;
      this.#refused += 1;
      const retryAfterMs = error instanceof ChatError ? error.retryAfterMs : undefined;
      bot.readyAt = performance.now() + (retryAfterMs ?? 1000);
      this.#lastError = error instanceof Error ? error.message : String(error);
    } finally {
      bot.busy = false;
    }
  }
}
