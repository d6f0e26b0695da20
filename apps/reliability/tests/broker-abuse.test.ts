import { execFileSync } from 'node:child_process';
import type { LocalStack } from '@game-chat/aws-emulator';
import { forEachLimited } from '@game-chat/load-kit/concurrency';
import { PACKET, publishPacket, subscribePacket } from '@game-chat/testing/mqtt-packets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  endMqttClients,
  type LatencySummary,
  probeLatency,
  RATE_LIMITS_OFF,
  type StackUnderTest,
  startStack,
  waitFor,
  watchProcessErrors,
} from '../src/harness.js';
import { openRawConnection, type RawConnection, rawConnect } from '../src/raw-mqtt.js';
import { signedUsername } from '../src/tokens.js';

/**
 * The broker abused by its own players: 2,000 idle connections, a connection flood, 10,000
 * subscription attempts from one client, a consumer that stops reading, oversized packets.
 * After each, another player's messages still go through (a latency probe): the numbers are
 * reported, only "still works" is asserted.
 */

const IDLE_CONNECTIONS = 2000;
const FLOOD_CONNECTIONS = 1000;
const SUBSCRIPTION_ATTEMPTS = 10_000;
/** Both ends of every idle connection live in this process, plus the stack's own files. */
const OPEN_FILES_NEEDED = 2 * IDLE_CONNECTIONS + 1000;

const processErrors = watchProcessErrors();
let sut: StackUnderTest;
let stack: LocalStack;
const held: RawConnection[] = [];
const report: Record<string, LatencySummary | string> = {};
let probes = 0;

function openFileLimit(): number {
  const limit = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  return limit === 'unlimited' ? Number.POSITIVE_INFINITY : Number(limit);
}

/** A fresh sender and listener exchange a few messages; fails if any does not arrive. */
async function probe(phase: string): Promise<void> {
  const n = probes++;
  report[phase] = await probeLatency(stack, {
    channel: 'Probe',
    count: 10,
    sender: `probe-s${n}`,
    listener: `probe-l${n}`,
  });
}

beforeAll(async () => {
  const limit = openFileLimit();
  if (limit < OPEN_FILES_NEEDED) {
    // No silent skip: this suite cannot prove anything with fewer descriptors.
    throw new Error(
      `the open-file limit is ${limit}; this suite needs ${OPEN_FILES_NEEDED} ` +
        '(run it with `pnpm test`, which raises the soft limit to the hard one, or `ulimit -n 8192`)',
    );
  }
  // The probe and the slow-consumer flood send more than a chat player would.
  sut = await startStack({ settings: RATE_LIMITS_OFF });
  stack = sut.stack;
  await probe('baseline');
});

afterAll(async () => {
  processErrors.stop();
  for (const connection of held) connection.destroy();
  await endMqttClients();
  await sut?.stop();
  console.info('send-to-receive latency of another player, ms, per phase', report);
});

describe('broker abuse', () => {
  it(`holds ${IDLE_CONNECTIONS} idle connections and still delivers`, async () => {
    const token = await stack.issueToken('idle');
    const started = performance.now();
    await forEachLimited(
      Array.from({ length: IDLE_CONNECTIONS }, (_, i) => i),
      100,
      async (i) => {
        const { connection, returnCode } = await rawConnect(
          stack.urls.mqtt,
          {
            clientId: `idle.c${i}`,
            username: signedUsername(stack, token, 'idle'),
            keepaliveSeconds: 1200,
          },
          30_000,
        );
        held.push(connection);
        expect(returnCode).toBe(0);
      },
    );
    report.idleConnectWallMs = `${Math.round(performance.now() - started)} ms for ${IDLE_CONNECTIONS}`;
    expect(stack.stats().broker.connections).toBeGreaterThanOrEqual(IDLE_CONNECTIONS);
    await probe(`with ${IDLE_CONNECTIONS} idle connections`);
    expect(held.every((connection) => !connection.isClosed())).toBe(true);
  });

  it(`survives a flood of ${FLOOD_CONNECTIONS} connections opened and dropped at once`, async () => {
    const { connectsRefused: refusedBefore, authorizerInvocations: invokedBefore } =
      stack.stats().broker;
    const username = signedUsername(stack, await stack.issueToken('flood'), 'flood');
    const flood = forEachLimited(
      Array.from({ length: FLOOD_CONNECTIONS }, (_, i) => i),
      200,
      async (i) => {
        switch (i % 3) {
          case 0: {
            // TCP only, never a CONNECT.
            const connection = await openRawConnection(stack.urls.mqtt, 30_000);
            connection.destroy();
            break;
          }
          case 1: {
            const { connection } = await rawConnect(
              stack.urls.mqtt,
              // An unsigned junk token: IoT Core refuses it without calling the authorizer.
              { clientId: `flood.c${i}`, username: '', password: 'not a token' },
              30_000,
            );
            connection.destroy();
            break;
          }
          default: {
            const { connection } = await rawConnect(
              stack.urls.mqtt,
              { clientId: `flood.c${i}`, username },
              30_000,
            );
            connection.destroy();
          }
        }
      },
    );
    // Measured while the flood is still going on.
    await Promise.all([flood, probe('during a connection flood')]);
    await waitFor(
      'every bad-token CONNECT to be refused',
      () =>
        stack.stats().broker.connectsRefused >= refusedBefore + Math.floor(FLOOD_CONNECTIONS / 3),
    );
    // Only the signed connects (and the probe's two players) cost an authorizer call: the
    // signature check keeps a login flood from using up the authorizer's reserved concurrency.
    const signedConnects = Array.from({ length: FLOOD_CONNECTIONS }, (_, i) => i % 3 === 2).filter(
      Boolean,
    ).length;
    const invoked = stack.stats().broker.authorizerInvocations - invokedBefore;
    expect(invoked).toBeLessThanOrEqual(signedConnects + 2);
    await probe('after a connection flood');
  });

  it(`answers ${SUBSCRIPTION_ATTEMPTS} subscription attempts from one client, granting at most 50`, async () => {
    const { connection, returnCode } = await rawConnect(stack.urls.mqtt, {
      clientId: 'greedy',
      username: signedUsername(stack, await stack.issueToken('greedy')),
    });
    held.push(connection);
    expect(returnCode).toBe(0);
    // Rooms (allowed up to the quota), other players' inboxes and everything (never).
    const filterFor = (i: number) =>
      i % 3 === 0 ? `chat/room/R${i}` : i % 3 === 1 ? `chat/inbox/p${i}` : '#';
    const packets = Array.from({ length: SUBSCRIPTION_ATTEMPTS }, (_, i) =>
      subscribePacket({ packetId: (i % 65_000) + 1, filters: [{ filter: filterFor(i), qos: 1 }] }),
    );
    const probing = probe('during 10,000 subscription attempts');
    connection.send(Buffer.concat(packets));
    await waitFor(
      'a SUBACK for every attempt (or the connection closed)',
      () =>
        connection.isClosed() ||
        connection.received.filter((p) => p.type === PACKET.suback).length ===
          SUBSCRIPTION_ATTEMPTS,
      60_000,
    );
    await probing;
    const granted = connection.received
      .filter((p) => p.type === PACKET.suback)
      .filter((p) => p.body[2] !== 0x80).length;
    report.subscriptionsGranted = `${granted} of ${SUBSCRIPTION_ATTEMPTS}`;
    expect(granted).toBeLessThanOrEqual(50);
    await probe('after 10,000 subscription attempts');
  });

  it('keeps delivering to others while one consumer stops reading, and drops that one', async () => {
    const { connection, returnCode } = await rawConnect(stack.urls.mqtt, {
      clientId: 'sleepy',
      username: signedUsername(stack, await stack.issueToken('sleepy')),
    });
    held.push(connection);
    expect(returnCode).toBe(0);
    connection.send(subscribePacket({ filters: [{ filter: 'chat/room/Busy', qos: 1 }] }));
    await connection.next(PACKET.suback);
    // The consumer stops reading: the kernel buffers fill up, then the broker's.
    connection.socket.pause();
    const closedBefore = stack.stats().broker.connectionsClosedByBroker;
    const rssBefore = process.memoryUsage().rss;
    const message = (i: number) =>
      JSON.stringify({
        v: 1,
        id: `1-${i}`,
        kind: 'chat',
        channel: 'Busy',
        from: { id: 'x', name: 'x' },
        text: 'y'.repeat(16_000),
        sentAt: 1,
      });
    // ~19 MB for the room, published the way the filter publishes (Data Plane, QoS 1).
    const flood = forEachLimited(
      Array.from({ length: 1200 }, (_, i) => i),
      50,
      async (i) => {
        const response = await fetch(`${stack.urls.iotData}/topics/chat/room/Busy?qos=1`, {
          method: 'POST',
          body: message(i),
        });
        expect(response.status).toBe(200);
      },
    );
    await Promise.all([flood, probe('while a consumer of a busy room stops reading')]);
    await waitFor(
      'the broker to drop the consumer that stopped reading',
      () => stack.stats().broker.connectionsClosedByBroker > closedBefore,
    );
    report.slowConsumerRssGrowth = `${Math.round((process.memoryUsage().rss - rssBefore) / 1e6)} MB while 19 MB went unread`;
    await probe('after the slow consumer was dropped');
  });

  it('closes connections that send oversized packets, and only those', async () => {
    const username = signedUsername(stack, await stack.issueToken('big'));
    const closedBefore = stack.stats().broker.connectionsClosedByBroker;
    const oversized = [
      publishPacket({ topic: 'chat/send/Town1', payload: Buffer.alloc(128 * 1024 + 1, 0x61) }),
      Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]),
      publishPacket({ topic: 'chat/send/Town1', payload: Buffer.alloc(2 * 1024 * 1024, 0x61) }),
    ];
    const attempts = Array.from({ length: 30 }, (_, i) => i);
    const sending = forEachLimited(attempts, 10, async (i) => {
      const { connection, returnCode } = await rawConnect(stack.urls.mqtt, {
        clientId: `big.c${i}`,
        username,
      });
      expect(returnCode).toBe(0);
      connection.send(oversized[i % oversized.length] as Buffer);
      await connection.closed;
    });
    await Promise.all([sending, probe('during oversized packets')]);
    // Over WebSocket too: one frame over the packet limit.
    const socket = new WebSocket(`${stack.urls.ws}`, 'mqtt');
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const closedWith = new Promise<number>((resolve) => socket.once('close', resolve));
    socket.send(Buffer.alloc(1024 * 1024));
    expect(await closedWith).toBe(1009);
    expect(stack.stats().broker.connectionsClosedByBroker).toBeGreaterThanOrEqual(
      closedBefore + attempts.length,
    );
    // The idle connections of the first test are all still there.
    expect(held.slice(0, IDLE_CONNECTIONS).every((connection) => !connection.isClosed())).toBe(
      true,
    );
    await probe('at the end');
    expect(processErrors.errors).toEqual([]);
    report.brokerStats = JSON.stringify(stack.stats().broker);
  });
});
