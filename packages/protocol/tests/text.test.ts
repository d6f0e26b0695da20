import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_TEXT_LENGTH, MAX_DISPLAY_NAME_LENGTH } from '../src/limits.js';
import {
  countCodePoints,
  hasControlCharacter,
  hasLoneSurrogate,
  normalizeDisplayName,
  normalizeText,
  stripInvisible,
} from '../src/text.js';
import { itRefusesEach, withHostileValues } from './refusals.js';
import { anyString, anyValue, expectFailure, expectOk, expectWellFormed } from './support.js';

const FAMILY = '👨\u200D👩\u200D👧'; // five code points joined by ZWJ: one visible emoji
const INVISIBLE_CHARACTERS = [
  ['soft hyphen', '\u00AD'],
  ['Arabic letter mark', '\u061C'],
  ['Mongolian vowel separator', '\u180E'],
  ['zero-width space', '\u200B'],
  ['left-to-right mark', '\u200E'],
  ['right-to-left mark', '\u200F'],
  ['left-to-right embedding', '\u202A'],
  ['right-to-left embedding', '\u202B'],
  ['pop directional formatting', '\u202C'],
  ['left-to-right override', '\u202D'],
  ['right-to-left override', '\u202E'],
  ['word joiner', '\u2060'],
  ['invisible times', '\u2062'],
  ['left-to-right isolate', '\u2066'],
  ['right-to-left isolate', '\u2067'],
  ['first strong isolate', '\u2068'],
  ['pop directional isolate', '\u2069'],
  ['byte order mark', '\uFEFF'],
  ['interlinear annotation anchor', '\uFFF9'],
] as const;
const CONTROL_CHARACTERS = [
  ['NUL', '\u0000'],
  ['bell', '\u0007'],
  ['backspace', '\u0008'],
  ['escape (ANSI colour codes)', '\u001B[31m'],
  ['unit separator', '\u001F'],
  ['delete', '\u007F'],
  ['next line (C1)', '\u0085'],
  ['application program command (C1)', '\u009F'],
] as const;

/**
 * Pieces that interact under NFC, trimming and stripping: letters and combining marks, Hangul
 * jamo that compose into syllables, invisible and bidi characters, spaces and line breaks.
 */
const trickyPiece = fc.constantFrom(
  ...['a', 'e', 'A', 'ſ', '\u0301', '\u0308', '\u030A', '\u0332', '\u0323', '\u0307'],
  ...['\u1100', '\u1161', '\u11A8', '가', '😀', '👩', '\u200D', '\u200C', '\uFE0F'],
  ...[' ', '\t', '\n', '\r', '\u2028', '\u00A0', '\u2000', '\u3000'],
  ...INVISIBLE_CHARACTERS.map(([, character]) => character),
  ...CONTROL_CHARACTERS.map(([, character]) => character),
);
const trickyText = fc.oneof(
  { arbitrary: fc.string({ unit: trickyPiece, maxLength: 40 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 1 },
  { arbitrary: anyString, weight: 1 },
);
const INVISIBLE_OR_CONTROL = new RegExp(
  `[\\p{Cc}\\u2028\\u2029${INVISIBLE_CHARACTERS.map(([, character]) => character).join('')}]`,
  'u',
);

describe('countCodePoints', () => {
  it.each([
    ['nothing', '', 0],
    ['ASCII', 'abc', 3],
    ['an emoji outside the BMP as one', '😀', 1],
    ['a ZWJ family emoji as its five code points', FAMILY, 5],
    ['a letter and a combining mark as two', 'e\u0301', 2],
  ])('counts %s', (_what, text, count) => {
    expect(countCodePoints(text)).toBe(count);
  });

  it('counts one per code point, whatever its UTF-16 length', () => {
    const scalar = fc.oneof(
      fc.integer({ min: 0, max: 0xd7ff }),
      fc.integer({ min: 0xe000, max: 0x10ffff }),
    );
    fc.assert(
      fc.property(fc.array(scalar, { maxLength: 50 }), (codePoints) => {
        expect(countCodePoints(String.fromCodePoint(...codePoints))).toBe(codePoints.length);
      }),
    );
  });
});

describe('hasLoneSurrogate', () => {
  it.each([
    ['a lone high surrogate', '\uD800', true],
    ['a lone low surrogate between letters', 'a\uDFFFb', true],
    ['half of an emoji', '😀'.slice(0, 1), true],
    ['a surrogate pair in the wrong order', '\uDE00\uD83D', true],
    ['a whole emoji', '😀', false],
    ['plain text', 'hello', false],
  ])('finds %s: %s', (_what, text, found) => {
    expect(hasLoneSurrogate(text)).toBe(found);
  });
});

describe('hasControlCharacter', () => {
  it.each(CONTROL_CHARACTERS)('finds %s', (_what, character) => {
    expect(hasControlCharacter(`a${character}b`)).toBe(true);
  });

  it.each([
    ['a space', ' '],
    ['a no-break space', '\u00A0'],
    ['a zero-width space', '\u200B'],
    ['the first character after C1', '\u00A1'],
  ])('does not take %s for a control character', (_what, character) => {
    expect(hasControlCharacter(character)).toBe(false);
  });
});

describe('stripInvisible', () => {
  it.each(INVISIBLE_CHARACTERS)('removes a %s', (_what, character) => {
    expect(stripInvisible(`a${character}b${character}`)).toBe('ab');
  });

  it.each([
    ['a ZWJ emoji sequence', FAMILY],
    ['a zero-width non-joiner in Persian', 'می\u200Cخواهم'],
    ['an emoji variation selector', '❤\uFE0F'],
    ['combining marks', 'e\u0301\u0323'],
  ])('keeps %s', (_what, text) => {
    expect(stripInvisible(text)).toBe(text);
  });
});

describe('normalizeText', () => {
  it.each([
    ['trims surrounding spaces', '  hello  ', 'hello'],
    ['turns line breaks and tabs into spaces', 'hello\nwide\tworld', 'hello wide world'],
    ['turns Unicode line and paragraph separators into spaces', 'a\u2028b\u2029c', 'a b c'],
    ['trims leading and trailing line breaks', '\r\n hi \n', 'hi'],
    ['composes a decomposed letter (NFC)', 'cafe\u0301', 'café'],
    ['composes Hangul jamo into a syllable', '\u1100\u1161\u11A8', '각'],
    ['keeps a ZWJ emoji sequence whole', FAMILY, FAMILY],
    [
      'strips a right-to-left override used to disguise a file name',
      'photo\u202Egnp.exe',
      'photognp.exe',
    ],
    ['strips zero-width spaces inside words', 'f\u200Bu\u200Bn', 'fun'],
    ['composes across a stripped zero-width space', 'e\u200B\u0301', 'é'],
  ])('%s', (_what, input, text) => {
    expect(normalizeText(input)).toEqual({
      ok: true,
      value: { text, length: countCodePoints(text) },
    });
  });

  itRefusesEach('refuses %s as empty', normalizeText, 'empty', [
    ['an empty string', ''],
    ['only spaces and line breaks', ' \n\t\r '],
    ['only zero-width and bidi characters', '\u200B\u202E\u2066\uFEFF'],
    ['invisible characters around spaces', '\u200B \u2060\n\u00AD'],
  ]);

  it.each(CONTROL_CHARACTERS)('refuses a %s as invalid', (_what, character) => {
    expectFailure(normalizeText(`hi${character}there`), 'invalid');
  });

  itRefusesEach(
    'refuses %s as invalid',
    normalizeText,
    'invalid',
    withHostileValues([
      ['text with a lone high surrogate', 'hi\uD800'],
      ['text with a lone low surrogate', '\uDC00hi'],
      ['text with half of an emoji', `hi ${'😀'.slice(0, 1)}`],
    ]),
  );

  describe('at the 500 code point boundary', () => {
    it.each([
      ['ASCII letters', 'a', 1],
      ['emoji of two UTF-16 units each', '😀', 1],
      ['letters with a combining mark that NFC composes', 'e\u0301', 1],
      ['letters with a combining mark that has no composed form', 'a\u0332', 2],
      ['ZWJ family emoji', FAMILY, 5],
    ])('accepts exactly 500 of %s and refuses one more', (_what, unit, codePoints) => {
      const fits = Math.floor(DEFAULT_MAX_TEXT_LENGTH / codePoints);
      const atLimit = unit.repeat(fits);
      expect(expectOk(normalizeText(atLimit)).length).toBe(fits * codePoints);
      expectFailure(normalizeText(atLimit + unit), 'too_long');
    });

    it('exactly 500 when the last composes: 500 decomposed é are 1000 code points before NFC', () => {
      const decomposed = 'e\u0301'.repeat(500);
      expect(countCodePoints(decomposed)).toBe(1000);
      expect(expectOk(normalizeText(decomposed))).toEqual({ text: 'é'.repeat(500), length: 500 });
    });

    it('does not count stripped invisible characters or trimmed spaces', () => {
      const padded = `  ${'a\u200B'.repeat(500)}\u202E \n`;
      expect(expectOk(normalizeText(padded))).toEqual({ text: 'a'.repeat(500), length: 500 });
    });

    it('reports the length and the limit when refusing', () => {
      expect(normalizeText('😀'.repeat(501))).toEqual({
        ok: false,
        code: 'too_long',
        message: 'text is 501 characters; the limit is 500',
      });
    });

    it('honours a configured limit', () => {
      expect(expectOk(normalizeText('a'.repeat(10), 10)).length).toBe(10);
      expectFailure(normalizeText('a'.repeat(11), 10), 'too_long');
    });
  });

  it('never throws on arbitrary values', () => {
    fc.assert(fc.property(anyValue, (input) => expectWellFormed(normalizeText(input))));
  });

  it('returns trimmed NFC text without control or invisible characters, counted in code points', () => {
    fc.assert(
      fc.property(trickyText, fc.integer({ min: 1, max: 40 }), (input, maxLength) => {
        const result = normalizeText(input, maxLength);
        expectWellFormed(result);
        if (!result.ok) return;
        const { text, length } = result.value;
        expect(text).toBe(text.normalize('NFC'));
        expect(text).toBe(text.trim());
        expect(text).not.toMatch(INVISIBLE_OR_CONTROL);
        expect(length).toBe([...text].length);
        expect(length).toBeGreaterThanOrEqual(1);
        expect(length).toBeLessThanOrEqual(maxLength);
      }),
    );
  });

  it('is idempotent on its own output', () => {
    fc.assert(
      fc.property(trickyText, (input) => {
        const first = normalizeText(input);
        if (first.ok) expect(normalizeText(first.value.text)).toEqual(first);
      }),
    );
  });

  it('always refuses text that ends or starts with a lone surrogate', () => {
    fc.assert(
      fc.property(trickyText, (input) => {
        expectFailure(normalizeText(`${input}\uD83D`), 'invalid');
        expectFailure(normalizeText(`\uDE00${input}`), 'invalid');
      }),
    );
  });
});

describe('normalizeDisplayName', () => {
  it.each([
    ['a plain name', 'Alice', 'Alice'],
    ['a name with surrounding spaces', '  Alice ', 'Alice'],
    ['a decomposed name', 'Zoe\u0308', 'Zoë'],
    ['a name with a bidi override', '\u202EecilA', 'ecilA'],
    ['a name with an emoji', 'Alice 🐉', 'Alice 🐉'],
    ['32 letters', 'n'.repeat(32), 'n'.repeat(32)],
    ['32 emoji', '🐉'.repeat(32), '🐉'.repeat(32)],
  ])('accepts %s', (_what, input, name) => {
    expect(normalizeDisplayName(input)).toEqual({ ok: true, value: name });
  });

  itRefusesEach('refuses %s as too long', normalizeDisplayName, 'too_long', [
    ['33 letters', 'n'.repeat(MAX_DISPLAY_NAME_LENGTH + 1)],
    ['33 emoji', '🐉'.repeat(MAX_DISPLAY_NAME_LENGTH + 1)],
  ]);

  itRefusesEach('refuses %s as empty', normalizeDisplayName, 'empty', [
    ['an empty string', ''],
    ['only spaces', '   '],
    ['only zero-width characters', '\u200B\u2060'],
  ]);

  itRefusesEach(
    'refuses %s as invalid',
    normalizeDisplayName,
    'invalid',
    withHostileValues([
      ['a name with a tab', '\tAlice'],
      ['a name with a line break', 'Ali\nce'],
      ['a name with a line separator', 'Alice\u2028'],
      ['a name with a paragraph separator', 'Alice\u2029Bob'],
      ['a name with a NUL character', 'Alice\u0000'],
      ['a name with a lone surrogate', 'Alice\uD800'],
    ]),
  );

  it('never throws on arbitrary values', () => {
    fc.assert(fc.property(anyValue, (input) => expectWellFormed(normalizeDisplayName(input))));
  });

  it('is idempotent and stays within 32 code points of trimmed NFC', () => {
    fc.assert(
      fc.property(trickyText, (input) => {
        const first = normalizeDisplayName(input);
        expectWellFormed(first);
        if (!first.ok) return;
        expect(normalizeDisplayName(first.value)).toEqual(first);
        expect(first.value).toBe(first.value.normalize('NFC').trim());
        expect([...first.value].length).toBeLessThanOrEqual(MAX_DISPLAY_NAME_LENGTH);
      }),
    );
  });
});
