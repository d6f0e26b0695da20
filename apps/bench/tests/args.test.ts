import { describe, expect, it } from 'vitest';
import { parseBenchArgs, SECTIONS, UsageError } from '../src/args.js';

describe('parseBenchArgs', () => {
  it('runs every section quickly by default', () => {
    expect(parseBenchArgs([])).toEqual({ help: false, full: false, sections: [...SECTIONS] });
  });

  it("takes --full and --only, also behind pnpm's --", () => {
    expect(parseBenchArgs(['--', '--full', '--only', 'history,cold-start'])).toEqual({
      help: false,
      full: true,
      sections: ['history', 'cold-start'],
    });
  });

  it.each([
    [['--only', 'history,bogus'], '--only takes'],
    [['--only', ''], '--only takes'],
    [['--fast'], "Unknown option '--fast'"],
  ])('refuses %j', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(UsageError);
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });
});
