import { type ChannelName, canModerate, ROLES } from '@game-chat/protocol/names';
import {
  type AppendOptions,
  type AppendResult,
  appendParts,
  type ChannelLog,
  channelKeys,
  entryFields,
  type StoreEntry,
  toAppendResult,
} from './channel-log.js';
import { asArray } from './connection.js';
import { StoreInputError } from './errors.js';
import * as inputs from './inputs.js';
import { playerKeyBase } from './keys.js';
import {
  type Admission,
  type AdmitInput,
  type AdmitResult,
  admissionArgs,
  isAdmission,
  type Players,
  toAdmitResult,
} from './players.js';
import { POST } from './scripts.js';
import type { StoreSettings } from './settings.js';

export interface PostInput {
  /** The sender's admission (its player is the entry's sender); whispers do not post. */
  readonly admission: Omit<AdmitInput, 'whisperId'>;
  readonly channel: ChannelName;
  /**
   * `from.name` is the name used when the player has no profile: the profile's display name
   * replaces it.
   */
  readonly entry: StoreEntry;
  /** Slow mode applies to the sender unless its profile's role may moderate. */
  readonly options?: Omit<AppendOptions, 'slowModeSender'>;
  /**
   * When the sender stops waiting (epoch ms): past it nothing is admitted or stored, checked
   * where the store decides (by the node's clock), so a call held up by an outage cannot store
   * what the sender was told did not go out.
   */
  readonly expiresAt?: number;
}

export type PostResult =
  /** Past `expiresAt`: nothing was done. */
  | { readonly status: 'expired' }
  /** The admission's refusals: nothing was stored or charged. */
  | Exclude<AdmitResult, Admission>
  /** Admitted (or in progress), then appended, or refused by the channel. */
  | {
      readonly status: 'posted';
      readonly admission: Admission;
      readonly appended: AppendResult;
    };

export interface Posting {
  /**
   * A player's message to a channel: `admit`, then `append` when admitted, with the guarantees
   * of both. One script on one node (the deployed cache), where the admission record also keeps
   * the stored message's id; on a Redis Cluster the player's and the channel's slots may lie on
   * different nodes, so two round trips, as `admit` and `append` make them.
   */
  post(input: PostInput): Promise<PostResult>;
}

const SLOW_MODE_EXEMPT = ROLES.filter(canModerate).join(' ');

/** The entry under the name the admission found, if any. */
function named(entry: StoreEntry, admission: Admission): StoreEntry {
  const name = admission.profile?.name;
  return name === undefined ? entry : { ...entry, from: { ...entry.from, name } };
}

export function createPosting(
  settings: StoreSettings,
  parts: Pick<Players, 'admit'> & Pick<ChannelLog, 'append'>,
): Posting {
  const { client, keyPrefix, dedupeWindowMs } = settings;

  const expired = (expiresAt: number | undefined) =>
    expiresAt !== undefined && Date.now() > expiresAt;

  async function postOnCluster({
    admission,
    channel,
    entry,
    options = {},
    expiresAt,
  }: PostInput): Promise<PostResult> {
    if (expired(expiresAt)) return { status: 'expired' };
    const admitted = await parts.admit(admission);
    if (!isAdmission(admitted)) return admitted;
    // Two round trips: checked again before the second.
    if (expired(expiresAt)) return { status: 'expired' };
    const exempt = admitted.profile !== null && canModerate(admitted.profile.role);
    const appended = await parts.append(channel, named(entry, admitted), {
      ...options,
      ...(exempt ? {} : { slowModeSender: admission.playerId }),
    });
    return { status: 'posted' as const, admission: admitted, appended };
  }

  return {
    async post(input) {
      const { admission, channel, entry, options = {}, expiresAt } = input;
      if (entry.from.id !== admission.playerId) {
        throw new StoreInputError('a post is stored under its sender, the admitted player');
      }
      const stopsWaiting = inputs.optionalTime(expiresAt, 'expiresAt');
      if (client.cluster) return postOnCluster(input);
      const keys = channelKeys(keyPrefix, channel);
      const { channelArgs, fields } = appendParts(settings, entry, {
        ...options,
        slowModeSender: admission.playerId,
      });
      const reply = asArray(
        await client.evalScript(
          POST,
          [
            playerKeyBase(keyPrefix, admission.playerId),
            keys.log,
            keys.meta,
            keys.slow,
            ...keys.slowPost,
          ],
          [
            ...admissionArgs(admission, dedupeWindowMs),
            ...channelArgs,
            SLOW_MODE_EXEMPT,
            stopsWaiting,
            ...fields,
          ],
        ),
      );
      if (reply[0] === 'expired') return { status: 'expired' };
      const admitted = toAdmitResult(reply);
      if (!isAdmission(admitted)) return admitted;
      const stored = admitted.profile === null ? fields : entryFields(named(entry, admitted));
      return {
        status: 'posted',
        admission: admitted,
        appended: toAppendResult(channel, asArray(reply[5] ?? []), stored),
      };
    },
  };
}
