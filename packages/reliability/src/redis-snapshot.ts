import type { RedisConnection } from '@game-chat/chat-store/connection';

/**
 * What a key prefix holds at one moment, read in one round trip: the key names and the number
 * of stream entries. Test-only (it uses KEYS): "nothing stored on refusal" compares two of them.
 */
export interface KeyspaceSnapshot {
  readonly keys: readonly string[];
  readonly streamEntries: number;
}

const SNAPSHOT = `
local keys = redis.call('KEYS', ARGV[1])
local entries = 0
for _, key in ipairs(keys) do
  if redis.call('TYPE', key).ok == 'stream' then entries = entries + redis.call('XLEN', key) end
end
return {keys, entries}
`;

export async function snapshotKeyspace(
  redis: RedisConnection,
  prefix: string,
): Promise<KeyspaceSnapshot> {
  const [keys, entries] = (await redis.command(['EVAL', SNAPSHOT, '0', `${prefix}:*`])) as [
    string[],
    number,
  ];
  return { keys: [...keys].sort(), streamEntries: entries };
}

/** Keys in `after` that `before` did not have. */
export function newKeys(before: KeyspaceSnapshot, after: KeyspaceSnapshot): string[] {
  const known = new Set(before.keys);
  return after.keys.filter((key) => !known.has(key));
}
