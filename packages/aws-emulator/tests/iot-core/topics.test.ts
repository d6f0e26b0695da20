import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clampKeepAlive } from '../../src/iot-core/limits.js';
import { checkTopicFilter, checkTopicName, matchesTopicFilter } from '../../src/iot-core/topics.js';

// Names are what a client publishes to, filters what it subscribes to: both checked the IoT way.
describe.each<[string, (topic: string) => { ok: boolean }, [string, boolean][]]>([
  [
    'topic names',
    checkTopicName,
    [
      ['chat/send/Town137', true],
      ['a/b/c/d/e/f/g/h', true], // 7 slashes, 8 levels: the most IoT allows
      ['a/b/c/d/e/f/g/h/i', false],
      [`t/${'x'.repeat(254)}`, true], // 256 bytes
      [`t/${'x'.repeat(255)}`, false],
      [`t/${'é'.repeat(127)}`, true], // 2 + 254 bytes
      [`t/${'é'.repeat(128)}`, false], // counted in UTF-8 bytes, not characters
      ['', false],
      ['chat/+/x', false],
      ['chat/#', false],
      ['a\u0000b', false],
    ],
  ],
  [
    'topic filters',
    checkTopicFilter,
    [
      ['chat/room/+', true],
      ['chat/#', true],
      ['#', true],
      ['+/+/+', true],
      ['chat/#/x', false],
      ['chat/ro+m', false],
      ['chat/room#', false],
      ['a/b/c/d/e/f/g/#', true],
      ['a/b/c/d/e/f/g/h/#', false],
    ],
  ],
])('%s', (_kind, check, cases) => {
  it.each(cases)('%s → %s', (topic, valid) => {
    expect(check(topic).ok).toBe(valid);
  });
});

describe('matching the IoT way', () => {
  it.each([
    ['a/#', 'a', false], // IoT Core: the parent is not matched (MQTT says it is)
    ['a/#', 'a/', true],
    ['a/#', 'a/b/c', true],
    ['#', 'a', true],
    ['a/+', 'a/b', true],
    ['a/+', 'a/b/c', false],
    ['a/+/c', 'a//c', true],
    ['+/x', '$aws/x', false], // [MQTT-4.7.2-1]
    ['#', '$aws/events/presence/connected/a', false],
    ['$aws/events/presence/+/a', '$aws/events/presence/connected/a', true],
    ['Chat/room', 'chat/room', false], // case-sensitive
  ])('%s matches %s → %s', (filter, topic, expected) => {
    expect(matchesTopicFilter(filter, topic)).toBe(expected);
  });

  const level = fc.stringMatching(/^[a-z0-9]{0,4}$/);
  const topic = fc.array(level, { minLength: 1, maxLength: 8 }).map((levels) => levels.join('/'));

  it('matches a topic to itself, and to itself with one level replaced by +', () => {
    fc.assert(
      fc.property(topic, fc.nat(), (name, at) => {
        expect(matchesTopicFilter(name, name)).toBe(true);
        const levels = name.split('/');
        levels[at % levels.length] = '+';
        expect(matchesTopicFilter(levels.join('/'), name)).toBe(true);
      }),
    );
  });

  it('matches prefix/# to exactly the topics strictly below the prefix', () => {
    fc.assert(
      fc.property(topic, topic, (prefix, name) => {
        const below = name.startsWith(`${prefix}/`);
        expect(matchesTopicFilter(`${prefix}/#`, name)).toBe(below);
      }),
    );
  });
});

describe('keep-alive', () => {
  it.each([
    [0, 1200],
    [1, 30],
    [29, 30],
    [30, 30],
    [600, 600],
    [1200, 1200],
    [1201, 1200],
    [65535, 1200],
  ])('%i s becomes %i s', (asked, granted) => {
    expect(clampKeepAlive(asked)).toBe(granted);
  });
});
