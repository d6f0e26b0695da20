#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseSmokeArgs, USAGE, UsageError } from './args.js';
import { runSmoke, STEPS } from './smoke.js';

/**
 * `pnpm smoke`: the smoke test after a deploy (see `USAGE`). Progress on stderr; the last line
 * on stdout says whether every step passed, or which one failed and why.
 */

let options: ReturnType<typeof parseSmokeArgs>;
try {
  options = parseSmokeArgs(process.argv.slice(2), process.env, (path) =>
    readFileSync(path, 'utf8'),
  );
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`${error.message}\n${USAGE}\n`);
  process.exit(2);
}
if (options.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

process.stderr.write(`smoke test of ${options.endpoint} and ${options.apiUrl}\n`);
const result = await runSmoke(options, {
  onStep: ({ step, ms }) => process.stderr.write(`ok   ${STEPS[step]} (${ms} ms)\n`),
  onWarning: (warning) => process.stderr.write(`warning: ${warning}\n`),
});
if (result.ok) {
  process.stdout.write(`The smoke test passed: ${result.steps.length} steps.\n`);
} else {
  process.stdout.write(`${result.sentence}\n`);
  process.exitCode = 1;
}
