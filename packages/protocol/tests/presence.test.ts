import { describe, expect, it } from 'vitest';
import {
  OCCUPANCY_MAX_CHANNELS,
  PRESENCE_LIMIT_DEFAULT,
  parseOccupancyQuery,
  parsePresenceEvent,
  parsePresenceQuery,
} from '../src/presence.js';
import { expectFailure, expectOk, HOSTILE_VALUES } from './support.js';

const event = {
  v: 1,
  kind: 'presence',
  channel: 'Town137',
  count: 3,
  joined: [{ id: 'bob', name: 'Bob' }],
  left: [{ id: 'eve' }],
};

describe('presence events', () => {
  it('accepts the shape of contract §3', () => {
    expect(expectOk(parsePresenceEvent(JSON.stringify(event)))).toEqual(event);
  });

  it.each([
    ['another version', { ...event, v: 2 }],
    ['another kind', { ...event, kind: 'chat' }],
    ['a bad channel', { ...event, channel: 'Town 137' }],
    ['a negative count', { ...event, count: -1 }],
    ['a fractional count', { ...event, count: 1.5 }],
    ['a joined member without a name', { ...event, joined: [{ id: 'bob' }] }],
    ['left that is not a list', { ...event, left: { id: 'eve' } }],
    ['a left entry without an id', { ...event, left: [{}] }],
  ])('refuses %s', (_why, value) => {
    expectFailure(parsePresenceEvent(JSON.stringify(value)), 'invalid');
  });
});

describe('presence queries', () => {
  it('defaults the limit', () => {
    expect(expectOk(parsePresenceQuery('Town137'))).toEqual({
      channel: 'Town137',
      limit: PRESENCE_LIMIT_DEFAULT,
    });
  });

  it.each([['1'], ['1000']])('accepts limit %s', (limit) => {
    expect(expectOk(parsePresenceQuery('Town137', { limit })).limit).toBe(Number(limit));
  });

  it.each([['0'], ['1001'], ['-1'], ['1e2'], [' 5'], ['00010'], ['']])(
    'refuses limit %j',
    (limit) => {
      expectFailure(parsePresenceQuery('Town137', { limit }), 'invalid');
    },
  );

  it.each(HOSTILE_VALUES)('refuses %s as a channel', (_label, channel) => {
    expect(parsePresenceQuery(channel).ok).toBe(false);
  });
});

describe('occupancy queries', () => {
  it('reads distinct names in order', () => {
    expect(expectOk(parseOccupancyQuery('a,b,Town137'))).toEqual(['a', 'b', 'Town137']);
  });

  it(`accepts ${OCCUPANCY_MAX_CHANNELS} names`, () => {
    const names = Array.from({ length: OCCUPANCY_MAX_CHANNELS }, (_, i) => `c${i}`);
    expect(expectOk(parseOccupancyQuery(names.join(',')))).toHaveLength(OCCUPANCY_MAX_CHANNELS);
  });

  it.each([
    ['no names', ''],
    ['too many names', Array.from({ length: 101 }, (_, i) => `c${i}`).join(',')],
    ['a duplicate', 'a,b,a'],
    ['an empty name', 'a,,b'],
    ['a trailing comma', 'a,'],
    ['a bad name', 'a,b c'],
    ['a wildcard', 'a,+'],
  ])('refuses %s', (_why, channels) => {
    expectFailure(parseOccupancyQuery(channels), 'invalid');
  });

  it.each(HOSTILE_VALUES)('refuses %s', (_label, channels) => {
    expectFailure(parseOccupancyQuery(channels), 'invalid');
  });
});
