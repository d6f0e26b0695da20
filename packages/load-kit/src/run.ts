import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { type ChatClient, ChatError, createChatClient } from '@game-chat/client';
import { forEachLimited } from './concurrency.js';
import { DeliveryLedger, deliveryKey } from './ledger.js';
import { type Summary, summarize } from './stats.js';
import type { TokenSource } from './tokens.js';

/** What load to generate. */
export interface LoadPlan {
  readonly players: number;
  /** Players are spread evenly over this many channels. */
  readonly channels: number;
  /** Messages per second, all players together, evenly paced (open loop). */
  readonly rate: number;
  readonly durationSeconds: number;
  /** Players connecting and joining at the same time during the ramp-up. */
  readonly connectConcurrency: number;
  /** Longest wait after the last send for the answers and deliveries still on their way. */
  readonly drainSeconds: number;
}

/** A running chat deployment, as the bots see it. */
export interface LoadTarget {
  readonly endpoint: string;
  readonly apiUrl: string;
  readonly authorizerName?: string | undefined;
  readonly tokenKeyName?: string | undefined;
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
    /** Where the lost deliveries were: spread thin, or a few messages or bots. */
    readonly losses: {
      readonly messages: number;
      readonly bots: number;
      readonly examples: readonly { seq: number; sender: string; receiver: string }[];
    };
  };
  /** From `send()` to a member's `message` event, every member of the channel, in ms. */
  readonly latencyMs: Summary;
  /**
   * This process's event-loop delay while sending and draining, in ms: the part of the latency
   * that the bots themselves add (all of them share one loop).
   */
  readonly botLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly wallMs: number;
}

const PROGRESS_INTERVAL_MS = 250;
/** The event-loop monitor's timer; its samples are this interval plus the loop's lateness. */
const LOOP_SAMPLE_MS = 10;

function lateness(sampleNs: number): number {
  return Math.max(0, sampleNs / 1e6 - LOOP_SAMPLE_MS);
}

/** Ids of the run's bots and channels: a fresh prefix per run, so runs never share state. */
export function botNames(runId: string, plan: Pick<LoadPlan, 'channels'>) {
  const playerPrefix = `lg${runId}p`;
  return {
    playerPrefix,
    player: (index: number) => `${playerPrefix}${index}`,
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
  const ledger = new DeliveryLedger(total, plan.channels);
  const { counts } = ledger;
  const connectLatencies: number[] = [];
  const connectFailed: Record<string, number> = {};
  const sendFailed: Record<string, number> = {};

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
    if (ledger.settled) settle?.();
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
      ...(target.tokenKeyName === undefined ? {} : { tokenKeyName: target.tokenKeyName }),
      ...(target.topicPrefix === undefined ? {} : { topicPrefix: target.topicPrefix }),
    });
    const bot: Bot = { index, channel: index % plan.channels, client };
    client.on('message', (message) => {
      const { clientMsgId } = message;
      if (clientMsgId === undefined || !message.from.id.startsWith(names.playerPrefix)) return;
      ledger.deliver(index, deliveryKey(message.from.id, clientMsgId), performance.now());
      checkSettled();
    });
    const begin = performance.now();
    try {
      await client.connect();
      await client.join(names.channel(index));
      connectLatencies.push(performance.now() - begin);
      ledger.join(index, bot.channel);
      bots.push(bot);
    } catch (error) {
      count(connectFailed, errorCode(error));
      await client.close();
    }
    phaseDone++;
  };

  const fire = (bot: Bot, seq: number) => {
    ledger.send(seq, bot.channel, performance.now());
    bot.client.send(names.channel(bot.index), `load message ${seq}`).then(
      (message) => {
        const key = deliveryKey(message.from.id, message.clientMsgId ?? '');
        ledger.confirm(seq, key, performance.now());
        checkSettled();
      },
      (error: unknown) => {
        ledger.fail();
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
    const loopDelay = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
    loopDelay.enable();
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
    loopDelay.disable();

    const losses = ledger.losses();
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
        confirmMs: summarize(ledger.confirmLatencies),
      },
      deliveries: {
        expected: counts.expected,
        received: counts.reachedConfirmed,
        lost: counts.expected - counts.reachedConfirmed,
        duplicated: counts.duplicated,
        unconfirmedReceived: ledger.unconfirmedReceived,
        losses: {
          messages: losses.messages,
          bots: losses.receivers,
          examples: losses.examples.map(({ seq, receiver }) => ({
            seq,
            // The send loop's choice of sender for `seq`.
            sender: names.player((bots[seq % bots.length] as Bot).index),
            receiver: names.player(receiver),
          })),
        },
      },
      latencyMs: summarize(ledger.latencies),
      botLoopDelayMs: {
        p50: lateness(loopDelay.percentile(50)),
        p99: lateness(loopDelay.percentile(99)),
        max: lateness(loopDelay.max),
      },
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
