import { randomUUID } from 'node:crypto';
import { createRedisClient } from '@game-chat/chat-store/connection';
import type { PresenceEvent } from '@game-chat/protocol/presence';
import { startDataPlaneRecorder } from '@game-chat/testing/data-plane-recorder';
import { loadLambdaBundle } from '@game-chat/testing/lambda-bundle';
import { commandStats, commandStatsDelta, totalUsec } from './redis-tools.js';

/**
 * Presence under churn: players join (connect, subscribe) and leave (unsubscribe, disconnect)
 * channels, each lifecycle event handled by the presence bundle as IoT's rule would invoke it,
 * against a real Redis and a recording Data Plane. Measures Redis CPU and scripts per event,
 * broadcasts per second per channel, and how long after the last event every channel's last
 * broadcast carries the true count.
 */

export interface PresenceScenario {
  readonly players: number;
  readonly channels: number;
}

export interface PresencePhase {
  readonly phase: 'join' | 'leave';
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Redis CPU per lifecycle event, from `INFO commandstats`. */
  readonly redisUsecPerEvent: number;
  /** Scripts (`EVALSHA`/`EVAL`) per event: one on the player's slot, one per touched channel. */
  readonly scriptsPerEvent: number;
  /** Presence publishes per channel per second of the phase (the interval caps it at 1/s). */
  readonly publishesPerChannelSecond: number;
  readonly publishes: number;
  /** From the last event's dispatch until every channel's last broadcast had the true count. */
  readonly convergeMs: number;
}

export interface PresenceScenarioResult extends PresenceScenario {
  readonly intervalMs: number;
  readonly phases: PresencePhase[];
}

export interface PresenceResult {
  readonly scenarios: PresenceScenarioResult[];
}

const CONCURRENCY = 200;
const INTERVAL_MS = 1000;

const bundle = import.meta.resolve('@game-chat/presence/bundle');

function lifecycleEvent(
  eventType: string,
  clientId: string,
  session: string,
  extra: Record<string, unknown>,
) {
  return {
    clientId,
    timestamp: Date.now(),
    eventType,
    sessionIdentifier: session,
    principalIdentifier: clientId,
    ...extra,
  };
}

/** Runs `tasks` with at most CONCURRENCY in flight; resolves when the last was dispatched and all ended. */
async function runAll(tasks: (() => Promise<unknown>)[]): Promise<number> {
  let next = 0;
  let lastDispatch = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++] as () => Promise<unknown>;
      lastDispatch = performance.now();
      await task();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return lastDispatch;
}

export async function benchPresence(options: {
  readonly redisUrl: string;
  readonly scenarios: readonly PresenceScenario[];
  readonly log: (line: string) => void;
}): Promise<PresenceResult> {
  const redis = createRedisClient({ url: options.redisUrl });
  const recorder = await startDataPlaneRecorder();
  const results: PresenceScenarioResult[] = [];
  try {
    for (const scenario of options.scenarios) {
      const prefix = `bp${randomUUID().slice(0, 6)}`;
      const invoke = await loadLambdaBundle({
        bundle: new URL(bundle),
        functionName: 'presence',
        env: {
          REDIS_URL: options.redisUrl,
          IOT_DATA_ENDPOINT: recorder.endpoint,
          CHAT_REDIS_KEY_PREFIX: prefix,
          CHAT_PRESENCE_INTERVAL_MS: String(INTERVAL_MS),
          POWERTOOLS_LOG_LEVEL: 'SILENT',
        },
      });
      const players = Array.from({ length: scenario.players }, (_, i) => ({
        clientId: `p${i}`,
        session: randomUUID(),
        channel: `c${i % scenario.channels}`,
      }));
      const perChannel = (channel: string) =>
        players.filter((player) => player.channel === channel).length;
      const channels = [...new Set(players.map((player) => player.channel))];
      const phases: PresencePhase[] = [];
      for (const phase of ['join', 'leave'] as const) {
        recorder.clear();
        const truth = (channel: string) => (phase === 'join' ? perChannel(channel) : 0);
        const events = players.flatMap(({ clientId, session, channel }) =>
          phase === 'join'
            ? [
                lifecycleEvent('connected', clientId, session, {
                  ipAddress: '192.0.2.1',
                  versionNumber: 1,
                }),
                lifecycleEvent('subscribed', clientId, session, {
                  topics: [`chat/room/${channel}`],
                }),
              ]
            : [
                lifecycleEvent('unsubscribed', clientId, session, {
                  topics: [`chat/room/${channel}`],
                }),
                lifecycleEvent('disconnected', clientId, session, {
                  clientInitiatedDisconnect: true,
                  disconnectReason: 'CLIENT_INITIATED_DISCONNECT',
                  versionNumber: 1,
                }),
              ],
        );
        const before = await commandStats(redis);
        const started = performance.now();
        const lastDispatch = await runAll(events.map((event) => () => invoke(event)));
        const ended = performance.now();
        const delta = commandStatsDelta(before, await commandStats(redis));
        const lastCount = (channel: string) =>
          recorder.published
            .filter((publish) => publish.topic === `chat/presence/${channel}`)
            .map((publish) => publish.json<PresenceEvent>().count)
            .at(-1);
        // The owners of the last due broadcasts publish within one interval of their change.
        const deadline = performance.now() + 5 * INTERVAL_MS;
        while (!channels.every((channel) => lastCount(channel) === truth(channel))) {
          if (performance.now() > deadline) throw new Error(`presence did not converge (${phase})`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        const converged = performance.now();
        const seconds = (ended - started) / 1000;
        const scripts = (delta.get('evalsha')?.calls ?? 0) + (delta.get('eval')?.calls ?? 0);
        const publishes = recorder.published.length;
        phases.push({
          phase,
          events: events.length,
          seconds,
          eventsPerSecond: events.length / seconds,
          redisUsecPerEvent: totalUsec(delta) / events.length,
          scriptsPerEvent: scripts / events.length,
          publishes,
          publishesPerChannelSecond:
            publishes / channels.length / Math.max(seconds, INTERVAL_MS / 1000),
          convergeMs: converged - lastDispatch,
        });
        options.log(
          `presence ${scenario.players} players / ${scenario.channels} channels, ${phase}: ${events.length} events in ${seconds.toFixed(1)} s, ${publishes} publishes`,
        );
      }
      results.push({ ...scenario, intervalMs: INTERVAL_MS, phases });
    }
  } finally {
    await recorder.stop();
    await redis.close();
  }
  return { scenarios: results };
}
