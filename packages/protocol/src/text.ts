import { DEFAULT_MAX_TEXT_LENGTH, MAX_DISPLAY_NAME_LENGTH } from './limits.js';
import { fail, ok, type Result } from './result.js';

/** A lone UTF-16 surrogate: what broken UTF-8 or a hostile `\ud800` escape turns into. */
const LONE_SURROGATE = /\p{Cs}/u;
/** C0 and C1 control characters and DEL (general category Cc). */
const CONTROL = /\p{Cc}/u;
/** Line breaks and tabs, which chat text turns into plain spaces. */
const SPACING_CONTROL = /[\t\n\r\u2028\u2029]/g;
/**
 * Invisible formatting characters that only serve to spoof or hide text: bidi embeddings,
 * overrides and isolates, zero-width space, word joiner and invisible operators, soft hyphen,
 * the byte order mark and interlinear annotation marks. ZWJ (U+200D) and ZWNJ (U+200C) stay:
 * emoji sequences and several scripts need them.
 */
const INVISIBLE =
  /[\u00AD\u061C\u180E\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]/g;

/** Counts Unicode code points, not UTF-16 units: an emoji like 😀 counts as one. */
export function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

export function hasControlCharacter(text: string): boolean {
  return CONTROL.test(text);
}

export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, '');
}

/**
 * Strips invisible formatting, then applies NFC. Stripping comes first: removing a character
 * between a letter and a combining mark (`e`, U+200B, U+0301) would otherwise leave a pair that
 * NFC has already passed over, so a second pass would change the text and its length.
 */
function canonical(text: string): string {
  return stripInvisible(text).normalize('NFC');
}

export interface NormalizedText {
  readonly text: string;
  /** Length in code points. */
  readonly length: number;
}

/**
 * Normalises chat text (contract §2): invisible formatting removed, NFC, line breaks and tabs to
 * spaces, trimmed; then 1..maxLength code points, no other control characters.
 */
export function normalizeText(
  input: unknown,
  maxLength: number = DEFAULT_MAX_TEXT_LENGTH,
): Result<NormalizedText> {
  if (typeof input !== 'string') return fail('invalid', 'text must be a string');
  if (hasLoneSurrogate(input)) return fail('invalid', 'text is not valid Unicode');
  const spaced = canonical(input).replace(SPACING_CONTROL, ' ');
  if (hasControlCharacter(spaced)) return fail('invalid', 'text contains control characters');
  const text = spaced.trim();
  if (text.length === 0) return fail('empty', 'text is empty');
  const length = countCodePoints(text);
  if (length > maxLength) {
    return fail('too_long', `text is ${length} characters; the limit is ${maxLength}`);
  }
  return ok({ text, length });
}

/** Normalises a display name: invisible formatting removed, NFC, trimmed, 1-32 code points, no control characters. */
export function normalizeDisplayName(input: unknown): Result<string> {
  if (typeof input !== 'string') return fail('invalid', 'name must be a string');
  if (hasLoneSurrogate(input)) return fail('invalid', 'name is not valid Unicode');
  const normalized = canonical(input);
  if (hasControlCharacter(normalized) || /[\u2028\u2029]/.test(normalized)) {
    return fail('invalid', 'name contains control characters');
  }
  const name = normalized.trim();
  if (name.length === 0) return fail('empty', 'name is empty');
  const length = countCodePoints(name);
  if (length > MAX_DISPLAY_NAME_LENGTH) {
    return fail(
      'too_long',
      `name is ${length} characters; the limit is ${MAX_DISPLAY_NAME_LENGTH}`,
    );
  }
  return ok(name);
}
