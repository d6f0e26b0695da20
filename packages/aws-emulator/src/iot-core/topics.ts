import { fail, ok, type Result } from '@game-chat/protocol/result';
import { IOT_LIMITS } from './limits.js';

/**
 * Topic names and filters with AWS IoT Core's rules (aws-fidelity §5): at most 256 UTF-8 bytes and
 * 7 slashes, and `a/#` does not match the parent topic `a` (the MQTT spec and aedes say it does).
 */

function checkShape(topic: unknown, what: string): Result<string> {
  if (typeof topic !== 'string' || topic.length === 0) return fail('empty', `${what} is empty`);
  if (Buffer.byteLength(topic, 'utf8') > IOT_LIMITS.maxTopicBytes) {
    return fail('too_long', `${what} is longer than ${IOT_LIMITS.maxTopicBytes} bytes`);
  }
  if (topic.split('/').length - 1 > IOT_LIMITS.maxTopicSlashes) {
    return fail('invalid', `${what} has more than ${IOT_LIMITS.maxTopicSlashes} slashes`);
  }
  // [MQTT-1.5.3-2] U+0000 is never allowed in a topic.
  if (topic.includes('\u0000')) return fail('invalid', `${what} contains U+0000`);
  return ok(topic);
}

/** A topic a message is published to: no wildcards. */
export function checkTopicName(topic: unknown): Result<string> {
  const shape = checkShape(topic, 'topic');
  if (!shape.ok) return shape;
  if (/[+#]/.test(shape.value)) return fail('invalid', 'topic must not contain + or #');
  return shape;
}

/** A subscription filter: `+` fills a whole level, `#` only the whole last level. */
export function checkTopicFilter(filter: unknown): Result<string> {
  const shape = checkShape(filter, 'topic filter');
  if (!shape.ok) return shape;
  const levels = shape.value.split('/');
  for (const [index, level] of levels.entries()) {
    const wildcard = level.includes('+') || level.includes('#');
    if (!wildcard) continue;
    if (level === '+') continue;
    if (level === '#' && index === levels.length - 1) continue;
    return fail('invalid', `topic filter has a misplaced wildcard in level "${level}"`);
  }
  return shape;
}

/** Topics that start with `$` are reserved for the service (`$aws/...`). */
export function isReservedTopic(topic: string): boolean {
  return topic.startsWith('$');
}

/** Whether `filter` matches `topic` the way IoT Core matches them. */
export function matchesTopicFilter(filter: string, topic: string): boolean {
  // [MQTT-4.7.2-1] a filter starting with a wildcard never matches a `$` topic.
  if ((filter.startsWith('+') || filter.startsWith('#')) && topic.startsWith('$')) return false;
  const filterLevels = filter.split('/');
  const topicLevels = topic.split('/');
  for (const [index, level] of filterLevels.entries()) {
    // IoT: `#` needs at least one level of its own, so `a/#` does not match `a`.
    if (level === '#') return topicLevels.length > index;
    const topicLevel = topicLevels[index];
    if (topicLevel === undefined) return false;
    if (level !== '+' && level !== topicLevel) return false;
  }
  return filterLevels.length === topicLevels.length;
}
