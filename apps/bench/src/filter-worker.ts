/**
 * Child process of the filter benchmark: a Lambda container of the message-filter bundle.
 * The bundle reads its settings from the environment at import, as at a cold start.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createRedisClient } from '@game-chat/chat-store/connection';
import { forEachLimited } from '@game-chat/load-kit/concurrency';
import { summarize } from '@game-chat/load-kit/stats';
import { lambdaContext } from '@game-chat/testing/lambda-context';
import type { FilterRunReply, FilterRunRequest } from './filter.js';

type Handler = (event: unknown, context: unknown) => Promise<{ status: string }>;

// argv[2]: a bundle file (the baseline); without it the current build. A variable specifier:
// the bundle is plain JavaScript, imported as Lambda would run it.
const bundle = process.argv[2]
  ? pathToFileURL(process.argv[2]).href
  : '@game-chat/message-filter/bundle';
const { handler } = (await import(bundle)) as { handler: Handler };
const context = lambdaContext({ functionName: 'message-filter' });

/** Rule events as `infra/rules/chat-send.sql` makes them: one new player per message. */
function events(request: FilterRunRequest): object[] {
  return Array.from({ length: request.messages }, (_, k) => {
    const payload = JSON.stringify({
      text: `hello from bot ${k}, see you at the gate`,
      clientMsgId: `m${k}`,
    });
    return {
      payload: Buffer.from(payload).toString('base64'),
      topic: `chat/send/bench${k % request.channels}`,
      clientId: `${request.runId}p${k}.bench`,
      receivedAt: Date.now(),
      ingestId: randomUUID(),
    };
  });
}

/**
 * The baseline of the Redis figures: a bare XADD of a message of the same size per message, at
 * the same concurrency, through the store's own connection.
 */
function bareXadds(request: FilterRunRequest): (() => Promise<string>)[] {
  xadd ??= createRedisClient({ url: String(process.env.REDIS_URL) });
  const redis = xadd;
  return Array.from({ length: request.messages }, (_, k) => async () => {
    const log = `bench:{bench${k % request.channels}}:log`;
    const entry = [
      'k',
      'chat',
      'f',
      `p${k}`,
      'n',
      `p${k}`,
      't',
      `hello from bot ${k}, see you at the gate`,
    ];
    await redis.command(['XADD', log, 'MAXLEN', '~', '200', '*', ...entry]);
    return 'xadd';
  });
}
let xadd: ReturnType<typeof createRedisClient> | undefined;

async function run(request: FilterRunRequest): Promise<FilterRunReply> {
  const batch: (() => Promise<string>)[] =
    request.kind === 'xadd'
      ? bareXadds(request)
      : events(request).map(
          (event) => () =>
            // A thrown error is Lambda's cue to retry the event; here it is counted, not fatal.
            handler(event, context).then(
              (outcome) => outcome.status,
              (error: unknown) => `error:${(error as { code?: string } | null)?.code ?? 'unknown'}`,
            ),
        );
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await forEachLimited(batch, request.concurrency, async (invoke) => {
    const begin = performance.now();
    const status = await invoke();
    latencies.push(performance.now() - begin);
    outcomes[status] = (outcomes[status] ?? 0) + 1;
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    type: 'done',
    messagesPerSecond: request.messages / seconds,
    cpuMsPerMessage: (cpu.user + cpu.system) / 1000 / request.messages,
    latencyMs: summarize(latencies),
    outcomes,
  };
}

process.on('message', (request: FilterRunRequest) => {
  run(request).then(
    (reply) => process.send?.(reply),
    (error: unknown) =>
      process.send?.({ type: 'error', message: String(error) } satisfies FilterRunReply),
  );
});
process.send?.({ type: 'ready' } satisfies FilterRunReply);
