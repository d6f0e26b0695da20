import { DEFAULT_TOPIC_PREFIX } from './limits.js';
import { type ChannelName, type PlayerId, validateChannel, validatePlayerId } from './names.js';
import { fail, ok, type Result } from './result.js';

/**
 * The five topics of contract §3. Players publish to `send` and `whisper`, which only the topic
 * rules read; only the filter publishes to `room` and `inbox`, only the presence Lambda to
 * `presence`.
 */
export const TOPIC_KINDS = ['send', 'room', 'whisper', 'inbox', 'presence'] as const;
export type TopicKind = (typeof TOPIC_KINDS)[number];

/**
 * The kinds the server side publishes (through the IoT Data Plane): the Lambdas' `iot:Publish`
 * scope, which Terraform grants and the local Data Plane enforces.
 */
export const SERVER_PUBLISH_KINDS = [
  'room',
  'inbox',
  'presence',
] as const satisfies readonly TopicKind[];

/** A prefix is one topic level, so that `topic(3)` in the rule SQL is always the name. */
export const TOPIC_PREFIX_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

export interface ParsedTopic {
  readonly kind: TopicKind;
  /** The channel (`send`, `room`) or the player id (`whisper`, `inbox`). */
  readonly name: string;
}

/** The kinds whose name is a channel; the others name a player. */
const CHANNEL_KINDS: readonly TopicKind[] = ['send', 'room', 'presence'];

export interface ChatTopics {
  readonly prefix: string;
  send(channel: ChannelName): string;
  room(channel: ChannelName): string;
  whisper(to: PlayerId): string;
  inbox(playerId: PlayerId): string;
  /** Where the presence Lambda publishes a channel's member changes and count. */
  presence(channel: ChannelName): string;
  /** `{prefix}/{kind}/+`: the filter that matches every topic of a kind. */
  filter(kind: TopicKind): string;
  /**
   * `{prefix}/room/*`, `{prefix}/inbox/*` and `{prefix}/presence/*`: the IAM resource patterns (after `topic/` in the
   * ARN; `*` spans levels) of what the server side may publish.
   */
  serverPublishScope(): string[];
  parse(topic: unknown): Result<ParsedTopic>;
}

export function validateTopicPrefix(input: unknown): Result<string> {
  if (typeof input !== 'string' || !TOPIC_PREFIX_PATTERN.test(input)) {
    return fail('invalid', 'topic prefix must be 1-32 characters of A-Z, a-z, 0-9, _ or -');
  }
  return ok(input);
}

function isTopicKind(value: string | undefined): value is TopicKind {
  return (TOPIC_KINDS as readonly (string | undefined)[]).includes(value);
}

export function createTopics(prefix: string = DEFAULT_TOPIC_PREFIX): ChatTopics {
  const checked = validateTopicPrefix(prefix);
  if (!checked.ok) throw new TypeError(checked.message);
  const build = (kind: TopicKind, name: string) => `${prefix}/${kind}/${name}`;
  return {
    prefix,
    send: (channel) => build('send', channel),
    room: (channel) => build('room', channel),
    whisper: (to) => build('whisper', to),
    inbox: (playerId) => build('inbox', playerId),
    presence: (channel) => build('presence', channel),
    filter: (kind) => build(kind, '+'),
    serverPublishScope: () => SERVER_PUBLISH_KINDS.map((kind) => build(kind, '*')),
    parse(topic) {
      if (typeof topic !== 'string') return fail('invalid', 'topic must be a string');
      const levels = topic.split('/');
      const [head, kind, name] = levels;
      if (levels.length !== 3 || head !== prefix || !isTopicKind(kind) || name === undefined) {
        return fail('invalid', `not a chat topic: expected ${prefix}/<kind>/<name>`);
      }
      const valid = CHANNEL_KINDS.includes(kind) ? validateChannel(name) : validatePlayerId(name);
      if (!valid.ok) return fail('invalid', `topic: ${valid.message}`);
      return ok({ kind, name });
    },
  };
}
