import type { LocalStack } from '@game-chat/aws-emulator';
import { createRedisClient, type RedisConnection } from '@game-chat/chat-store/connection';
import { afterAll, beforeAll, expect } from 'vitest';
import {
  type Chatter,
  type ChatterReport,
  type StackUnderTest,
  startChatter,
  startStack,
  waitFor,
  watchProcessErrors,
} from '../../src/harness.js';

export interface FuzzSuiteOptions {
  /** The stack's options (its own Redis is always started). */
  readonly stack?: Parameters<typeof startStack>[0];
  /** How often the well-behaved sender sends. */
  readonly chatterIntervalMs: number;
}

export interface FuzzSuite {
  readonly sut: StackUnderTest;
  readonly stack: LocalStack;
  /** A connection to the stack's Redis, to snapshot the keyspace. */
  readonly redis: RedisConnection;
  readonly chatter: Chatter;
  /** Unhandled rejections and exceptions in this process since the suite started. */
  readonly processErrors: readonly unknown[];
  /**
   * Stops the well-behaved players after at least three confirmed messages and checks that
   * nothing failed, went missing or arrived twice, and that nothing went unhandled.
   */
  expectPlayersUnharmed(during: string): Promise<ChatterReport>;
}

/**
 * The world a fuzz file attacks: a local stack on its own `redis-server`, a connection to that
 * Redis, two well-behaved players chatting in `Lobby` throughout, and a watch on unhandled
 * errors. Registers its own set-up and tear-down; call it first, at the top of the file, so the
 * file's own hooks run after the stack is up and before it stops.
 */
export function fuzzSuite(options: FuzzSuiteOptions): FuzzSuite {
  const errors = watchProcessErrors();
  let sut: StackUnderTest | undefined;
  let redis: RedisConnection | undefined;
  let chatter: Chatter | undefined;
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the fuzz suite is not set up yet');
    return value;
  };

  beforeAll(async () => {
    sut = await startStack(options.stack);
    redis = createRedisClient({ url: sut.stack.redisUrl });
    chatter = await startChatter(sut.stack, {
      channel: 'Lobby',
      intervalMs: options.chatterIntervalMs,
    });
  });

  afterAll(async () => {
    errors.stop();
    await chatter?.stop();
    await redis?.close();
    await sut?.stop();
  });

  return {
    get sut() {
      return ready(sut);
    },
    get stack() {
      return ready(sut).stack;
    },
    get redis() {
      return ready(redis);
    },
    get chatter() {
      return ready(chatter);
    },
    get processErrors() {
      return errors.errors;
    },
    async expectPlayersUnharmed(during) {
      const players = ready(chatter);
      await waitFor('a few chatter messages', () => players.confirmed() >= 3);
      const report = await players.stop();
      expect(report.failed).toEqual({});
      expect(report.missing).toEqual([]);
      expect(report.duplicates).toBe(0);
      console.info(`chatter during ${during}`, report.latency);
      expect(errors.errors).toEqual([]);
      return report;
    },
  };
}
