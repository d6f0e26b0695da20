import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { type ChatClient, ChatError, createChatClient } from '@game-chat/client';
import type { LoadPlan } from './args.js';
import { forEachLimited } from './concurrency.js';
import { type Summary, summarize } from './stats.js';
import type { TokenSource } from './tokens.js';

/** A running chat deployment, as the bots see it. */
export interface LoadTarget {
  readonly endpoint: string;
  readonly apiUrl: string;
  readonly authorizerName?: string | undefined;
  readonly topicPrefix?: string | undefined;
  readonly getToken: TokenSource;
}

export type LoadPhase = 'connect' | 'send' | 'drain' | 'close';

export interface LoadProgress {
  readonly phase: LoadPhase;
  /** Work done in this phase: bots connected, messages sent, deliveries received, bots closed. */
  readonly done: number;
  readonly total: number;
  readonly sent: number;
  readonly received: number;
  readonly failed: number;
}

export interface LoadHooks {
  onProgress?(progress: LoadProgress): void;
  /** Runs once every bot has connected and joined, before the first message (e.g. to sample memory). */
  onConnected?(connected: number): Promise<void> | void;
  /** Aborting stops sending early; the run still drains, closes and reports. */
  readonly signal?: AbortSignal;
}

export interface LoadReport {
  readonly runId: string;
  readonly plan: LoadPlan;
  readonly connect: {
    readonly connected: number;
    /** Failures by SDK error code. */
    readonly failed: Readonly<Record<string, number>>;
    /** Connect plus join, per bot, in ms. */
    readonly latencyMs: Summary;
    readonly wallMs: number;
  };
  readonly sends: {
    readonly attempted: number;
    /** The sender saw its own message come back: the server stored and published it. */
    readonly confirmed: number;
    readonly failed: Readonly<Record<string, number>>;
    /** Messages per second actually sent during the send phase. */
    readonly achievedRate: number;
    /** `send()` until it resolved, in ms. */
    readonly confirmMs: Summary;
  };
  readonly deliveries: {
    /** Confirmed messages times the members of their channel (the sender included). */
    readonly expected: number;
    readonly received: number;
    /** Expected deliveries that never came, within the drain time. */
    readonly lost: number;
    /** A bot got the same message again (under another id: the SDK drops a repeated id). */
    readonly duplicated: number;
    /** Deliveries of messages whose `send()` had failed (e.g. timed out, yet published). */
    readonly unconfirmedReceived: number;
  };
  /** From `send()` to a member's `message` event, every member of the channel, in ms. */
  readonly latencyMs: Summary;
  readonly wallMs: number;
}

/** Text of message `seq`: recognisable, unique per run, never moderated. */
const TEXT_PREFIX = 'lg ';
const PROGRESS_INTERVAL_MS = 250;

export function messageText(seq: number): string {
  return `${TEXT_PREFIX}${seq}`;
}

/** The sequence number of a load message, or undefined for any other text. */
export function messageSeq(text: string): number | undefined {
  if (!text.startsWith(TEXT_PREFIX)) return undefined;
  const digits = text.slice(TEXT_PREFIX.length);
  return /^\d{1,9}$/.test(digits) ? Number(digits) : undefined;
}

/** Ids of the run's bots and channels: a fresh prefix per run, so runs never share state. */
export function botNames(runId: string, plan: Pick<LoadPlan, 'players' | 'channels'>) {
  return {
    player: (index: number) => `lg${runId}p${index}`,
    channel: (index: number) => `lg${runId}c${index % plan.channels}`,
  };
}

function errorCode(error: unknown): string {
  if (error instanceof ChatError) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'error';
}

function count(into: Record<string, number>, key: string): void {
  into[key] = (into[key] ?? 0) + 1;
}

interface Bot {
  readonly index: number;
  readonly channel: number;
  readonly client: ChatClient;
  /** Sequence numbers this bot has received. */
  readonly seen: Set<number>;
}

/**
 * Connects `plan.players` bots, each joining one of `plan.channels` channels, sends
 * `plan.rate` messages per second for `plan.durationSeconds` (open loop: a slow answer never
 * delays the next send), then waits up to `plan.drainSeconds` for every delivery and reports.
 */
export async function runLoad(
  plan: LoadPlan,
  target: LoadTarget,
  hooks: LoadHooks = {},
): Promise<LoadReport> {
  const started = performance.now();
  const runId = Math.floor(Math.random() * 0xffffff)
    .toString(16)
    .padStart(6, '0');
  const names = botNames(runId, plan);
  const total = Math.max(1, Math.round(plan.rate * plan.durationSeconds));
  const sentAt = new Float64Array(total);
  const channelOf = new Int32Array(total);
  const confirmedSeq = new Uint8Array(total);
  /** Members that received each message (each once). */
  const reached = new Uint32Array(total);
  const members = new Int32Array(plan.channels);
  const latencies: number[] = [];
  const confirmLatencies: number[] = [];
  const connectLatencies: number[] = [];
  const connectFailed: Record<string, number> = {};
  const sendFailed: Record<string, number> = {};
  const counts = {
    sent: 0,
    confirmed: 0,
    failed: 0,
    received: 0,
    duplicated: 0,
    /** Members of the channels of confirmed messages, and how many of them got theirs. */
    expected: 0,
    reachedConfirmed: 0,
  };

  let phase: LoadPhase = 'connect';
  let phaseDone = 0;
  let phaseTotal = plan.players;
  const report = () =>
    hooks.onProgress?.({
      phase,
      // While draining, the work is the deliveries still owed for confirmed messages.
      done: phase === 'drain' ? counts.reachedConfirmed : phaseDone,
      total: phase === 'drain' ? counts.expected : phaseTotal,
      sent: counts.sent,
      received: counts.received,
      failed: counts.failed,
    });
  const ticker = setInterval(report, PROGRESS_INTERVAL_MS);

  // Resolved once every send has its answer and every confirmed message reached every member.
  let settle: (() => void) | undefined;
  const checkSettled = () => {
    const answered = counts.confirmed + counts.failed === counts.sent;
    if (answered && counts.reachedConfirmed >= counts.expected) settle?.();
  };

  const bots: Bot[] = [];
  const connectOne = async (index: number) => {
    const playerId = names.player(index);
    const client = createChatClient({
      endpoint: target.endpoint,
      apiUrl: target.apiUrl,
      getToken: () => target.getToken(playerId),
      clientSuffix: 'lg',
      ...(target.authorizerName === undefined ? {} : { authorizerName: target.authorizerName }),
      ...(target.topicPrefix === undefined ? {} : { topicPrefix: target.topicPrefix }),
    });
    const bot: Bot = { index, channel: index % plan.channels, client, seen: new Set() };
    client.on('message', (message) => {
      const seq = messageSeq(message.text);
      if (seq === undefined || seq >= counts.sent) return;
      const now = performance.now();
      if (bot.seen.has(seq)) {
        counts.duplicated++;
        return;
      }
      bot.seen.add(seq);
      counts.received++;
      reached[seq] = (reached[seq] as number) + 1;
      latencies.push(now - (sentAt[seq] as number));
      if (confirmedSeq[seq] === 1) {
        counts.reachedConfirmed++;
        checkSettled();
      }
    });
    const begin = performance.now();
    try {
      await client.connect();
      await client.join(names.channel(index));
      connectLatencies.push(performance.now() - begin);
      members[bot.channel] = (members[bot.channel] as number) + 1;
      bots.push(bot);
    } catch (error) {
      count(connectFailed, errorCode(error));
      await client.close();
    }
    phaseDone++;
  };

  const fire = (bot: Bot, seq: number) => {
    channelOf[seq] = bot.channel;
    sentAt[seq] = performance.now();
    counts.sent = seq + 1;
    bot.client.send(names.channel(bot.index), messageText(seq)).then(
      () => {
        confirmedSeq[seq] = 1;
        counts.confirmed++;
        counts.expected += members[bot.channel] as number;
        counts.reachedConfirmed += reached[seq] as number;
        confirmLatencies.push(performance.now() - (sentAt[seq] as number));
        checkSettled();
      },
      (error: unknown) => {
        counts.failed++;
        count(sendFailed, errorCode(error));
        checkSettled();
      },
    );
  };

  try {
    const connectStarted = performance.now();
    await forEachLimited(
      Array.from({ length: plan.players }, (_, index) => index),
      plan.connectConcurrency,
      connectOne,
    );
    const connectWallMs = performance.now() - connectStarted;
    bots.sort((a, b) => a.index - b.index);
    await hooks.onConnected?.(bots.length);

    phase = 'send';
    phaseDone = 0;
    phaseTotal = bots.length === 0 ? 0 : total;
    const intervalMs = 1000 / plan.rate;
    const sendStarted = performance.now();
    // Open loop: message `seq` is due at a fixed time, however long earlier answers take.
    for (let seq = 0; seq < phaseTotal && !hooks.signal?.aborted; ) {
      const now = performance.now();
      while (seq < phaseTotal && sendStarted + seq * intervalMs <= now) {
        fire(bots[seq % bots.length] as Bot, seq);
        phaseDone = ++seq;
      }
      const wait = sendStarted + seq * intervalMs - performance.now();
      if (seq < phaseTotal && wait > 0) await delay(wait);
    }
    const sendWallMs = performance.now() - sendStarted;

    phase = 'drain';
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    checkSettled();
    // Bounded: gives up after the drain time; what has not arrived by then counts as lost.
    await Promise.race([settled, delay(plan.drainSeconds * 1000, undefined, { ref: false })]);
    settle = undefined;

    let unconfirmedReceived = 0;
    for (let seq = 0; seq < counts.sent; seq++) {
      if (confirmedSeq[seq] !== 1) unconfirmedReceived += reached[seq] as number;
    }
    return {
      runId,
      plan,
      connect: {
        connected: bots.length,
        failed: connectFailed,
        latencyMs: summarize(connectLatencies),
        wallMs: connectWallMs,
      },
      sends: {
        attempted: counts.sent,
        confirmed: counts.confirmed,
        failed: sendFailed,
        achievedRate: sendWallMs > 0 ? (counts.sent * 1000) / sendWallMs : 0,
        confirmMs: summarize(confirmLatencies),
      },
      deliveries: {
        expected: counts.expected,
        received: counts.reachedConfirmed,
        lost: counts.expected - counts.reachedConfirmed,
        duplicated: counts.duplicated,
        unconfirmedReceived,
      },
      latencyMs: summarize(latencies),
      wallMs: performance.now() - started,
    };
  } finally {
    phase = 'close';
    phaseDone = 0;
    phaseTotal = bots.length;
    await forEachLimited(bots, plan.connectConcurrency, async (bot) => {
      await bot.client.close();
      phaseDone++;
    });
    report();
    clearInterval(ticker);
  }
}
