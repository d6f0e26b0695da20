import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { LocalStack, LocalStackStats } from '@game-chat/aws-emulator';
import type { LoadTarget } from './run.js';
import { tokensFromUrl } from './tokens.js';

export type ParentRequest = { type: 'sample'; id: number } | { type: 'stop' };
export type ChildReply =
  | ({ type: 'ready' } & Pick<
      LocalStack,
      'urls' | 'authorizerName' | 'tokenKeyName' | 'topicPrefix' | 'redisUrl'
    >)
  | {
      type: 'sample';
      id: number;
      rss: number;
      heapUsed: number;
      cpuMicros: number;
      stats: LocalStackStats;
    }
  | { type: 'error'; message: string };

export interface StackSample {
  /** Resident set size of the stack's process, bytes. */
  readonly rss: number;
  /** V8 heap in use after a garbage collection, bytes: steadier than RSS for small growth. */
  readonly heapUsed: number;
  /** CPU time (user + system) the stack's process has used so far, microseconds. */
  readonly cpuMicros: number;
  readonly stats: LocalStackStats;
}

/** A local stack in a child process of its own. */
export interface StackProcess {
  readonly pid: number;
  readonly urls: LocalStack['urls'];
  /** The stack's development token endpoint. */
  readonly tokenUrl: string;
  readonly authorizerName: string;
  readonly tokenKeyName: string;
  readonly topicPrefix: string;
  readonly redisUrl: string;
  sample(): Promise<StackSample>;
  stop(): Promise<void>;
}

/** The stack process did not start; the message is the stack's own. */
export class StackStartError extends Error {
  readonly code = 'stack_start_failed';
  constructor(message: string) {
    super(message);
    this.name = 'StackStartError';
  }
}

const CHILD = fileURLToPath(new URL('./stack-child.js', import.meta.url));

/** Where bots connect on a stack process: its MQTT endpoint, signed tokens from `/dev/tokens`. */
export function stackTarget(stack: StackProcess): LoadTarget {
  return {
    endpoint: stack.urls.mqtt,
    apiUrl: stack.urls.api,
    authorizerName: stack.authorizerName,
    tokenKeyName: stack.tokenKeyName,
    topicPrefix: stack.topicPrefix,
    getToken: tokensFromUrl(stack.tokenUrl),
  };
}

function firstReply(child: ChildProcess, timeoutMs: number): Promise<ChildReply> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new StackStartError(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (message: ChildReply) => finish(undefined, message);
    const onExit = (code: number | null) =>
      finish(new StackStartError(`the stack process exited (${code})`));
    function finish(error: Error | undefined, message?: ChildReply) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(message as ChildReply);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/**
 * Starts a local stack of `@game-chat/aws-emulator` (its built `dist`) in a child process with
 * its own redis-server (or `REDIS_URL`), on free ports, with these CHAT_* settings.
 */
export async function startStackProcess(
  options: { settings?: Readonly<Record<string, string>>; readyTimeoutMs?: number } = {},
): Promise<StackProcess> {
  const child = fork(CHILD, [], {
    env: { ...process.env, LOADGEN_STACK_SETTINGS: JSON.stringify(options.settings ?? {}) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    // Lets a memory sample collect garbage first, so it measures what is kept.
    execArgv: ['--expose-gc'],
  });
  const ready = await firstReply(child, options.readyTimeoutMs ?? 30_000).catch((error) => {
    child.kill('SIGKILL');
    throw error;
  });
  if (ready.type !== 'ready') {
    child.kill('SIGKILL');
    throw new StackStartError(ready.type === 'error' ? ready.message : 'unexpected first message');
  }
  let nextId = 0;
  const exited = once(child, 'exit');
  return {
    pid: child.pid as number,
    urls: ready.urls,
    tokenUrl: `${ready.urls.api}/dev/tokens`,
    authorizerName: ready.authorizerName,
    tokenKeyName: ready.tokenKeyName,
    topicPrefix: ready.topicPrefix,
    redisUrl: ready.redisUrl,
    sample() {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const onMessage = (message: ChildReply) => {
          if (message.type !== 'sample' || message.id !== id) return;
          child.off('message', onMessage);
          const { rss, heapUsed, cpuMicros, stats } = message;
          resolve({ rss, heapUsed, cpuMicros, stats });
        };
        child.on('message', onMessage);
        child.send({ type: 'sample', id } satisfies ParentRequest, (error) => {
          if (error) {
            child.off('message', onMessage);
            reject(error);
          }
        });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: 'stop' } satisfies ParentRequest);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
