import { BASELINE_COMMIT } from './baselines.js';
import type { ColdStartResult } from './cold-start.js';
import type { EndToEndResult } from './end-to-end.js';
import type { FanOutResult } from './fan-out.js';
import type { FilterResult, XaddLoop } from './filter.js';
import type { GuildsResult } from './guilds.js';
import type { HistoryResult } from './history.js';
import type { Machine } from './machine.js';
import type { PresenceResult } from './presence.js';

export interface BenchResults {
  readonly mode: 'quick' | 'full';
  readonly startedAt: string;
  readonly machine: Machine;
  /** 1-minute load average when the run ended. */
  readonly loadAverageAtEnd?: number;
  /** Sections that stopped with an error (logged); their numbers are missing. */
  readonly failedSections?: readonly string[];
  readonly history?: HistoryResult;
  readonly filter?: FilterResult;
  readonly endToEnd?: EndToEndResult;
  readonly fanOut?: FanOutResult;
  readonly coldStart?: ColdStartResult[];
  readonly guilds?: GuildsResult;
  readonly presence?: PresenceResult;
}

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  /** Undefined when this run did not measure it. */
  readonly met: boolean | undefined;
}

/** The design's measurable targets, one per row of the targets table. */
const TARGET = {
  historySpeedup: 100,
  flatness: 1.5,
  roundTrips: 2,
  e2ePlayers: 500,
  e2eP99Ms: 50,
  importMs: 50,
  /** Issue 17: import plus first invocation at most half of the baseline's, same run. */
  coldStartRatio: 0.5,
  /** Issue 17: filter CPU per accepted message at one concurrent invocation. */
  filterCpuMs: 0.4,
  /** Issue 17: the local stack's CPU per delivery in a crowded room. */
  deliveryCpuMs: 0.2,
  /** Issue 17: Redis commands per accepted message, inside scripts too. */
  redisCommands: 12,
  /** Issue 17: Redis server CPU per accepted message over a bare XADD's, same concurrency. */
  redisCpuRatio: 4,
} as const;

/** The bare XADD loop measured at `concurrency` in the same run, if any. */
export function xaddLoopFor(result: FilterResult, concurrency: number): XaddLoop | undefined {
  return result.xaddLoops?.find((loop) => loop.concurrency === concurrency);
}

const notMeasured = (target: string): TargetCheck => ({
  target,
  measured: 'not measured in this run',
  met: undefined,
});

/** The issue's targets against this run's numbers. */
export function checkTargets(results: BenchResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const points = results.history?.points ?? [];
  const at100k = points.find((point) => point.messages === 100_000);
  const speedup = `History read at least ${TARGET.historySpeedup}× faster than the original design at 100k messages (p50)`;
  checks.push(
    at100k
      ? {
          target: speedup,
          measured: `${at100k.ratio.p50.toFixed(0)}× (${at100k.original.latencyMs.p50.toFixed(1)} ms vs ${at100k.project.latencyMs.p50.toFixed(2)} ms)`,
          met: at100k.ratio.p50 >= TARGET.historySpeedup,
        }
      : notMeasured(speedup),
  );
  const smallest = points[0];
  const largest = points.at(-1);
  const flat = `History read flat: p50 within ${TARGET.flatness}× from 10k to 1M messages (same result size)`;
  if (smallest && largest && largest !== smallest) {
    const growth = largest.projectFixed.latencyMs.p50 / smallest.projectFixed.latencyMs.p50;
    checks.push({
      target: flat,
      measured: `${growth.toFixed(2)}× from ${smallest.messages.toLocaleString('en')} to ${largest.messages.toLocaleString('en')}${largest.messages < 1_000_000 ? ' (quick run: 1M only with --full)' : ''}`,
      met: growth <= TARGET.flatness,
    });
  } else {
    checks.push(notMeasured(flat));
  }
  const trips = `At most ${TARGET.roundTrips} Redis round trips per message in the filter`;
  checks.push(
    results.filter
      ? {
          target: trips,
          measured: `${results.filter.roundTripsPerMessage} (MONITOR, ${results.filter.monitoredMessages} messages)`,
          met: results.filter.roundTripsPerMessage <= TARGET.roundTrips,
        }
      : notMeasured(trips),
  );
  const e2e = `End to end at ${TARGET.e2ePlayers} players: p99 under ${TARGET.e2eP99Ms} ms, nothing lost at QoS 1`;
  const run = results.endToEnd?.runs.find((r) => r.report.plan.players === TARGET.e2ePlayers);
  checks.push(
    run
      ? {
          target: e2e,
          measured: `p99 ${run.report.latencyMs.p99.toFixed(1)} ms, lost ${run.report.deliveries.lost} of ${run.report.deliveries.expected}`,
          met: run.report.latencyMs.p99 < TARGET.e2eP99Ms && run.report.deliveries.lost === 0,
        }
      : notMeasured(e2e),
  );
  const importTarget = `Filter bundle imports in under ${TARGET.importMs} ms`;
  const filterBundle = results.coldStart?.find((bundle) => bundle.name === 'message-filter');
  checks.push(
    filterBundle
      ? {
          target: importTarget,
          measured: `${filterBundle.importMs.toFixed(1)} ms (median of ${filterBundle.runs})`,
          met: filterBundle.importMs < TARGET.importMs,
        }
      : notMeasured(importTarget),
  );
  const coldStart = `Cold start (import + first invocation) of the filter at most ${TARGET.coldStartRatio}× its ${BASELINE_COMMIT} bundle's, same run (wall)`;
  checks.push(
    filterBundle
      ? {
          target: coldStart,
          measured: `${filterBundle.ratio.wall.toFixed(2)}× wall (${filterBundle.coldStart.wall.toFixed(0)} vs ${filterBundle.baselineColdStart.wall.toFixed(0)} ms), ${filterBundle.ratio.cpu.toFixed(2)}× CPU (${filterBundle.coldStart.cpu.toFixed(0)} vs ${filterBundle.baselineColdStart.cpu.toFixed(0)} ms)`,
          met: filterBundle.ratio.wall <= TARGET.coldStartRatio,
        }
      : notMeasured(coldStart),
  );
  const filterCpu = `Filter CPU at most ${TARGET.filterCpuMs} ms per accepted message at 1 concurrent invocation`;
  const single = results.filter?.runs.find((run) => run.concurrency === 1);
  const singleBaseline = results.filter?.baselineRuns.find((run) => run.concurrency === 1);
  checks.push(
    single
      ? {
          target: filterCpu,
          measured: `${single.cpuMsPerMessage.toFixed(2)} ms${singleBaseline ? ` (${BASELINE_COMMIT}: ${singleBaseline.cpuMsPerMessage.toFixed(2)} ms, ${(single.cpuMsPerMessage / singleBaseline.cpuMsPerMessage).toFixed(2)}×)` : ''}`,
          met: single.cpuMsPerMessage <= TARGET.filterCpuMs,
        }
      : notMeasured(filterCpu),
  );
  const commands = `At most ${TARGET.redisCommands} Redis commands per accepted message (inside scripts too), every run`;
  const filterRuns = results.filter?.runs ?? [];
  checks.push(
    filterRuns.length > 0
      ? {
          target: commands,
          measured: filterRuns
            .map((run) => `${run.commandsPerMessage.toFixed(1)} at concurrency ${run.concurrency}`)
            .join(', '),
          met: filterRuns.every((run) => run.commandsPerMessage <= TARGET.redisCommands),
        }
      : notMeasured(commands),
  );
  const redisCpu = `Redis server CPU per accepted message at most ${TARGET.redisCpuRatio}× a bare XADD loop's at the same concurrency, every run`;
  const cpuRatios = filterRuns.flatMap((run) => {
    const loop = results.filter && xaddLoopFor(results.filter, run.concurrency);
    return loop ? [{ run, ratio: run.redisCpuUsecPerMessage / loop.cpuUsecPerXadd, loop }] : [];
  });
  checks.push(
    cpuRatios.length > 0
      ? {
          target: redisCpu,
          measured: cpuRatios
            .map(
              ({ run, ratio, loop }) =>
                `${ratio.toFixed(1)}× at concurrency ${run.concurrency} (${run.redisCpuUsecPerMessage.toFixed(1)} vs ${loop.cpuUsecPerXadd.toFixed(1)} µs)`,
            )
            .join(', '),
          met: cpuRatios.every(({ ratio }) => ratio <= TARGET.redisCpuRatio),
        }
      : notMeasured(redisCpu),
  );
  const delivery = `Local stack CPU at most ${TARGET.deliveryCpuMs} ms per delivery (one room, bare aedes QoS 1 beside it)`;
  const fanOut = results.fanOut;
  checks.push(
    fanOut
      ? {
          target: delivery,
          measured: `${fanOut.stack.cpuMsPerDelivery.toFixed(3)} ms; bare aedes ${fanOut.aedes.cpuMsPerDelivery.toFixed(3)} ms (${fanOut.ratio.toFixed(1)}×)`,
          met: fanOut.stack.cpuMsPerDelivery <= TARGET.deliveryCpuMs,
        }
      : notMeasured(delivery),
  );
  return checks;
}
