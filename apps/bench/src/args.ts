import { parseArgs } from 'node:util';
import { type CommandLine, UsageError } from '@game-chat/load-kit/command-line';

export const SECTIONS = [
  'history',
  'filter',
  'end-to-end',
  'fan-out',
  'cold-start',
  'guilds',
  'presence',
] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions {
  /** The large sizes too: 1M messages of history, 1,000 players end to end, 100,000 guilds. */
  readonly full: boolean;
  readonly sections: readonly Section[];
}

export type ParsedBenchArgs = CommandLine<BenchOptions>;

export { UsageError };

export const USAGE = `Usage: pnpm bench [-- [--full] [--only history,filter,end-to-end,fan-out,cold-start,guilds,presence]]

  --full        also the large sizes (1M history messages, 1,000 players end to end,
                100,000 guild channels, 10,000 players across 100 channels for presence)
  --only LIST   run only these sections (comma-separated)
Results: apps/bench/results/{quick,full}.json and .md, and the history chart .svg
(with --only: {quick,full}-{sections}.*, so a partial run never replaces a whole one).`;

export function parseBenchArgs(argv: readonly string[]): ParsedBenchArgs {
  let values: { full?: boolean; only?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv.filter((arg) => arg !== '--'),
      options: {
        full: { type: 'boolean' },
        only: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { help: true };
  const sections = values.only === undefined ? [...SECTIONS] : values.only.split(',');
  for (const section of sections) {
    if (!(SECTIONS as readonly string[]).includes(section)) {
      throw new UsageError(`--only takes ${SECTIONS.join(', ')} (got ${JSON.stringify(section)})`);
    }
  }
  if (sections.length === 0) throw new UsageError('--only needs at least one section');
  return { help: false, full: values.full === true, sections: sections as Section[] };
}
