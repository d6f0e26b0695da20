import {
  type ChatClient,
  ChatError,
  type ChatMessage,
  createChatClient,
  type Notice,
} from '@game-chat/client';
import { botName, randomLine } from './bot-lines.js';
import { fetchDevToken } from './dev-token.js';
import { connectionOptions, type DemoSettings } from './settings.js';
import { LatencyRecorder, type LatencySummary, Pacer } from './stats.js';

export const MAX_BOTS = 200;
/** Bots connecting at once: enough to fill 200 quickly, few enough not to stall the page. */
const SPAWN_CONCURRENCY = 8;
const TICK_MS = 50;
/** A message the observer has not seen by then counts as lost, and its bot talks again. */
const LOST_AFTER_MS = 10_000;

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
  /** Bots online now. */
  readonly connected: number;
  /** Bots that could not connect. */
  readonly failed: number;
  readonly sent: number;
  /** Refused by the server (rate limit, channel rate limit, ...). */
  readonly refused: number;
  /** Sent, neither refused nor seen by the observer within `LOST_AFTER_MS`. */
  readonly lost: number;
  /** From `post()` until the observer received the message from the channel. */
  readonly latency: LatencySummary;
  /**
   * The first leg of `latency`: from `post()` until the filter stored the message (its
   * `sentAt`, the Redis stream id's time); the rest is the way back out to the observer.
   * Meaningful when the page and Redis share a clock (a local stack).
   */
  readonly untilStored: LatencySummary;
  /** Why the last bot failed, for the panel. */
  readonly lastError: string | undefined;
}

/** A message a bot sent that the observer has not seen yet. */
interface InFlight {
  readonly sentAt: number;
  /** `sentAt` on the wall clock, to compare with the server's stamp. */
  readonly sentAtEpochMs: number;
  /** Known once the broker took it (PUBACK): refusals and deliveries name it. */
  clientMsgId: string | undefined;
}

interface Bot {
  readonly playerId: string;
  readonly client: ChatClient;
  /** A bot that was rate limited waits until then. */
  readyAt: number;
  /** At most one message per bot in flight: the observer's sighting of it ends it. */
  inFlight: InFlight | undefined;
}

/**
 * Playtest bots: each its own SDK client (its own WebSocket, its own development token) that
 * only talks. Bots `post()` without joining the channel, so the broker delivers their chat to
 * the players in the channel and not to 200 bots (2 deliveries per message instead of 200 at
 * 200 bots). One observer client joins the channel and measures each bot message's latency,
 * from `post()` until it came back through the whole pipeline; a bot talks again once its
 * previous message was seen, refused, or given up as lost.
 */
export class BotSwarm {
  readonly #options: BotSwarmOptions;
  readonly #bots: Bot[] = [];
  readonly #byPlayer = new Map<string, Bot>();
  readonly #latency = new LatencyRecorder();
  readonly #untilStored = new LatencyRecorder();
  readonly #pacer: Pacer;
  readonly #run = Math.random().toString(36).slice(2, 6);
  readonly #observer: ChatClient;
  #observing = false;
  #ticker: ReturnType<typeof setInterval> | undefined;
  #next = 0;
  #stopped = false;
  #failed = 0;
  #sent = 0;
  #refused = 0;
  #lost = 0;
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
    this.#observer = this.#client(`bot-${this.#run}-observer`, 'Bot observer');
    this.#observer.on('message', (message) => this.#seen(message));
  }

  /** Starts the observer, connects the bots and starts chatting; returns at once. */
  start(): void {
    if (this.#ticker !== undefined || this.#stopped) return;
    this.#ticker = setInterval(() => this.#tick(), TICK_MS);
    void this.#observe();
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

  /** Disconnects every bot and the observer. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#ticker);
    this.#byPlayer.clear();
    await Promise.all([
      this.#observer.close(),
      ...this.#bots.splice(0).map((bot) => bot.client.close()),
    ]);
  }

  stats(): BotStats {
    return {
      channel: this.#options.channel,
      target: this.#options.count,
      connected: this.#bots.filter((bot) => bot.client.state === 'online').length,
      failed: this.#failed,
      sent: this.#sent,
      refused: this.#refused,
      lost: this.#lost,
      latency: this.#latency.summary(),
      untilStored: this.#untilStored.summary(),
      lastError: this.#lastError,
    };
  }

  #client(playerId: string, name: string): ChatClient {
    const { settings } = this.#options;
    return createChatClient({
      ...connectionOptions(settings),
      getToken: () =>
        fetchDevToken(settings.devTokenUrl as string, { playerId, name, role: 'player' }),
    });
  }

  async #observe(): Promise<void> {
    try {
      await this.#observer.connect();
      await this.#observer.join(this.#options.channel);
      this.#observing = !this.#stopped;
    } catch (error) {
      if (this.#stopped) return;
      this.#lastError = `the observer could not join, so nobody talks: ${errorText(error)}`;
    }
  }

  async #spawn(index: number): Promise<void> {
    const playerId = `bot-${this.#run}-${index}`;
    const client = this.#client(playerId, botName(index));
    try {
      await client.connect();
      if (this.#stopped) throw new ChatError('closed', 'the bots were stopped');
      const bot: Bot = { playerId, client, readyAt: 0, inFlight: undefined };
      client.on('notice', (notice) => this.#refusedNotice(bot, notice));
      this.#bots.push(bot);
      this.#byPlayer.set(playerId, bot);
    } catch (error) {
      await client.close();
      if (this.#stopped) return;
      this.#failed += 1;
      this.#lastError = errorText(error);
    }
  }

  #tick(): void {
    const now = performance.now();
    this.#expire(now);
    const owed = this.#pacer.due(now);
    if (!this.#observing) return; // Nobody would see (and time) the messages yet.
    for (let i = 0; i < owed; i++) {
      const bot = this.#nextReadyBot(now);
      if (!bot) return; // Nobody can talk now: the owed messages are dropped, not bunched up.
      void this.#say(bot, now);
    }
  }

  /** Gives up on messages the observer has not seen in time, so their bots talk again. */
  #expire(now: number): void {
    for (const bot of this.#bots) {
      if (bot.inFlight && now - bot.inFlight.sentAt > LOST_AFTER_MS) {
        bot.inFlight = undefined;
        this.#lost += 1;
      }
    }
  }

  /** Round robin over bots that are online, not waiting for a sighting and not rate limited. */
  #nextReadyBot(now: number): Bot | undefined {
    for (let tried = 0; tried < this.#bots.length; tried++) {
      this.#next = (this.#next + 1) % this.#bots.length;
      const bot = this.#bots[this.#next] as Bot;
      if (!bot.inFlight && bot.readyAt <= now && bot.client.state === 'online') return bot;
    }
    return undefined;
  }

  async #say(bot: Bot, now: number): Promise<void> {
    const inFlight: InFlight = { sentAt: now, sentAtEpochMs: Date.now(), clientMsgId: undefined };
    bot.inFlight = inFlight;
    this.#sent += 1;
    try {
      const posted = await bot.client.post(this.#options.channel, randomLine());
      inFlight.clientMsgId = posted.clientMsgId;
    } catch (error) {
      if (this.#stopped || bot.inFlight !== inFlight) return;
      this.#refuse(bot, error instanceof ChatError ? error.retryAfterMs : undefined, error);
    }
  }

  /** The observer received a message: a bot's message in flight ends here. */
  #seen(message: ChatMessage): void {
    const bot = this.#byPlayer.get(message.from.id);
    const inFlight = bot?.inFlight;
    if (!bot || !inFlight || message.channel !== this.#options.channel) return;
    // Known once PUBACK came: then only this very message ends it (not a late earlier one).
    if (inFlight.clientMsgId !== undefined && inFlight.clientMsgId !== message.clientMsgId) return;
    const now = performance.now();
    bot.inFlight = undefined;
    this.#latency.record(now - inFlight.sentAt);
    this.#untilStored.record(message.sentAt - inFlight.sentAtEpochMs);
  }

  #refusedNotice(bot: Bot, notice: Notice): void {
    const inFlight = bot.inFlight;
    if (!inFlight || this.#stopped) return;
    if (inFlight.clientMsgId !== undefined && notice.clientMsgId !== inFlight.clientMsgId) return;
    this.#refuse(bot, notice.retryAfterMs, notice.detail);
  }

  #refuse(bot: Bot, retryAfterMs: number | undefined, why: unknown): void {
    bot.inFlight = undefined;
    this.#refused += 1;
    bot.readyAt = performance.now() + (retryAfterMs ?? 1000);
    this.#lastError = errorText(why);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
