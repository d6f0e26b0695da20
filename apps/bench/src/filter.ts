import { type ChildProcess, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRedisClient, type RedisConnection } from '@game-chat/chat-store/connection';
import type { Summary } from '@game-chat/load-kit/stats';
import { startDataPlaneRecorder } from '@game-chat/testing/data-plane-recorder';
import { BASELINE_COMMIT, withBaselines } from './baselines.js';
import {
  type CommandStat,
  commandStats,
  commandStatsDelta,
  type RedisBenchmarkRow,
  redisBenchmark,
  serverCpuUsec,
  totalUsec,
} from './redis-tools.js';

export interface FilterRunRequest {
  /** `xadd`: a bare XADD per message instead of the filter, the Redis baseline. */
  readonly kind?: 'filter' | 'xadd';
  readonly runId: string;
  readonly messages: number;
  readonly concurrency: number;
  readonly channels: number;
}

export type FilterRunReply =
  | { type: 'ready' }
  | {
      type: 'done';
      readonly messagesPerSecond: number;
      readonly cpuMsPerMessage: number;
      readonly latencyMs: Summary;
      readonly outcomes: Readonly<Record<string, number>>;
    }
  | { type: 'error'; readonly message: string };

export interface FilterRun {
  readonly concurrency: number;
  readonly messages: number;
  readonly messagesPerSecond: number;
  /** CPU time (user + system) of the filter's process per message: the Lambda's compute. */
  readonly cpuMsPerMessage: number;
  /** One invocation, from the handler call to its answer. */
  readonly latencyMs: Summary;
  /** `published`, and anything else (refusals would mean the benchmark hit a rate limit). */
  readonly outcomes: Readonly<Record<string, number>>;
  /** Scripts (`EVALSHA`/`EVAL`) per message, from `INFO commandstats`. */
  readonly scriptsPerMessage: number;
  /** Every command Redis ran per message, inside scripts included. */
  readonly commandsPerMessage: number;
  readonly redisUsecPerMessage: number;
  /** The server's CPU (`used_cpu_user` + `used_cpu_sys` delta) per message, µs. */
  readonly redisCpuUsecPerMessage: number;
  readonly commands: Readonly<Record<string, number>>;
  /** `INFO commandstats` µs per message by command: a script's own, and each command's. */
  readonly commandUsec: Readonly<Record<string, number>>;
}

/** A bare XADD per message at one run's concurrency, from the same kind of process. */
export interface XaddLoop {
  readonly concurrency: number;
  readonly xadds: number;
  /** `INFO commandstats` µs per XADD. */
  readonly usecPerXadd: number;
  /** The server's CPU per XADD, µs. */
  readonly cpuUsecPerXadd: number;
}

export interface FilterResult {
  readonly channels: number;
  readonly runs: FilterRun[];
  /** The same runs with the baseline bundle (`BASELINE_COMMIT`), alternating with `runs`. */
  readonly baselineRuns: FilterRun[];
  readonly baselineCommit: string;
  /** Issue 17's Redis baseline: a bare XADD loop at each run's concurrency, in the same run. */
  readonly xaddLoops: XaddLoop[];
  /** Requests the filter's connection sent per message, counted with `MONITOR`. */
  readonly roundTripsPerMessage: number;
  readonly monitoredMessages: number;
  /** `redis-benchmark` XADD on the same machine in the same run: the ceiling. */
  readonly xaddCeiling: {
    readonly plain: RedisBenchmarkRow;
    readonly pipelined: RedisBenchmarkRow;
    /** Of the plain run: `INFO commandstats` µs per XADD and the server's CPU per XADD. */
    readonly usecPerXadd: number;
    readonly cpuUsecPerXadd: number;
  };
}

const WORKER = fileURLToPath(new URL('./filter-worker.js', import.meta.url));
/** Channels the messages are spread over: each stays far below its 50 messages/s limit. */
const CHANNELS = 1000;

function request(child: ChildProcess, message: FilterRunRequest) {
  return new Promise<Extract<FilterRunReply, { type: 'done' }>>((resolve, reject) => {
    child.once('message', (reply: FilterRunReply) => {
      if (reply.type === 'done') resolve(reply);
      else reject(new Error(reply.type === 'error' ? reply.message : 'unexpected reply'));
    });
    child.send(message);
  });
}

function perMessage(delta: ReadonlyMap<string, CommandStat>, messages: number) {
  let all = 0;
  for (const stat of delta.values()) all += stat.calls;
  const scripts = (delta.get('evalsha')?.calls ?? 0) + (delta.get('eval')?.calls ?? 0);
  return {
    scriptsPerMessage: scripts / messages,
    commandsPerMessage: all / messages,
    redisUsecPerMessage: totalUsec(delta) / messages,
    commands: Object.fromEntries([...delta].map(([name, stat]) => [name, stat.calls / messages])),
    commandUsec: Object.fromEntries([...delta].map(([name, stat]) => [name, stat.usec / messages])),
  };
}

/**
 * Counts the requests clients send while `work` runs, with `redis-cli MONITOR`: commands a
 * script runs are tagged `[db lua]` there and are not round trips.
 */
async function countRequests(port: number, redis: RedisConnection, work: () => Promise<void>) {
  const monitor = spawn('redis-cli', ['-p', String(port), 'monitor'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: monitor.stdout });
  let requests = 0;
  let started!: () => void;
  let ended!: () => void;
  const startSeen = new Promise<void>((resolve) => {
    started = resolve;
  });
  const endSeen = new Promise<void>((resolve) => {
    ended = resolve;
  });
  let counting = false;
  lines.on('line', (line) => {
    if (line.includes('"bench-monitor-start"')) {
      counting = true;
      started();
    } else if (line.includes('"bench-monitor-end"')) {
      counting = false;
      ended();
    } else if (counting && !/^\S+ \[\d+ lua\]/.test(line)) {
      requests++;
    }
  });
  try {
    await once(monitor.stdout, 'data'); // "OK": the monitor is attached
    // Markers in the command stream: MONITOR shows them in the order Redis ran them.
    await redis.command(['ECHO', 'bench-monitor-start']);
    await startSeen;
    await work();
    await redis.command(['ECHO', 'bench-monitor-end']);
    await endSeen;
  } finally {
    monitor.kill();
  }
  return requests;
}

/**
 * The message-filter bundle in a child process (one Lambda container) with a real Redis and a
 * real HTTP Data Plane endpoint, at each concurrency; then the request count per message and
 * the XADD ceiling of the same Redis.
 */
export async function benchFilter(options: {
  readonly redisUrl: string;
  readonly port: number;
  readonly runs: readonly { concurrency: number; messages: number }[];
  readonly log: (line: string) => void;
}): Promise<FilterResult> {
  const recorder = await startDataPlaneRecorder();
  const redis = createRedisClient({ url: options.redisUrl, commandTimeoutMs: 30_000 });
  const children: ChildProcess[] = [];
  /** A container of `bundle` (the current build without one), warmed. */
  const startWorker = async (bundle?: string) => {
    const child = fork(WORKER, bundle === undefined ? [] : [bundle], {
      env: {
        ...process.env,
        REDIS_URL: options.redisUrl,
        IOT_DATA_ENDPOINT: recorder.endpoint,
        AWS_REGION: 'eu-west-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      // The handler logs a JSON line per message, as on Lambda; the benchmark does not show them.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    children.push(child);
    const [ready] = (await once(child, 'message')) as [FilterRunReply];
    if (ready.type !== 'ready') throw new Error('the filter worker did not start');
    // Warm: the connection opened, the scripts loaded, the HTTP agent connected.
    await request(child, { runId: 'warm', messages: 200, concurrency: 10, channels: CHANNELS });
    return child;
  };
  const measure = async (
    child: ChildProcess,
    runId: string,
    run: { concurrency: number; messages: number },
    kind: FilterRunRequest['kind'] = 'filter',
  ): Promise<FilterRun> => {
    recorder.clear();
    const before = await commandStats(redis);
    const cpuBefore = await serverCpuUsec(redis);
    const reply = await request(child, { kind, runId, channels: CHANNELS, ...run });
    const cpu = (await serverCpuUsec(redis)) - cpuBefore;
    const delta = commandStatsDelta(before, await commandStats(redis));
    return {
      concurrency: run.concurrency,
      messages: run.messages,
      messagesPerSecond: reply.messagesPerSecond,
      cpuMsPerMessage: reply.cpuMsPerMessage,
      latencyMs: reply.latencyMs,
      outcomes: reply.outcomes,
      ...perMessage(delta, run.messages),
      redisCpuUsecPerMessage: cpu / run.messages,
    };
  };
  const measureXadds = async (
    child: ChildProcess,
    run: { concurrency: number; messages: number },
  ): Promise<XaddLoop> => {
    const xadds = await measure(child, 'xadd', run, 'xadd');
    return {
      concurrency: run.concurrency,
      xadds: run.messages,
      usecPerXadd: xadds.commandUsec.xadd ?? Number.NaN,
      cpuUsecPerXadd: xadds.redisCpuUsecPerMessage,
    };
  };
  try {
    const { child, runs, baselineRuns, xaddLoops } = await withBaselines(async (baselinePath) => {
      const current = await startWorker();
      const baseline = await startWorker(baselinePath('message-filter'));
      const runs: FilterRun[] = [];
      const baselineRuns: FilterRun[] = [];
      const xaddLoops: XaddLoop[] = [];
      for (const [index, run] of options.runs.entries()) {
        options.log(
          `filter: ${run.messages} messages at concurrency ${run.concurrency}, then the same with the ${BASELINE_COMMIT} bundle and as bare XADDs`,
        );
        runs.push(await measure(current, `r${index}`, run));
        baselineRuns.push(await measure(baseline, `b${index}`, run));
        xaddLoops.push(await measureXadds(current, run));
      }
      baseline.kill();
      return { child: current, runs, baselineRuns, xaddLoops };
    });

    options.log('filter: counting requests per message with MONITOR');
    const monitoredMessages = 200;
    const requests = await countRequests(options.port, redis, async () => {
      await request(child, {
        runId: 'monitor',
        messages: monitoredMessages,
        concurrency: 1,
        channels: CHANNELS,
      });
    });

    options.log('filter: redis-benchmark XADD ceiling');
    const xadd = ['XADD', 'bench:{__rand_int__}:log', 'MAXLEN', '~', '200', '*'];
    const fields = [
      'k',
      'chat',
      'f',
      'alice',
      'n',
      'Alice',
      't',
      'hello from bot, see you at the gate',
    ];
    const xadds = 100_000;
    const common = ['-n', String(xadds), '-c', '50', '-r', String(CHANNELS)];
    const statsBefore = await commandStats(redis);
    const cpuBefore = await serverCpuUsec(redis);
    const [plain] = await redisBenchmark(options.port, [...common, ...xadd, ...fields]);
    const cpuUsecPerXadd = ((await serverCpuUsec(redis)) - cpuBefore) / xadds;
    const xaddStat = commandStatsDelta(statsBefore, await commandStats(redis)).get('xadd');
    const [pipelined] = await redisBenchmark(options.port, [
      ...common,
      '-P',
      '16',
      ...xadd,
      ...fields,
    ]);
    if (!plain || !pipelined) throw new Error('redis-benchmark printed no result');
    return {
      channels: CHANNELS,
      runs,
      baselineRuns,
      baselineCommit: BASELINE_COMMIT,
      xaddLoops,
      roundTripsPerMessage: requests / monitoredMessages,
      monitoredMessages,
      xaddCeiling: {
        plain,
        pipelined,
        usecPerXadd: (xaddStat?.usec ?? Number.NaN) / (xaddStat?.calls ?? 1),
        cpuUsecPerXadd,
      },
    };
  } finally {
    for (const child of children) child.kill();
    await redis.close();
    await recorder.stop();
  }
}
