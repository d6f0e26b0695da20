import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { issuePlayerToken } from '@game-chat/auth/tokens';
import { median } from '@game-chat/load-kit/stats';
import { startDataPlaneRecorder } from '@game-chat/testing/data-plane-recorder';
import { childOutput } from './child-output.js';
import { authorizerEvent, historyEvent, ruleEvent, SAMPLE_PLAYER } from './sample-events.js';

export interface ColdStartResult {
  readonly name: string;
  readonly bundleBytes: number;
  readonly gzipBytes: number;
  /** The deployment zip (`packages/<name>/dist/lambda.zip`, with the source map). */
  readonly zipBytes: number;
  readonly runs: number;
  /** Node's own start-up before the first line of the probe (the same for every bundle). */
  readonly bootMs: number;
  /** `await import(bundle)`: parsing and module-scope code, settings and clients set up. */
  readonly importMs: number;
  /** The first invocation: opens the Redis connection, loads scripts, first HTTPS/HTTP call. */
  readonly firstInvokeMs: number;
  readonly secondInvokeMs: number;
  /** Whether the first invocation did the real work (published, authorized, answered 200). */
  readonly succeeded: boolean;
}

const PROBE = fileURLToPath(new URL('./cold-start-probe.js', import.meta.url));
const TOKEN_SECRET = 'bench-cold-start-secret-of-at-least-32-bytes';

interface Probe {
  bootMs: number;
  importMs: number;
  firstInvokeMs: number;
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

/** Size, import time and first invocation of each Lambda bundle, `runs` fresh processes each. */
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
    { name: 'message-filter', event: () => ruleEvent(`coldstart${randomUUID().slice(0, 8)}`) },
    { name: 'authorizer', event: () => authorizerEvent(token) },
    { name: 'chat-api', event: () => historyEvent(token) },
  ];
  const results: ColdStartResult[] = [];
  try {
    for (const fn of functions) {
      options.log(`cold start: ${fn.name} x${options.runs}`);
      const bundle = fileURLToPath(import.meta.resolve(`@game-chat/${fn.name}/bundle`));
      const zip = join(dirname(bundle), 'lambda.zip');
      const probes: Probe[] = [];
      for (let run = 0; run < options.runs; run++) {
        const events = JSON.stringify([fn.event(), fn.event()]);
        probes.push(await probe(bundle, { ...env, COLD_START_EVENTS: events }));
      }
      const of = (pick: (probe: Probe) => number) => median(probes.map(pick));
      results.push({
        name: fn.name,
        bundleBytes: statSync(bundle).size,
        gzipBytes: gzipSync(readFileSync(bundle)).byteLength,
        zipBytes: statSync(zip).size,
        runs: options.runs,
        bootMs: of((p) => p.bootMs),
        importMs: of((p) => p.importMs),
        firstInvokeMs: of((p) => p.firstInvokeMs),
        secondInvokeMs: of((p) => p.secondInvokeMs),
        succeeded: probes.every((p) => succeeded(fn.name, p.firstResult)),
      });
    }
  } finally {
    await recorder.stop();
  }
  return results;
}
