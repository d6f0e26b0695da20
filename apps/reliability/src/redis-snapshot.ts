import type { RedisConnection } from '@game-chat/chat-store/connection';

/**
 * What a key prefix holds at one moment, read in one round trip: the key names and the length
 * of every stream. Test-only (it uses KEYS): "nothing stored on refusal" compares two of them.
 */
export interface KeyspaceSnapshot {
  readonly keys: readonly string[];
  /** Stream key → number of entries. */
  readonly streams: Readonly<Record<string, number>>;
}

const SNAPSHOT = `
local keys = redis.call('KEYS', ARGV[1])
local streams = {}
for _, key in ipairs(keys) do
  if redis.call('TYPE', key).ok == 'stream' then
    streams[#streams + 1] = key
    streams[#streams + 1] = redis.call('XLEN', key)
  end
end
return {keys, streams}
`;

export async function snapshotKeyspace(
  redis: RedisConnection,
  prefix: string,
): Promise<KeyspaceSnapshot> {
  const [keys, pairs] = (await redis.command(['EVAL', SNAPSHOT, '0', `${prefix}:*`])) as [
    string[],
    (string | number)[],
  ];
  const streams: Record<string, number> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) streams[String(pairs[i])] = Number(pairs[i + 1]);
  return { keys: [...keys].sort(), streams };
}

/** The snapshot without the keys `ignored` matches (state that others change meanwhile). */
export function without(snapshot: KeyspaceSnapshot, ignored: RegExp): KeyspaceSnapshot {
  return {
    keys: snapshot.keys.filter((key) => !ignored.test(key)),
    streams: Object.fromEntries(
      Object.entries(snapshot.streams).filter(([key]) => !ignored.test(key)),
    ),
  };
}

/** Keys in `after` that `before` did not have. */
export function newKeys(before: KeyspaceSnapshot, after: KeyspaceSnapshot): string[] {
  const known = new Set(before.keys);
  return after.keys.filter((key) => !known.has(key));
}

/**
 * Streams that gained entries (or appeared) between two snapshots: a refused message must not
 * add one anywhere. (Streams may shrink meanwhile: retention trims them.)
 */
export function grownStreams(before: KeyspaceSnapshot, after: KeyspaceSnapshot): string[] {
  return Object.entries(after.streams)
    .filter(([key, length]) => length > (before.streams[key] ?? 0))
    .map(([key]) => key);
}
