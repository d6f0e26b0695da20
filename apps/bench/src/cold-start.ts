import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { issuePlayerToken } from '@game-chat/auth/tokens';
import { median } from '@game-chat/load-kit/stats';
import { startDataPlaneRecorder } from '@game-chat/testing/data-plane-recorder';
import { BASELINE_COMMIT, withBaselines } from './baselines.js';
import { childOutput } from './child-output.js';
import { authorizerEvent, historyEvent, ruleEvent, SAMPLE_PLAYER } from './sample-events.js';

export interface ColdStartCost {
  readonly wall: number;
  readonly cpu: number;
}

/** Medians over the runs of one bundle, each run a fresh Node process. */
export interface ColdStartTimes {
  readonly bundleBytes: number;
  readonly gzipBytes: number;
  /** Node's own start-up before the first line of the probe (the same for every bundle). */
  readonly bootMs: number;
  /** `await import(bundle)`: parsing and module-scope code, settings and clients set up. */
  readonly importMs: number;
  /** CPU time (user + system) of the import: steadier than wall time on a shared machine. */
  readonly importCpuMs: number;
  /** The first invocation: opens the Redis connection, loads scripts, first HTTPS/HTTP call. */
  readonly firstInvokeMs: number;
  readonly firstInvokeCpuMs: number;
  readonly secondInvokeMs: number;
  /** Whether the first invocation did the real work (published, authorized, answered 200). */
  readonly succeeded: boolean;
}

export interface ColdStartResult extends ColdStartTimes {
  readonly name: string;
  /** The deployment zip (`packages/<name>/dist/lambda.zip`, with the source map). */
  readonly zipBytes: number;
  readonly runs: number;
  /** The same function's bundle as built at `BASELINE_COMMIT`, run alternately with this one. */
  readonly baseline: ColdStartTimes & { readonly commit: string };
  /** Import plus first invocation, medians of the per-run sums, ms. */
  readonly coldStart: ColdStartCost;
  readonly baselineColdStart: ColdStartCost;
  /** `coldStart` over `baselineColdStart` (below 1: faster). */
  readonly ratio: ColdStartCost;
}

const PROBE = fileURLToPath(new URL('./cold-start-probe.js', import.meta.url));
const TOKEN_SECRET = 'bench-cold-start-secret-of-at-least-32-bytes';

interface Probe {
  bootMs: number;
  importMs: number;
  importCpuMs: number;
  firstInvokeMs: number;
  firstInvokeCpuMs: number;
  secondInvokeMs: number;
  firstResult: unknown;
}

async function probe(bundle: string, env: Record<string, string>): Promise<Probe> {
  const child = spawn(process.execPath, [PROBE, bundle], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { code, stdout, stderr } = await childOutput(child);
  // The handlers log JSON lines too; the probe's line is the last one.
  const line = stdout.trim().split('\n').at(-1) ?? '';
  if (code === 0 && line.startsWith('{"bootMs"')) return JSON.parse(line) as Probe;
  throw new Error(`cold-start probe of ${bundle} failed (${code}): ${stderr.trim()}`);
}

/** Whether the answer shows real work rather than a refusal. */
function succeeded(name: string, result: unknown): boolean {
  const value = result as Record<string, unknown> | null;
  if (name === 'message-filter') return value?.status === 'published';
  if (name === 'authorizer') return value?.isAuthenticated === true;
  return value?.statusCode === 200;
}

function timesOf(name: string, bundle: string, probes: readonly Probe[]): ColdStartTimes {
  const of = (pick: (probe: Probe) => number) => median(probes.map(pick));
  return {
    bundleBytes: statSync(bundle).size,
    gzipBytes: gzipSync(readFileSync(bundle)).byteLength,
    bootMs: of((p) => p.bootMs),
    importMs: of((p) => p.importMs),
    importCpuMs: of((p) => p.importCpuMs),
    firstInvokeMs: of((p) => p.firstInvokeMs),
    firstInvokeCpuMs: of((p) => p.firstInvokeCpuMs),
    secondInvokeMs: of((p) => p.secondInvokeMs),
    succeeded: probes.every((p) => succeeded(name, p.firstResult)),
  };
}

/**
 * Size, import time and first invocation of each Lambda bundle and of its baseline, `runs`
 * fresh processes each, alternating (which goes first alternates too), so that the machine's
 * load weighs on both alike.
 */
export async function benchColdStart(options: {
  readonly redisUrl: string;
  readonly runs: number;
  readonly log: (line: string) => void;
}): Promise<ColdStartResult[]> {
  const recorder = await startDataPlaneRecorder();
  const token = await issuePlayerToken(
    { sub: SAMPLE_PLAYER, name: 'Cold Start' },
    { secret: TOKEN_SECRET },
    { expiresInSeconds: 3600 },
  );
  const env = {
    REDIS_URL: options.redisUrl,
    IOT_DATA_ENDPOINT: recorder.endpoint,
    CHAT_TOKEN_SECRET: TOKEN_SECRET,
    AWS_REGION: 'eu-west-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const functions = [
    // A new player per event: the per-player rate limit must not refuse the runs.
    {
      name: 'message-filter' as const,
      event: () => ruleEvent(`coldstart${randomUUID().slice(0, 8)}`),
    },
    { name: 'authorizer' as const, event: () => authorizerEvent(token) },
    { name: 'chat-api' as const, event: () => historyEvent(token) },
  ];
  const results: ColdStartResult[] = [];
  try {
    await withBaselines(async (baselinePath) => {
      for (const fn of functions) {
        options.log(`cold start: ${fn.name} and its ${BASELINE_COMMIT} baseline x${options.runs}`);
        const bundle = fileURLToPath(import.meta.resolve(`@game-chat/${fn.name}/bundle`));
        const baselineBundle = baselinePath(fn.name);
        const zip = join(dirname(bundle), 'lambda.zip');
        const current: Probe[] = [];
        const baseline: Probe[] = [];
        const run = async (path: string, into: Probe[]) => {
          const events = JSON.stringify([fn.event(), fn.event()]);
          into.push(await probe(path, { ...env, COLD_START_EVENTS: events }));
        };
        for (let index = 0; index < options.runs; index++) {
          if (index % 2 === 0) {
            await run(bundle, current);
            await run(baselineBundle, baseline);
          } else {
            await run(baselineBundle, baseline);
            await run(bundle, current);
          }
        }
        const now = timesOf(fn.name, bundle, current);
        const before = timesOf(fn.name, baselineBundle, baseline);
        const cost = (probes: readonly Probe[]): ColdStartCost => ({
          wall: median(probes.map((p) => p.importMs + p.firstInvokeMs)),
          cpu: median(probes.map((p) => p.importCpuMs + p.firstInvokeCpuMs)),
        });
        const [coldStart, baselineColdStart] = [cost(current), cost(baseline)];
        results.push({
          name: fn.name,
          ...now,
          zipBytes: statSync(zip).size,
          runs: options.runs,
          baseline: { commit: BASELINE_COMMIT, ...before },
          coldStart,
          baselineColdStart,
          ratio: {
            wall: coldStart.wall / baselineColdStart.wall,
            cpu: coldStart.cpu / baselineColdStart.cpu,
          },
        });
      }
    });
  } finally {
    await recorder.stop();
  }
  return results;
}
