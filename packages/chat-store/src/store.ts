import { type ChannelLog, createChannelLog } from './channel-log.js';
import { createPlayers, type Players } from './players.js';
import { createPresence, type Presence } from './presence.js';
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
  RecipientStatus,
} from './players.js';
export type {
  ChannelPresence,
  LifecycleInput,
  LifecycleKind,
  LifecycleResult,
  MemberList,
  Presence,
  PresenceBroadcast,
} from './presence.js';
export type { ChatStoreOptions, PresenceOptions } from './settings.js';

/**
 * The chat's Redis store: a channel's slot (`ChannelLog`: its messages) and a player's slot
 * (`Players`: profile, mute, rate limit, admitted events), and presence across both (`Presence`:
 * a lifecycle event is one round trip on the player's slot, then one on the channels' slots).
 * Every other operation is one round trip on one hash slot.
 */
export type ChatStore = ChannelLog & Players & Presence;

export function createChatStore(options: ChatStoreOptions): ChatStore {
  const settings = resolveSettings(options);
  return { ...createChannelLog(settings), ...createPlayers(settings), ...createPresence(settings) };
}
