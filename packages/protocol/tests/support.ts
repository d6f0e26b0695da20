import fc from 'fast-check';
import { expect } from 'vitest';
import type { ValidationCode } from '../src/errors.js';
import type { Result } from '../src/result.js';

const VALIDATION_CODES: readonly ValidationCode[] = ['invalid', 'too_long', 'empty'];

/** Returns the value of an accepted result; fails the test with the refusal otherwise. */
export function expectOk<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.code}: ${result.message}`);
  return result.value;
}

/** Asserts a refusal with this code and a message a person can read. */
export function expectFailure(result: Result<unknown>, code: ValidationCode): void {
  expect(result).toEqual({ ok: false, code, message: expect.stringMatching(/\S/) });
}

/** Asserts the result is one of the two shapes validators promise, whatever the input was. */
export function expectWellFormed(result: Result<unknown>): void {
  if (result.ok) {
    expect(Object.keys(result).sort()).toEqual(['ok', 'value']);
    return;
  }
  expect(VALIDATION_CODES).toContain(result.code);
  expect(result.message).toMatch(/\S/);
}

/** Values no JSON parser hands over, labelled: what a careless or hostile caller might pass. */
export const HOSTILE_VALUES: readonly (readonly [label: string, value: unknown])[] = [
  ['undefined', undefined],
  ['null', null],
  ['the number 0', 0],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['a bigint', 10n],
  ['true', true],
  ['a symbol', Symbol('x')],
  ['a function', () => 'Town137'],
  ['an empty array', []],
  ['an array holding a valid value', ['Town137']],
  ['an empty object', {}],
  ['an object whose toString gives a valid value', { toString: () => 'Town137' }],
  ['a null-prototype object', Object.create(null)],
  ['a boxed string', new String('Town137')],
  ['a date', new Date(0)],
];

/** Any JavaScript value, including the odd ones JSON never produces. */
export const anyValue = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withNullPrototype: true,
  withSet: true,
  withSparseArray: true,
  withTypedArray: true,
});

/**
 * One code point: mostly ASCII and Latin-1, then the rest of the BMP (lone surrogates included)
 * and the astral planes. Stands in for fast-check's `binary` unit, which takes seconds to set up.
 */
const anyCodePoint = fc
  .oneof(
    { arbitrary: fc.integer({ min: 0, max: 0xff }), weight: 4 },
    { arbitrary: fc.integer({ min: 0x100, max: 0xffff }), weight: 3 },
    { arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }), weight: 2 },
  )
  .map((codePoint) => String.fromCodePoint(codePoint));

/** Any string of up to 40 code points, valid Unicode or not. */
export const anyString = fc.string({ unit: anyCodePoint, maxLength: 40 });
