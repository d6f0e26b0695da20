import type { LoadPlan } from '@game-chat/load-kit/run';
import { type LoadReport, runLoad } from '@game-chat/load-kit/run';
import { stackTarget, startStackProcess } from '@game-chat/load-kit/stack-process';

export interface EndToEndRun {
  readonly report: LoadReport;
  /** Resident memory of the local stack's process, before and after the bots connected. */
  readonly stackRss: { readonly idle: number; readonly connected: number };
  readonly rssPerPlayer: number;
  /** V8 heap growth per connected player, after garbage collection. */
  readonly heapPerPlayer: number;
  /** CPU the stack's process spent per delivery while the bots were sending. */
  readonly stackCpuMsPerDelivery: number;
  /** Broker and rule counters of the stack after the run (drops, failed invocations). */
  readonly stackStats: unknown;
}

const WARM_UP: LoadPlan = {
  players: 2,
  channels: 1,
  rate: 2,
  durationSeconds: 1,
  connectConcurrency: 2,
  drainSeconds: 5,
};

export interface EndToEndResult {
  readonly runs: EndToEndRun[];
}

/**
 * Ten players per channel, each sending a message every ten seconds: a lively room (one message
 * a second, ten deliveries) and far below the per-player limit.
 */
export function endToEndPlan(players: number, durationSeconds: number): LoadPlan {
  return {
    players,
    channels: Math.max(1, Math.round(players / 10)),
    rate: players / 10,
    durationSeconds,
    connectConcurrency: 50,
    drainSeconds: 15,
  };
}

/**
 * The load generator against a local stack in its own process (started fresh for each size, so
 * its memory is measured from a clean start), with the contract §6 default settings.
 */
export async function benchEndToEnd(options: {
  readonly players: readonly number[];
  readonly durationSeconds: number;
  readonly log: (line: string) => void;
}): Promise<EndToEndResult> {
  const runs: EndToEndRun[] = [];
  for (const players of options.players) {
    const plan = endToEndPlan(players, options.durationSeconds);
    options.log(
      `end to end: ${players} players, ${plan.channels} channels, ${plan.rate} msg/s for ${plan.durationSeconds} s`,
    );
    const stack = await startStackProcess();
    try {
      const target = stackTarget(stack);
      // Every Lambda invoked once (its clients created) before the idle sample, so that the
      // memory per player is the players' own.
      await runLoad(WARM_UP, target);
      const idle = await stack.sample();
      let connected = idle;
      let lastPhase = '';
      const report = await runLoad(plan, target, {
        onConnected: async () => {
          connected = await stack.sample();
        },
        onProgress: (progress) => {
          if (progress.phase === lastPhase) return;
          lastPhase = progress.phase;
          options.log(`end to end: ${players} players: ${progress.phase}`);
        },
      });
      const final = await stack.sample();
      runs.push({
        report,
        stackRss: { idle: idle.rss, connected: connected.rss },
        rssPerPlayer: (connected.rss - idle.rss) / Math.max(1, report.connect.connected),
        heapPerPlayer: (connected.heapUsed - idle.heapUsed) / Math.max(1, report.connect.connected),
        stackCpuMsPerDelivery:
          (final.cpuMicros - connected.cpuMicros) / 1000 / Math.max(1, report.deliveries.received),
        stackStats: final.stats,
      });
    } finally {
      await stack.stop();
    }
  }
  return { runs };
}
