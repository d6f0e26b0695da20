import type { RedisConnection } from '@game-chat/chat-store/connection';

/**
 * The original blog design (shared/seed), rewritten faithfully for comparison:
 * MessageFilter stores each message as its own string key `{channel}:{YYYYmmddHHMMSSmmm}` (UTC)
 * holding the event JSON, with a 30 s TTL; GetLastMessage walks `SCAN MATCH {channel}* COUNT
 * 1000` to the end and `GET`s each key it yields, then sorts by key.
 */

/** The blog's `datetime.utcnow().strftime('%Y%m%d%H%M%S') + milliseconds`. */
export function originalTimestamp(at: Date): string {
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return (
    `${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}` +
    `${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}` +
    pad(at.getUTCMilliseconds(), 3)
  );
}

/**
 * The `SET` of one message. The blog sends `SET` then `EXPIRE`; `SET ... EX` leaves the same
 * key, value and TTL in one command, which only makes loading the benchmark faster.
 */
export function originalWrite(
  message: { channel: string; playerId: string; text: string; at: Date },
  ttlSeconds: number,
): string[] {
  const event = { publish_id: message.playerId, message: message.text, channel: message.channel };
  return [
    'SET',
    `${message.channel}:${originalTimestamp(message.at)}`,
    JSON.stringify(event),
    'EX',
    String(ttlSeconds),
  ];
}

/** A key the prefix match returned that belongs to another channel (`Town1*` vs `Town137:…`). */
export function isForeignKey(key: string, channel: string): boolean {
  return key.slice(0, key.lastIndexOf(':')) !== channel;
}

export interface OriginalHistory {
  /** `[key, value]`, sorted by key, as the blog's Lambda returns them. */
  readonly items: [string, string][];
  readonly scanCalls: number;
  /** SCAN calls plus one GET per key. */
  readonly roundTrips: number;
  /** Items of other channels that the prefix match let in. */
  readonly foreign: number;
}

/** GetLastMessage: `scan_iter(match=channel + '*', count=1000)`, a `GET` per key, sorted. */
export async function readOriginalHistory(
  redis: RedisConnection,
  channel: string,
): Promise<OriginalHistory> {
  const items: [string, string][] = [];
  let cursor = '0';
  let scanCalls = 0;
  let gets = 0;
  do {
    const reply = (await redis.command([
      'SCAN',
      cursor,
      'MATCH',
      `${channel}*`,
      'COUNT',
      '1000',
    ])) as [string, string[]];
    scanCalls++;
    cursor = reply[0];
    for (const key of reply[1]) {
      const value = await redis.command(['GET', key]);
      gets++;
      if (typeof value === 'string') items.push([key, value]);
    }
  } while (cursor !== '0');
  items.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const foreign = items.filter(([key]) => isForeignKey(key, channel)).length;
  return { items, scanCalls, roundTrips: scanCalls + gets, foreign };
}
