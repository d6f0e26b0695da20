import type { ChannelRetention } from '@game-chat/chat-store/store';
import { MAX_CHANNEL_MESSAGES, MAX_RETENTION_SECONDS } from '@game-chat/protocol/limits';

/**
 * Channel classes (`CHAT_CHANNEL_CLASSES`): ordered rules `pattern=window/cap`, such as
 * `guild-*=7d/1000,party-*=2h/200`, that give the channels whose names they match their own
 * retention. The first matching rule wins; a channel no rule matches keeps
 * `CHAT_HISTORY_SECONDS` / `CHAT_HISTORY_MAX`.
 *
 * A pattern is a channel name (that one channel) or a name prefix followed by `*` (every channel
 * starting with it). With prefixes only, two patterns that match a common name always nest: one
 * covers every name the other matches. So an overlap is either an exception listed before its
 * general rule (`guild-officers-*` then `guild-*`: allowed, first match wins) or a rule that an
 * earlier one covers and that can therefore never match (`guild-*` then `guild-officers-*`, or the
 * same pattern twice): refused, because a rule without effect is always a mistake in the setting.
 */

export interface ChannelClass extends ChannelRetention {
  /** As written: `guild-*` or `Town1`. */
  readonly pattern: string;
}

/** The longest window a class may keep: beyond a month, history belongs in a database. */
export const MAX_CLASS_WINDOW_SECONDS = MAX_RETENTION_SECONDS;
/** The same cap bounds as `CHAT_HISTORY_MAX`. */
export const MAX_CLASS_MESSAGES = MAX_CHANNEL_MESSAGES;
/** More rules than this is a sign of one class per channel, which patterns are not for. */
export const MAX_CHANNEL_CLASSES = 32;

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const RULE = /^([A-Za-z0-9_-]{0,64})(\*?)=(\d{1,9})([smhd])\/(\d{1,9})$/;

/** How the setting is written, for its error messages and the docs. */
export const CHANNEL_CLASSES_SYNTAX =
  'comma-separated pattern=window/cap rules such as guild-*=7d/1000 (pattern: a channel name, or a name prefix and *; window: a number and s, m, h or d, at most 30d; cap: 1-10000 messages)';

/** A rule that does not parse or breaks a bound; `message` says which rule and why. */
export class ChannelClassError extends Error {
  override readonly name = 'ChannelClassError';
}

function parseRule(text: string): ChannelClass {
  const match = RULE.exec(text);
  if (match === null) {
    throw new ChannelClassError(`rule "${text.slice(0, 80)}" is not pattern=window/cap`);
  }
  const [, name = '', star = '', amount = '', unit = 's', cap = ''] = match;
  if (name === '') {
    throw new ChannelClassError(
      `rule "${text}" matches every channel: set CHAT_HISTORY_SECONDS and CHAT_HISTORY_MAX instead`,
    );
  }
  const retentionSeconds = Number(amount) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS];
  if (retentionSeconds < 1 || retentionSeconds > MAX_CLASS_WINDOW_SECONDS) {
    throw new ChannelClassError(`rule "${text}": the window must be 1s-30d`);
  }
  const maxMessages = Number(cap);
  if (maxMessages < 1 || maxMessages > MAX_CLASS_MESSAGES) {
    throw new ChannelClassError(`rule "${text}": the cap must be 1-${MAX_CLASS_MESSAGES} messages`);
  }
  return { pattern: `${name}${star}`, retentionSeconds, maxMessages };
}

/** Whether `rule` matches every channel that `other` matches. */
function covers(rule: string, other: string): boolean {
  if (!rule.endsWith('*')) return rule === other;
  return other.startsWith(rule.slice(0, -1));
}

/** Parses and checks the setting; blank means no classes. Throws ChannelClassError. */
export function parseChannelClasses(raw: string): readonly ChannelClass[] {
  const texts = raw
    .split(',')
    .map((text) => text.trim())
    .filter((text) => text !== '');
  if (texts.length > MAX_CHANNEL_CLASSES) {
    throw new ChannelClassError(`has ${texts.length} rules; at most ${MAX_CHANNEL_CLASSES}`);
  }
  const classes: ChannelClass[] = [];
  for (const text of texts) {
    const rule = parseRule(text);
    const shadow = classes.find((earlier) => covers(earlier.pattern, rule.pattern));
    if (shadow !== undefined) {
      throw new ChannelClassError(
        `rule "${text}" overlaps the earlier "${shadow.pattern}", which matches every channel it does, so it can never apply (put the more specific rule first)`,
      );
    }
    classes.push(rule);
  }
  return classes;
}

/** The class that `channel` falls in: the first rule whose pattern matches it. */
export function classOf(
  classes: readonly ChannelClass[],
  channel: string,
): ChannelClass | undefined {
  return classes.find((rule) => covers(rule.pattern, channel));
}

/**
 * The pure resolver the Lambdas pass to the store: a channel's window and cap, from its class or
 * else from the two history settings.
 */
export function createRetentionResolver(settings: {
  readonly channelClasses: readonly ChannelClass[];
  readonly historySeconds: number;
  readonly historyMax: number;
}): (channel: string) => ChannelRetention {
  const fallback: ChannelRetention = {
    retentionSeconds: settings.historySeconds,
    maxMessages: settings.historyMax,
  };
  return (channel) => {
    const found = classOf(settings.channelClasses, channel);
    return found === undefined
      ? fallback
      : { retentionSeconds: found.retentionSeconds, maxMessages: found.maxMessages };
  };
}
