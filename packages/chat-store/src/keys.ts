import type { ChannelName, PlayerId } from '@game-chat/protocol/names';

/**
 * Hash tags: every key of one channel (one player) lands on one cluster slot, so a script may
 * touch them all. Names were checked (contract §2: no braces, no spaces) by whoever made them.
 */
export const channelKeyBase = (keyPrefix: string, channel: ChannelName) =>
  `${keyPrefix}:ch:{${channel}}`;

export const playerKeyBase = (keyPrefix: string, playerId: PlayerId) =>
  `${keyPrefix}:pl:{${playerId}}`;
