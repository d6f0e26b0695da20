import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type LoadPlan, type LoadReport, runLoad } from '@game-chat/load-kit/run';
import { stackTarget, startStackProcess } from '@game-chat/load-kit/stack-process';
import { connect, endAll, waitFor } from '@game-chat/testing/mqtt-client';
import type { AedesChildReply } from './aedes-child.js';

/**
 * One crowded room: every player subscribed to it, so each message is delivered to all of
 * them. What the stack spends per delivery (filter, Data Plane, rules and the broker's fan-out
 * with its per-delivery policy check) is set beside a bare aedes broker doing only the QoS 1
 * fan-out of the same number of messages to the same number of subscribers, in the same run.
 */

export interface FanOutResult {
  readonly players: number;
  readonly messagesPerSecond: number;
  readonly durationSeconds: number;
  readonly stack: {
    readonly report: LoadReport;
    /** CPU of the stack's process per delivery, while the bots were sending, ms. */
    readonly cpuMsPerDelivery: number;
  };
  readonly aedes: {
    readonly messages: number;
    readonly deliveries: number;
    readonly cpuMsPerDelivery: number;
  };
  /** Stack over bare aedes, CPU per delivery. */
  readonly ratio: number;
}

const AEDES_CHILD = fileURLToPath(new URL('./aedes-child.js', import.meta.url));

export function fanOutPlan(players: number, rate: number, durationSeconds: number): LoadPlan {
  return {
    players,
    channels: 1,
    rate,
    durationSeconds,
    connectConcurrency: 50,
    drainSeconds: 15,
  };
}

async function stackRun(plan: LoadPlan): Promise<FanOutResult['stack']> {
  const stack = await startStackProcess();
  try {
    const target = stackTarget(stack);
    // Every Lambda invoked once first: their cold starts are not per-delivery work.
    await runLoad({ ...plan, players: 2, rate: 2, durationSeconds: 1, drainSeconds: 5 }, target);
    let connected = await stack.sample();
    const report = await runLoad(plan, target, {
      onConnected: async () => {
        connected = await stack.sample();
      },
    });
    const final = await stack.sample();
    return {
      report,
      cpuMsPerDelivery:
        (final.cpuMicros - connected.cpuMicros) / 1000 / Math.max(1, report.deliveries.received),
    };
  } finally {
    await stack.stop();
  }
}

function sample(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (reply: AedesChildReply) => {
      if (reply.type !== 'sample') return;
      child.off('message', onMessage);
      resolve(reply.cpuMicros);
    };
    child.on('message', onMessage);
    child.send({ type: 'sample' });
  });
}

/** The same fan-out on a bare aedes: `players` QoS 1 subscribers, one publisher at `rate`. */
async function aedesRun(plan: LoadPlan): Promise<FanOutResult['aedes']> {
  const child = fork(AEDES_CHILD, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    const [ready] = (await once(child, 'message')) as [AedesChildReply];
    if (ready.type !== 'ready') throw new Error('the aedes child did not start');
    const url = `mqtt://127.0.0.1:${ready.port}`;
    let received = 0;
    for (let index = 0; index < plan.players; index++) {
      const subscriber = await connect(url, { clientId: `sub${index}` });
      await subscriber.subscribeAsync('room', { qos: 1 });
      subscriber.on('message', () => {
        received++;
      });
    }
    const publisher = await connect(url, { clientId: 'publisher' });
    // About the size of a chat message as the filter publishes it.
    const payload = Buffer.from(
      JSON.stringify({
        v: 1,
        id: '1796624108684-1',
        kind: 'chat',
        channel: 'Town1',
        from: 'lg-player-000',
        name: 'Player 0',
        text: 'hello from bot 0, see you at the gate',
        sentAt: Date.now(),
        clientMsgId: 'c0',
      }),
    );
    const messages = Math.round(plan.rate * plan.durationSeconds);
    const before = await sample(child);
    const started = Date.now();
    for (let sent = 0; sent < messages; sent++) {
      // Paced as the bots send: open loop, evenly spread.
      const due = started + (sent * 1000) / plan.rate;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      await publisher.publishAsync('room', payload, { qos: 1 });
    }
    const expected = messages * plan.players;
    await waitFor('every delivery', () => received >= expected, plan.drainSeconds * 1000);
    const after = await sample(child);
    return { messages, deliveries: received, cpuMsPerDelivery: (after - before) / 1000 / received };
  } finally {
    await endAll();
    child.kill();
  }
}

/** One room's size and pace: `players` all subscribed, `rate` messages a second. */
export type FanOutSize = Parameters<typeof fanOutPlan>;

export async function benchFanOut(
  size: FanOutSize,
  log: (line: string) => void,
): Promise<FanOutResult> {
  const plan = fanOutPlan(...size);
  log(
    `fan-out: ${plan.players} players in one room, ${plan.rate} msg/s for ${plan.durationSeconds} s, local stack`,
  );
  const stack = await stackRun(plan);
  log('fan-out: the same on a bare aedes');
  const aedes = await aedesRun(plan);
  return {
    players: plan.players,
    messagesPerSecond: plan.rate,
    durationSeconds: plan.durationSeconds,
    stack,
    aedes,
    ratio: stack.cpuMsPerDelivery / aedes.cpuMsPerDelivery,
  };
}
