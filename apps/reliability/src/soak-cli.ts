#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { formatReport, parseSoakArgs, soak } from './soak.js';

/** `pnpm --filter @game-chat/reliability soak [options]`; exit 1 when the soak fails. */
try {
  const { out, ...options } = parseSoakArgs(process.argv.slice(2));
  const report = await soak(options);
  console.log(formatReport(report));
  if (out !== undefined) await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = report.verdict.passed ? 0 : 1;
} catch (error) {
  console.error(`soak: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
}
