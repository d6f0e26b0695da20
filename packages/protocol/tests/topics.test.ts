import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChannelName, PlayerId } from '../src/names.js';
import { createTopics, TOPIC_KINDS, validateTopicPrefix } from '../src/topics.js';
import { itRefusesEach } from './refusals.js';
import { anyValue, expectFailure, expectOk, expectWellFormed, HOSTILE_VALUES } from './support.js';

const channel = 'Town137' as ChannelName;
const alice = 'alice' as PlayerId;
const validName = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const validPrefix = fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/);

describe.each([
  ['the default prefix', undefined, 'chat'],
  ['a custom prefix', 'game-7_chat', 'game-7_chat'],
])('topics with %s', (_what, configured, prefix) => {
  const topics = createTopics(configured);

  it(`uses ${prefix} as the first level`, () => {
    expect(topics.prefix).toBe(prefix);
  });

  it('builds the five topics of contract §3', () => {
    expect([
      topics.send(channel),
      topics.room(channel),
      topics.whisper(alice),
      topics.inbox(alice),
      topics.presence(channel),
    ]).toEqual([
      `${prefix}/send/Town137`,
      `${prefix}/room/Town137`,
      `${prefix}/whisper/alice`,
      `${prefix}/inbox/alice`,
      `${prefix}/presence/Town137`,
    ]);
  });

  it("names the server side's publish scope: every room, inbox and presence topic of the prefix", () => {
    expect(topics.serverPublishScope()).toEqual([
      `${prefix}/room/*`,
      `${prefix}/inbox/*`,
      `${prefix}/presence/*`,
    ]);
  });

  it('builds the rule filter of each kind with a single-level wildcard', () => {
    expect(TOPIC_KINDS.map(topics.filter)).toEqual([
      `${prefix}/send/+`,
      `${prefix}/room/+`,
      `${prefix}/whisper/+`,
      `${prefix}/inbox/+`,
      `${prefix}/presence/+`,
    ]);
  });

  it.each(TOPIC_KINDS)('parses a %s topic back into its kind and name', (kind) => {
    expect(topics.parse(`${prefix}/${kind}/Town137`)).toEqual({
      ok: true,
      value: { kind, name: 'Town137' },
    });
  });

  it.each([
    ['a foreign prefix', 'other/send/Town137'],
    ['the prefix in another case', `${prefix.toUpperCase()}/send/Town137`],
    ['an unknown kind', `${prefix}/shout/Town137`],
    ['a kind in another case', `${prefix}/SEND/Town137`],
    ['an extra level', `${prefix}/send/Town137/extra`],
    ['a trailing slash', `${prefix}/send/Town137/`],
    ['a leading slash', `/${prefix}/send/Town137`],
    ['a missing name', `${prefix}/send`],
    ['an empty name', `${prefix}/send/`],
    ['only the prefix', prefix],
    ['an empty topic', ''],
    ['a single-level wildcard as the name', `${prefix}/send/+`],
    ['a multi-level wildcard as the name', `${prefix}/room/#`],
    ['a wildcard as the kind', `${prefix}/+/Town137`],
    ['a multi-level wildcard after the prefix', `${prefix}/#`],
    ['a client id instead of a player id', `${prefix}/inbox/alice.tab2`],
    ['a client id instead of a channel', `${prefix}/presence/alice.tab2`],
    ['a 65-character name', `${prefix}/room/${'a'.repeat(65)}`],
    ['a space in the name', `${prefix}/send/Town 137`],
    ['an AWS reserved topic', '$aws/events/presence/connected/alice'],
  ])('refuses a topic with %s', (_why, topic) => {
    expectFailure(topics.parse(topic), 'invalid');
  });

  it.each(HOSTILE_VALUES)('refuses %s as a topic', (_label, topic) => {
    expectFailure(topics.parse(topic), 'invalid');
  });

  it('never throws on arbitrary values', () => {
    fc.assert(fc.property(anyValue, (topic) => expectWellFormed(topics.parse(topic))));
  });
});

describe('topic parsing across prefixes', () => {
  it('refuses the topics of another prefix', () => {
    expectFailure(createTopics('game').parse('chat/send/Town137'), 'invalid');
    expectFailure(createTopics().parse('game/send/Town137'), 'invalid');
  });

  it('round-trips every built topic through parse', () => {
    fc.assert(
      fc.property(validPrefix, fc.constantFrom(...TOPIC_KINDS), validName, (prefix, kind, name) => {
        const topics = createTopics(prefix);
        const topic = topics[kind](name as ChannelName & PlayerId);
        expect(topic.split('/')).toHaveLength(3);
        expect(expectOk(topics.parse(topic))).toEqual({ kind, name });
      }),
    );
  });

  it('accepts only topics it could have built itself', () => {
    const level = fc.constantFrom(
      'chat',
      ...TOPIC_KINDS,
      'Town137',
      'alice',
      'a.b',
      '+',
      '#',
      '',
      '$SYS',
    );
    fc.assert(
      fc.property(fc.array(level, { maxLength: 5 }), (levels) => {
        const topic = levels.join('/');
        const topics = createTopics();
        const result = topics.parse(topic);
        expectWellFormed(result);
        if (result.ok) {
          expect(topics[result.value.kind](result.value.name as ChannelName & PlayerId)).toBe(
            topic,
          );
        }
      }),
    );
  });
});

describe('topic prefixes', () => {
  it.each([['chat'], ['game-7_chat'], ['a'], ['p'.repeat(32)]])('accepts %s', (prefix) => {
    expect(validateTopicPrefix(prefix)).toEqual({ ok: true, value: prefix });
  });

  itRefusesEach('refuses %s', validateTopicPrefix, 'invalid', [
    ['an empty prefix', ''],
    ['a prefix of two levels', 'game/chat'],
    ['a prefix ending in a slash', 'chat/'],
    ['a wildcard prefix', '+'],
    ['a multi-level wildcard', '#'],
    ['an AWS reserved prefix', '$aws'],
    ['a 33-character prefix', 'p'.repeat(33)],
    ['a prefix with a space', 'my chat'],
    ['a non-string prefix', 7],
  ]);

  it('makes createTopics throw a TypeError at start-up for a bad prefix', () => {
    expect(() => createTopics('game/chat')).toThrow(TypeError);
    expect(() => createTopics('')).toThrow(/topic prefix/);
  });
});
