import fc from 'fast-check';

/** The environment variable that replays property tests with a fixed seed. */
export const SEED_VARIABLE = 'FC_SEED';

export class InvalidSeedError extends Error {
  readonly code = 'invalid_seed';
  constructor(value: string) {
    super(
      `${SEED_VARIABLE}=${JSON.stringify(value)} is not a seed: use the integer a failed run printed`,
    );
    this.name = 'InvalidSeedError';
  }
}

/**
 * Configures fast-check for every property in the process: a failure's message ends with the
 * command-line setting that replays it (`FC_SEED=<seed>`), and `FC_SEED`, when set, fixes the
 * seed of every property instead of a random one per run.
 */
export function configureFastCheckSeed(env: Record<string, string | undefined>): void {
  const seed = parseSeed(env[SEED_VARIABLE]);
  fc.configureGlobal({
    ...fc.readConfigureGlobal(),
    ...(seed === undefined ? {} : { seed }),
    reporter: throwWithReplayHint,
  });
}

export function parseSeed(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seed = Number(value);
  // fast-check seeds are 32-bit integers (it prints them signed).
  if (!Number.isSafeInteger(seed) || seed < -(2 ** 31) || seed >= 2 ** 32) {
    throw new InvalidSeedError(value);
  }
  return seed;
}

/** fast-check's own failure report (seed, path, counterexample), plus how to replay it. */
function throwWithReplayHint(out: fc.RunDetails<unknown>): void {
  if (!out.failed) return;
  const report = fc.defaultReportMessage(out) ?? 'Property failed';
  throw new Error(`${report}\n\nReplay: ${SEED_VARIABLE}=${out.seed}`, {
    cause: out.errorInstance,
  });
}
