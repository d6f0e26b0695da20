import { it } from 'vitest';
import type { ValidationCode } from '../src/errors.js';
import type { Result } from '../src/result.js';
import { expectFailure, HOSTILE_VALUES } from './support.js';

/**
 * One test per labelled input (the hostile values unless told), each refused by `check` with
 * `code`; `name` is the test's name, with `%s` standing for the label.
 */
export function itRefusesEach<T>(
  name: string,
  check: (input: T) => Result<unknown>,
  code: ValidationCode,
  cases: readonly (readonly [label: string, input: T])[] = HOSTILE_VALUES as never,
): void {
  it.each(cases)(name, (_label, input) => {
    expectFailure(check(input), code);
  });
}

/**
 * `cases`, then the hostile values: one refusal table for a check that refuses both with the same
 * code (labels read as the test name's `%s`).
 */
export function withHostileValues<T>(
  cases: readonly (readonly [label: string, input: T])[],
): readonly (readonly [label: string, input: T])[] {
  return [...cases, ...(HOSTILE_VALUES as never[])];
}
