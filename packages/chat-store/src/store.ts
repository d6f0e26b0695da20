import { type ChannelLog, createChannelLog } from './channel-log.js';
import { createPlayers, type Players } from './players.js';
import { type ChatStoreOptions, resolveSettings } from './settings.js';

export type {
  AppendOptions,
  AppendResult,
  ChannelLog,
  ChannelRetention,
  RecentOptions,
  RecentResult,
  StoreEntry,
} from './channel-log.js';
export type {
  Admission,
  AdmitInput,
  AdmitResult,
  MuteState,
  Players,
  Profile,
  RateLimit,
} from './players.js';
export type { ChatStoreOptions } from './settings.js';

/**
 * The chat's Redis store: a channel's slot (`ChannelLog`: its messages) and a player's slot
 * (`Players`: profile, mute, rate limit, admitted events). Every operation is one round trip on
 * one hash slot.
 */
export type ChatStore = ChannelLog & Players;

export function createChatStore(options: ChatStoreOptions): ChatStore {
  const settings = resolveSettings(options);
  return { ...createChannelLog(settings), ...createPlayers(settings) };
}
