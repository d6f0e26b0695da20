import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ChannelClassError,
  classOf,
  createRetentionResolver,
  MAX_CHANNEL_CLASSES,
  parseChannelClasses,
} from '../src/channel-classes.js';

function refusal(raw: string): string {
  try {
    parseChannelClasses(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ChannelClassError);
    return (error as Error).message;
  }
  throw new Error(`expected ${raw} to be refused`);
}

describe('parseChannelClasses', () => {
  it('reads ordered rules with windows in s, m, h or d', () => {
    expect(parseChannelClasses(' guild-*=7d/1000, party-*=2h/200,Arena=90m/50,dev=45s/5 ')).toEqual(
      [
        { pattern: 'guild-*', retentionSeconds: 604_800, maxMessages: 1000 },
        { pattern: 'party-*', retentionSeconds: 7200, maxMessages: 200 },
        { pattern: 'Arena', retentionSeconds: 5400, maxMessages: 50 },
        { pattern: 'dev', retentionSeconds: 45, maxMessages: 5 },
      ],
    );
  });

  it('reads blank as no classes', () => {
    expect(parseChannelClasses('')).toEqual([]);
    expect(parseChannelClasses(' , ')).toEqual([]);
  });

  it.each([
    ['guild-*', /not pattern=window\/cap/],
    ['guild-*=7d', /not pattern=window\/cap/],
    ['guild-*=/10', /not pattern=window\/cap/],
    ['guild-*=7/10', /not pattern=window\/cap/],
    ['gu*ild=7d/10', /not pattern=window\/cap/],
    ['guild**=7d/10', /not pattern=window\/cap/],
    ['guild.x=7d/10', /not pattern=window\/cap/],
    ['*=7d/10', /matches every channel/],
    ['guild-*=0d/10', /window must be 1s-30d/],
    ['guild-*=2592001s/10', /window must be 1s-30d/],
    ['guild-*=999999999d/10', /window must be 1s-30d/],
    ['guild-*=7d/0', /cap must be 1-10000/],
    ['guild-*=7d/10001', /cap must be 1-10000/],
    ['guild-*=7d/-1', /not pattern=window\/cap/],
  ])('refuses %j', (raw, message) => {
    expect(refusal(raw)).toMatch(message);
  });

  it('refuses a rule that an earlier one covers: it could never match', () => {
    expect(refusal('guild-*=7d/1000,guild-officers-*=30d/100')).toMatch(
      /"guild-officers-\*=30d\/100" overlaps the earlier "guild-\*"/,
    );
    expect(refusal('guild-*=7d/1000,guild-*=1d/10')).toMatch(/overlaps/);
    expect(refusal('guild-*=7d/1000,guild-7=1d/10')).toMatch(/overlaps/);
    expect(refusal('g*=7d/1000,guild-*=1d/10')).toMatch(/overlaps/);
    expect(refusal('Town1=1h/10,Town1=2h/10')).toMatch(/overlaps/);
  });

  it('accepts an exception listed before the general rule, and disjoint rules', () => {
    const classes = parseChannelClasses(
      'guild-officers-*=30d/100,guild-*=7d/1000,Town1=1h/10,Town1*=2h/10',
    );
    expect(classes.map((rule) => rule.pattern)).toEqual([
      'guild-officers-*',
      'guild-*',
      'Town1',
      'Town1*',
    ]);
    expect(classOf(classes, 'guild-officers-1')?.pattern).toBe('guild-officers-*');
    expect(classOf(classes, 'guild-1')?.pattern).toBe('guild-*');
    expect(classOf(classes, 'Town1')?.pattern).toBe('Town1');
    expect(classOf(classes, 'Town12')?.pattern).toBe('Town1*');
    expect(classOf(classes, 'Town2')).toBeUndefined();
  });

  it(`refuses more than ${MAX_CHANNEL_CLASSES} rules`, () => {
    const rules = Array.from({ length: MAX_CHANNEL_CLASSES + 1 }, (_, i) => `c${i}x=1h/10`);
    expect(refusal(rules.join(','))).toMatch(/at most 32/);
  });

  it('either parses or throws ChannelClassError, for any input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (raw) => {
        try {
          parseChannelClasses(raw);
        } catch (error) {
          expect(error).toBeInstanceOf(ChannelClassError);
        }
      }),
    );
  });

  it('refuses a rule list exactly when a rule can never apply', () => {
    const pattern = fc.tuple(fc.constantFrom('g', 'gu', 'guild', 'p', 'x1'), fc.boolean());
    fc.assert(
      fc.property(fc.array(pattern, { maxLength: 5 }), (patterns) => {
        const raw = patterns.map(([name, star]) => `${name}${star ? '*' : ''}=1h/10`).join(',');
        // A name only this rule is written for: the exact name, or the prefix and a suffix no
        // other candidate has.
        const witness = ([name, star]: [string, boolean]) => (star ? `${name}Q` : name);
        const dead = patterns.some((rule, i) =>
          patterns
            .slice(0, i)
            .some(([name, star]) =>
              star ? witness(rule).startsWith(name) : name === witness(rule),
            ),
        );
        let classes: ReturnType<typeof parseChannelClasses> | undefined;
        try {
          classes = parseChannelClasses(raw);
        } catch {
          classes = undefined;
        }
        expect(classes === undefined).toBe(dead);
        for (const [i, rule] of (classes ?? []).entries()) {
          expect(classOf(classes ?? [], witness(patterns[i] as [string, boolean]))).toBe(rule);
        }
      }),
    );
  });
});

describe('createRetentionResolver', () => {
  const resolve = createRetentionResolver({
    channelClasses: parseChannelClasses('guild-*=7d/1000,party-*=2h/200'),
    historySeconds: 30,
    historyMax: 200,
  });

  it('gives a matching channel its class, first match first', () => {
    expect(resolve('guild-42')).toEqual({ retentionSeconds: 604_800, maxMessages: 1000 });
    expect(resolve('party-7')).toEqual({ retentionSeconds: 7200, maxMessages: 200 });
  });

  it('gives every other channel the two history settings', () => {
    expect(resolve('Town137')).toEqual({ retentionSeconds: 30, maxMessages: 200 });
    expect(resolve('guild')).toEqual({ retentionSeconds: 30, maxMessages: 200 });
    expect(resolve('myguild-1')).toEqual({ retentionSeconds: 30, maxMessages: 200 });
  });
});
