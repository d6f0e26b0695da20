import { type ChannelLog, createChannelLog } from './channel-log.js';
import { createPlayers, type Players } from './players.js';
import { createPosting, type Posting } from './post.js';
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
export { isAdmission } from './players.js';
export type { PostInput, Posting, PostResult } from './post.js';
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
 * channels' slots), the reports (`Reports`) and a player's message to a channel (`Posting`: one
 * round trip across both slots on one node, two on a cluster). Every other operation is one round
 * trip on one hash slot (listing reports: three).
 */
export type ChatStore = ChannelLog & Players & Presence & Reports & Posting;

export function createChatStore(options: ChatStoreOptions): ChatStore {
  const settings = resolveSettings(options);
  const channelLog = createChannelLog(settings);
  const players = createPlayers(settings);
  return {
    ...channelLog,
    ...players,
    ...createPresence(settings),
    ...createReports(settings),
    ...createPosting(settings, { admit: players.admit, append: channelLog.append }),
  };
}
