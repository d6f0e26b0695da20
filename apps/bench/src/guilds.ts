import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createRedisClient, type RedisConnection } from '@game-chat/chat-store/connection';
import {
  type ChannelRetention,
  type ChatStore,
  createChatStore,
} from '@game-chat/chat-store/store';
import { parseChannelClasses } from '@game-chat/lambda-runtime/channel-classes';
import { SETTING_DEFAULTS } from '@game-chat/lambda-runtime/settings';
import { forEachLimited } from '@game-chat/load-kit/concurrency';
import { type Summary, summarize } from '@game-chat/load-kit/stats';
import type { ChannelName, PlayerId } from '@game-chat/protocol/names';
import { infoNumber } from './redis-tools.js';

/** The example class: a guild keeps a week and 1,000 messages. */
export const GUILD_CLASS = 'guild-*=7d/1000';
const [guildClass] = parseChannelClasses(GUILD_CLASS);
export const GUILD: ChannelRetention = {
  retentionSeconds: guildClass?.retentionSeconds ?? 0,
  maxMessages: guildClass?.maxMessages ?? 0,
};
/** The long channel holds a full guild's worth. */
const LONG_MESSAGES = GUILD.maxMessages;
/** The SDK's default scrollback page. */
const PAGE = 50;
const READS = 500;
const LOAD_CONCURRENCY = 256;
const MEMORY_SAMPLE_GUILDS = 50;
/** Per 10,000 guilds, the figure a studio sizes by. */
export const PER_GUILDS = 10_000;

export interface GuildPages {
  /** The newest page: the cursor at the first message a reader sees. */
  readonly atNewest: Summary;
  /** The page just older than the thousandth message back: the channel's first messages. */
  readonly atThousandth: Summary;
  /** atThousandth p50 ÷ atNewest p50: 1 when a page's cost does not depend on its depth. */
  readonly depthRatio: number;
}

export interface GuildsResult {
  readonly guildClass: string;
  readonly pageSize: number;
  /** The long channel: `LONG_MESSAGES` messages of typical length. */
  readonly longChannel: {
    readonly messages: number;
    /** `MEMORY USAGE` of its stream ÷ its messages. */
    readonly streamBytesPerMessage: number;
    /** Stream, meta and de-duplication records ÷ its messages. */
    readonly bytesPerMessage: number;
  };
  /** Page reads of the long channel alone (latency in ms, client side, loopback). */
  readonly pagesAlone: GuildPages;
  /** The same reads once `guilds` other guild channels are stored. */
  readonly pagesAmongGuilds: GuildPages;
  /** atThousandth p50 among the guilds ÷ alone: 1 when other channels cost a read nothing. */
  readonly otherChannelsRatio: number;
  readonly guilds: number;
  readonly messagesPerGuild: number;
  readonly loadSeconds: number;
  /** `used_memory` growth while loading them, per PER_GUILDS guilds (de-dup records included). */
  readonly usedMemoryPer10kGuilds: number;
  /** Stream and meta of sampled guilds (what stays once de-dup records expire), per PER_GUILDS. */
  readonly atRestPer10kGuilds: number;
  /** PER_GUILDS guilds each at the class cap, from the long channel's bytes: the sizing figure. */
  readonly fullPer10kGuilds: number;
}

export const guildName = (index: number) => `guild-${index}` as ChannelName;

function text(seq: number): string {
  return `raid at the gate in five, bring potions #${seq}`;
}

async function append(store: ChatStore, channel: ChannelName, seq: number): Promise<string> {
  const sender = `p${seq % 40}` as PlayerId;
  const appended = await store.append(
    channel,
    // As the filter stores them: the rule event's id and the SDK's clientMsgId.
    {
      kind: 'chat',
      from: { id: sender, name: sender },
      text: text(seq),
      ingestId: randomUUID(),
      clientMsgId: `m${seq}`,
    },
    { retention: GUILD },
  );
  // Only the filter passes a channel rate limit or a slow mode sender; without them append stores.
  if (appended.status === 'rate_limited' || appended.status === 'slow_mode') {
    throw new Error(`append refused: ${appended.status}`);
  }
  return appended.message.id;
}

async function memoryUsage(redis: RedisConnection, keys: readonly string[]): Promise<number> {
  let bytes = 0;
  for (const key of keys) {
    const used = await redis.command(['MEMORY', 'USAGE', key, 'SAMPLES', '0']);
    bytes += typeof used === 'number' ? used : 0;
  }
  return bytes;
}

function keysOf(channel: string) {
  const base = `gc:ch:{${channel}}`;
  return {
    rest: [`${base}:log`, `${base}:meta`],
    all: [`${base}:log`, `${base}:meta`, `${base}:dedupe:0`, `${base}:dedupe:1`],
  };
}

async function timedPages(store: ChatStore, channel: ChannelName, before: string | undefined) {
  const latencies: number[] = [];
  for (let i = 0; i < READS; i++) {
    const started = performance.now();
    const page = await store.recent(channel, {
      limit: PAGE,
      retention: GUILD,
      ...(before && { before }),
    });
    latencies.push(performance.now() - started);
    if (page.messages.length === 0) throw new Error(`empty page before ${before}`);
  }
  return summarize(latencies);
}

async function pages(store: ChatStore, channel: ChannelName, ids: readonly string[]) {
  // Warm up: connection, script cache.
  await timedPages(store, channel, undefined);
  const atNewest = await timedPages(store, channel, undefined);
  // The page just older than the thousandth message back from the newest (the channel's first).
  const atThousandth = await timedPages(store, channel, ids[PAGE]);
  return { atNewest, atThousandth, depthRatio: atThousandth.p50 / atNewest.p50 };
}

/**
 * Channel classes at scale on one private redis-server: a long guild channel (its bytes per
 * message, and page reads at its newest and its thousandth message), then `guilds` guild
 * channels of `messagesPerGuild` messages (Redis memory per 10,000 guilds), and the long
 * channel's pages again among them.
 */
export async function benchGuilds(options: {
  readonly redisUrl: string;
  readonly guilds: number;
  readonly messagesPerGuild: number;
  readonly log: (line: string) => void;
}): Promise<GuildsResult> {
  const redis = createRedisClient({ url: options.redisUrl, commandTimeoutMs: 60_000 });
  const store = createChatStore({
    client: redis,
    historySeconds: SETTING_DEFAULTS.historySeconds,
    historyMax: SETTING_DEFAULTS.historyMax,
    dedupeSeconds: SETTING_DEFAULTS.maxEventAgeSeconds,
  });
  try {
    const long = 'guild-long' as ChannelName;
    options.log(`guilds: loading a guild channel of ${LONG_MESSAGES} messages`);
    const ids: string[] = [];
    for (let seq = 0; seq < LONG_MESSAGES; seq++) ids.push(await append(store, long, seq));
    const keys = keysOf(long);
    const longChannel = {
      messages: LONG_MESSAGES,
      streamBytesPerMessage: (await memoryUsage(redis, [keys.rest[0] as string])) / LONG_MESSAGES,
      bytesPerMessage: (await memoryUsage(redis, keys.all)) / LONG_MESSAGES,
    };
    const pagesAlone = await pages(store, long, ids);

    const { guilds, messagesPerGuild } = options;
    options.log(
      `guilds: loading ${guilds.toLocaleString('en')} guild channels of ${messagesPerGuild} messages`,
    );
    const memoryBefore = await infoNumber(redis, 'memory', 'used_memory');
    const started = performance.now();
    const writes = Array.from({ length: guilds * messagesPerGuild }, (_, k) => k);
    // Round-robin over the guilds, like live traffic.
    await forEachLimited(writes, LOAD_CONCURRENCY, async (k) => {
      await append(store, guildName(k % guilds), Math.floor(k / guilds));
    });
    const loadSeconds = (performance.now() - started) / 1000;
    const usedMemory = (await infoNumber(redis, 'memory', 'used_memory')) - memoryBefore;
    let atRest = 0;
    const sampled = Math.min(MEMORY_SAMPLE_GUILDS, guilds);
    for (let i = 0; i < sampled; i++) {
      atRest += await memoryUsage(
        redis,
        keysOf(guildName(Math.floor((i * guilds) / sampled))).rest,
      );
    }
    const pagesAmongGuilds = await pages(store, long, ids);
    return {
      guildClass: GUILD_CLASS,
      pageSize: PAGE,
      longChannel,
      pagesAlone,
      pagesAmongGuilds,
      otherChannelsRatio: pagesAmongGuilds.atThousandth.p50 / pagesAlone.atThousandth.p50,
      guilds,
      messagesPerGuild,
      loadSeconds,
      usedMemoryPer10kGuilds: (usedMemory / guilds) * PER_GUILDS,
      atRestPer10kGuilds: (atRest / sampled) * PER_GUILDS,
      fullPer10kGuilds:
        ((await memoryUsage(redis, keys.rest)) / LONG_MESSAGES) * GUILD.maxMessages * PER_GUILDS,
    };
  } finally {
    await redis.close();
  }
}
