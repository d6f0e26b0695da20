import { validateChannel } from '@game-chat/protocol/names';

export const DEFAULT_CHANNEL = 'Town137';
export const MAX_RECENT_CHANNELS = 6;

/** The channels worth listing from a stored value: valid names only, each once, newest first. */
export function readRecentChannels(value: unknown, max = MAX_RECENT_CHANNELS): string[] {
  if (!Array.isArray(value)) return [];
  const channels: string[] = [];
  for (const item of value) {
    if (validateChannel(item).ok && !channels.includes(item)) channels.push(item);
    if (channels.length === max) break;
  }
  return channels;
}

/** The list with `channel` moved (or added) to the front, at most `max` long. */
export function rememberChannel(
  recent: readonly string[],
  channel: string,
  max = MAX_RECENT_CHANNELS,
): string[] {
  return [channel, ...recent.filter((item) => item !== channel)].slice(0, max);
}
