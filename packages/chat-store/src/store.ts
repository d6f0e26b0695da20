import { type ChannelLog, createChannelLog } from './channel-log.js';
import { createPlayers, type Players } from './players.js';
import { createPresence, type Presence } from './presence.js';
import { createReports, type Reports } from './reports.js';
import { type ChatStoreOptions, resolveSettings } from './settings.js';

export type {
  AppendOptions,
  AppendResult,
  ChannelLog,
  ChannelRetention,
  Evidence,
  RecentOptions,
  RecentResult,
  StoreEntry,
} from './channel-log.js';
export type {
  Admission,
  AdmitInput,
  AdmitResult,
  BlockedPlayer,
  BlockResult,
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
export type {
  CreateReportResult,
  NewReport,
  NewResolution,
  Reports,
  ResolveResult,
} from './reports.js';
export type { ChatStoreOptions, PresenceOptions } from './settings.js';

/**
 * The chat's Redis store: a channel's slot (`ChannelLog`: its messages, slow mode), a player's
 * slot (`Players`: profile, mute, rate limit, admitted events, block list), presence across both
 * (`Presence`: a lifecycle event is one round trip on the player's slot, then one on the
 * channels' slots) and the reports (`Reports`). Every other operation is one round trip on one
 * hash slot (listing reports: three).
 */
export type ChatStore = ChannelLog & Players & Presence & Reports;

export function createChatStore(options: ChatStoreOptions): ChatStore {
  const settings = resolveSettings(options);
  return {
    ...createChannelLog(settings),
    ...createPlayers(settings),
    ...createPresence(settings),
    ...createReports(settings),
  };
}
