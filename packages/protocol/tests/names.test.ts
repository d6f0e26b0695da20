import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canModerate,
  channelAllowed,
  formatClientId,
  isRole,
  parseClientId,
  ROLES,
  validateChannel,
  validatePlayerId,
} from '../src/names.js';
import { itRefusesEach, withHostileValues } from './refusals.js';
import { anyString, anyValue, expectFailure, expectOk, expectWellFormed } from './support.js';

/** contract §2 written out again, so the tests do not check the code against itself. */
const CONTRACT_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const CONTRACT_CLIENT_ID = /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,32})?$/;

const repeat = (length: number) => 'a'.repeat(length);
const validName = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const validSuffix = fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/);
/** Strings that look like names but may carry topic wildcards, dots, spaces and odd letters. */
const nearName = fc.string({
  unit: fc.constantFrom('a', 'Z', '0', '_', '-', '.', '+', '#', '$', '/', ' ', 'é', 'о', '\u0000'),
  maxLength: 70,
});

describe.each([
  ['channel', validateChannel],
  ['player id', validatePlayerId],
] as const)('%s validation', (_what, validate) => {
  it.each([
    ['a typical name', 'Town137'],
    ['a single character', 'a'],
    ['every allowed kind of character', 'A-Z_0-9'],
    ['64 characters', repeat(64)],
    // Store keys are strings, not object properties, so these are ordinary names.
    ['__proto__', '__proto__'],
    ['constructor', 'constructor'],
  ])('accepts %s', (_why, input) => {
    expect(validate(input)).toEqual({ ok: true, value: input });
  });

  it('refuses an empty string as empty', () => {
    expectFailure(validate(''), 'empty');
  });

  itRefusesEach(
    'refuses %s as invalid',
    validate,
    'invalid',
    withHostileValues([
      ['a name with 65 characters', repeat(65)],
      ['a name with an MQTT single-level wildcard', 'Town+1'],
      ['a name with an MQTT multi-level wildcard', 'Town#'],
      ['a name with only a +', '+'],
      ['a name with only a #', '#'],
      ['a name with a leading $ (reserved topics)', '$SYS'],
      ['a name with a topic level separator', 'Town/137'],
      ['a name with a dot (the client id separator)', 'alice.tab2'],
      ['a name with a space', 'Town 137'],
      ['a name with a trailing newline', 'Town137\n'],
      ['a name with a NUL character', 'Town\u0000'],
      ['a name with an accented letter', 'Café'],
      ['a name with a Cyrillic look-alike letter', 'Tоwn'],
      ['a name with an emoji', 'Town😀'],
      ['a name with a zero-width space', 'Town\u200B137'],
    ]),
  );

  it('accepts only names that match the contract pattern', () => {
    fc.assert(
      fc.property(fc.oneof(nearName, anyString), (input) => {
        const result = validate(input);
        expectWellFormed(result);
        expect(result.ok).toBe(CONTRACT_NAME.test(input));
      }),
    );
  });

  it('accepts every name the contract pattern allows', () => {
    fc.assert(
      fc.property(validName, (input) => {
        expect(validate(input)).toEqual({ ok: true, value: input });
      }),
    );
  });

  it('never throws on arbitrary values', () => {
    fc.assert(fc.property(anyValue, (input) => expectWellFormed(validate(input))));
  });
});

describe('parseClientId', () => {
  it.each([
    ['alice', 'alice', undefined],
    ['alice.tab2', 'alice', 'tab2'],
    ['bob_1.phone-2', 'bob_1', 'phone-2'],
    [`${repeat(64)}.${'b'.repeat(32)}`, repeat(64), 'b'.repeat(32)],
  ])('reads %s as player %s with suffix %s', (input, playerId, suffix) => {
    expect(parseClientId(input)).toEqual({ ok: true, value: { playerId, suffix } });
  });

  itRefusesEach(
    'refuses %s',
    parseClientId,
    'invalid',
    withHostileValues([
      ['a client id that is empty', ''],
      ['a client id that ends with a dot', 'alice.'],
      ['a client id that starts with a dot', '.x'],
      ['a client id that is only a dot', '.'],
      ['a client id that has two dots', 'a.b.c'],
      ['a client id that is a single-level wildcard', '+'],
      ['a client id that is a multi-level wildcard', '#'],
      ['a client id that hides a wildcard in the suffix', 'alice.+'],
      ['a client id that has a 65-character player id', `${repeat(65)}.tab`],
      ['a client id that has a 33-character suffix', `alice.${repeat(33)}`],
      ['a client id that has a space in the suffix', 'alice.tab 2'],
    ]),
  );

  it('names the player id part when that part is wrong', () => {
    const result = parseClientId('bad+id.tab');
    expect(result).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^client id: player id/),
    });
  });

  it('accepts only client ids of the contract shape, with the player id before the dot', () => {
    fc.assert(
      fc.property(fc.oneof(nearName, anyString), (input) => {
        const result = parseClientId(input);
        expectWellFormed(result);
        expect(result.ok).toBe(CONTRACT_CLIENT_ID.test(input));
        if (result.ok) expect(result.value.playerId).toBe(input.split('.')[0]);
      }),
    );
  });

  it('round-trips through formatClientId', () => {
    fc.assert(
      fc.property(validName, fc.option(validSuffix, { nil: undefined }), (playerId, suffix) => {
        const clientId = formatClientId(playerId, suffix);
        expect(expectOk(parseClientId(clientId))).toEqual({ playerId, suffix });
      }),
    );
  });

  it('never throws on arbitrary values', () => {
    fc.assert(fc.property(anyValue, (input) => expectWellFormed(parseClientId(input))));
  });
});

describe('formatClientId', () => {
  it('is the bare player id without a suffix', () => {
    expect(formatClientId('alice')).toBe('alice');
  });

  it('joins player id and suffix with a dot', () => {
    expect(formatClientId('alice', 'tab2')).toBe('alice.tab2');
  });
});

describe('roles', () => {
  it.each(ROLES)('recognises %s as a role', (role) => {
    expect(isRole(role)).toBe(true);
  });

  it.each([
    ['a capitalised role', 'Admin'],
    ['an unknown role', 'root'],
    ['an empty string', ''],
    ['__proto__', '__proto__'],
    ['an Object.prototype method name', 'toString'],
    ['null', null],
    ['an array holding a role', ['admin']],
  ])('does not take %s for a role', (_why, value) => {
    expect(isRole(value)).toBe(false);
  });

  it('lets moderators and admins moderate, not players', () => {
    expect(ROLES.filter(canModerate)).toEqual(['moderator', 'admin']);
  });
});

describe('channelAllowed', () => {
  it('allows every channel when the token has no channels claim', () => {
    fc.assert(
      fc.property(validName, (channel) => {
        expect(channelAllowed(channel, undefined)).toBe(true);
      }),
    );
  });

  it('allows no channel when the claim is an empty list', () => {
    fc.assert(
      fc.property(validName, (channel) => {
        expect(channelAllowed(channel, [])).toBe(false);
      }),
    );
  });

  it.each([
    [['Town137'], 'Town137', true],
    [['Town137'], 'Town1370', false],
    [['Town137'], 'town137', false],
    [['Town*'], 'Town', true],
    [['Town*'], 'Town137', true],
    [['Town*'], 'MyTown1', false],
    [['*-eu'], 'lobby-eu', true],
    [['*-eu'], 'lobby-eu2', false],
    [['Guild-*-eu'], 'Guild-7-eu', true],
    [['Guild-*-eu'], 'Guild-7-us', false],
    [['*'], 'anything_at-all', true],
    [['**'], 'x', true],
    [['Town*', 'Guild7'], 'Guild7', true],
    [['Town*', 'Guild7'], 'Guild8', false],
    // Regex metacharacters in a pattern are literal: `.` is not "any character".
    [['Town.*'], 'TownX1', false],
    [['a+*'], 'aab', false],
    [['a+*'], 'a+b', true],
    [['(*)'], 'x', false],
    [['[*'], 'a', false],
    [['$*^'], '$x^', true],
  ])('with the claim %j answers %s: %s', (patterns, channel, allowed) => {
    expect(channelAllowed(channel, patterns)).toBe(allowed);
  });

  it('matches a prefix pattern exactly when the channel starts with the prefix', () => {
    fc.assert(
      fc.property(validName, validName, (prefix, channel) => {
        expect(channelAllowed(channel, [`${prefix}*`])).toBe(channel.startsWith(prefix));
      }),
    );
  });
});
