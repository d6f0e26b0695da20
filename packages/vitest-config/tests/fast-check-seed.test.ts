import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  configureFastCheckSeed,
  InvalidSeedError,
  parseSeed,
  SEED_VARIABLE,
} from '../src/fast-check-seed.js';

/** Runs a property that fails for most integers and returns fast-check's error message. */
function failureMessage(): string {
  try {
    fc.assert(fc.property(fc.integer(), (n) => n % 7 !== 3));
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the property did not fail');
}

describe('fast-check seeds', () => {
  afterEach(() => {
    fc.resetConfigureGlobal();
    configureFastCheckSeed(process.env);
  });

  it('is set up before every test file: a failure names the seed that replays it', () => {
    const message = failureMessage();
    const seed = /\{ seed: (-?\d+),/.exec(message)?.[1];
    expect(seed).toBeDefined();
    expect(message).toContain(`Replay: ${SEED_VARIABLE}=${seed}`);
    expect(message).toContain('Counterexample:');
  });

  it('replays the same run for the same FC_SEED', () => {
    configureFastCheckSeed({ [SEED_VARIABLE]: '1234' });
    expect(fc.readConfigureGlobal().seed).toBe(1234);
    const first = failureMessage();
    expect(first).toContain('{ seed: 1234,');
    expect(failureMessage()).toBe(first);
    expect(fc.sample(fc.integer(), 5)).toEqual(fc.sample(fc.integer(), 5));
  });

  it('keeps a random seed when FC_SEED is unset or blank', () => {
    configureFastCheckSeed({ [SEED_VARIABLE]: ' ' });
    expect(fc.readConfigureGlobal().seed).toBeUndefined();
    expect(parseSeed(undefined)).toBeUndefined();
  });

  it.each(['abc', '1.5', '9007199254740993', '-2147483649', '4294967296'])(
    'refuses %j as a seed with a typed error',
    (value) => {
      expect(() => parseSeed(value)).toThrow(InvalidSeedError);
      expect(() => configureFastCheckSeed({ [SEED_VARIABLE]: value })).toThrow(/not a seed/);
    },
  );

  it('accepts the signed seeds fast-check prints', () => {
    expect(parseSeed('-1819918769')).toBe(-1819918769);
    expect(parseSeed('4294967295')).toBe(4294967295);
  });
});
