import type { LocalStack } from '@game-chat/aws-emulator';
import { type ChatClient, ChatError, DEFAULT_SEND_TIMEOUT_MS } from '@game-chat/client';
import type { ChatMessage } from '@game-chat/protocol/payloads';
import type { MqttClient } from 'mqtt';
import { connectPlayer, sdkClient, subscribe, waitFor } from './harness.js';

/**
 * Steady chat on the real SDK while something under it fails: `senders` players each send to one
 * channel every `intervalMs`, with the SDK's default send timeout, while a raw MQTT listener
 * records every delivery as it goes over the wire (no SDK de-duplication in between). The report
 * says how every `send()` settled, what was delivered how often, and what history holds.
 */

export interface TrafficOptions {
  readonly channel: string;
  readonly senders: number;
  readonly intervalMs: number;
}

export interface TrafficReport {
  readonly sent: number;
  /** `send()` resolved with the message as delivered. */
  readonly resolved: number;
  /** `send()` rejected, by ChatError code (`error` for anything that is not a ChatError). */
  readonly rejected: Readonly<Record<string, number>>;
  /** Sends that neither resolved nor rejected by the end (must be 0). */
  readonly unsettled: number;
  /** Resolved sends whose message the listener never saw. */
  readonly resolvedNotDelivered: number;
  /** Messages delivered although their `send()` rejected (must be 0). */
  readonly deliveredAfterRejection: number;
  /** Messages delivered on the room topic (distinct ids). */
  readonly delivered: number;
  /** Extra deliveries of an id already delivered (must be 0). */
  readonly duplicates: number;
  /** Delivered messages missing from the channel's history. */
  readonly missingFromHistory: number;
}

export interface Traffic {
  /** Sends settled so far, resolved or rejected. */
  settled(): number;
  resolved(): number;
  /** Stops sending, waits for every send to settle (bounded), reads history, closes clients. */
  stop(): Promise<TrafficReport>;
}

export async function startTraffic(stack: LocalStack, options: TrafficOptions): Promise<Traffic> {
  const listener: MqttClient = await connectPlayer(stack, 'trafficlistener');
  const deliveries = new Map<string, number>();
  listener.on('message', (_topic, payload) => {
    const message = JSON.parse(payload.toString()) as ChatMessage;
    deliveries.set(message.id, (deliveries.get(message.id) ?? 0) + 1);
  });
  await subscribe(listener, `${stack.topicPrefix}/room/${options.channel}`);

  const clients: ChatClient[] = Array.from({ length: options.senders }, (_, n) =>
    // The SDK's own default send timeout, as a game would run it.
    sdkClient(stack, `sender${n}`, { sendTimeoutMs: DEFAULT_SEND_TIMEOUT_MS }),
  );
  await Promise.all(clients.map((client) => client.connect()));
  await Promise.all(clients.map((client) => client.join(options.channel)));

  const outcomes: Array<{ message?: ChatMessage; code?: string } | undefined> = [];
  const pending: Promise<void>[] = [];
  let seq = 0;
  const tick = () => {
    for (const client of clients) {
      const index = outcomes.push(undefined) - 1;
      pending.push(
        client.send(options.channel, `traffic ${seq++}`).then(
          (message) => {
            outcomes[index] = { message };
          },
          (error: unknown) => {
            outcomes[index] = { code: error instanceof ChatError ? error.code : 'error' };
          },
        ),
      );
    }
  };
  tick();
  const timer = setInterval(tick, options.intervalMs);
  const settled = () => outcomes.filter((outcome) => outcome !== undefined);

  return {
    settled: () => settled().length,
    resolved: () => settled().filter((outcome) => outcome.message).length,
    async stop() {
      clearInterval(timer);
      // Every send settles within its timeout (20 s); leave a margin for a busy machine.
      await waitFor(
        'every send to settle',
        () => settled().length === outcomes.length,
        30_000,
      ).catch(() => undefined);
      const resolvedIds = settled().flatMap((outcome) => outcome.message?.id ?? []);
      const resolved = new Set(resolvedIds);
      await waitFor(
        'every resolved message on the wire',
        () => resolvedIds.every((id) => deliveries.has(id)),
        5000,
      ).catch(() => undefined);
      const token = await stack.issueToken('trafficreader');
      const response = await fetch(
        `${stack.urls.api}/channels/${options.channel}/messages?limit=200`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      const history = new Set(
        ((await response.json()) as { messages: ChatMessage[] }).messages.map((m) => m.id),
      );
      await Promise.all(clients.map((client) => client.close()));
      await listener.endAsync(true);
      const rejected: Record<string, number> = {};
      for (const outcome of settled()) {
        if (outcome.code !== undefined) rejected[outcome.code] = (rejected[outcome.code] ?? 0) + 1;
      }
      return {
        sent: outcomes.length,
        resolved: resolvedIds.length,
        rejected,
        unsettled: outcomes.length - settled().length,
        resolvedNotDelivered: resolvedIds.filter((id) => !deliveries.has(id)).length,
        // By id, not text (the profanity filter may mask a text): a delivered message that no
        // send resolved with was delivered although its send was rejected.
        deliveredAfterRejection: [...deliveries.keys()].filter((id) => !resolved.has(id)).length,
        delivered: deliveries.size,
        duplicates: [...deliveries.values()].reduce((sum, count) => sum + count - 1, 0),
        missingFromHistory: [...deliveries.keys()].filter((id) => !history.has(id)).length,
      };
    },
  };
}
