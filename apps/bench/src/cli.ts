#!/usr/bin/env node
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '@game-chat/testing/redis-server';
import {
  type BenchOptions,
  parseBenchArgs,
  SECTIONS,
  type Section,
  USAGE,
  UsageError,
} from './args.js';
import { benchColdStart } from './cold-start.js';
import { benchEndToEnd } from './end-to-end.js';
import { benchFanOut, type FanOutSize } from './fan-out.js';
import { benchFilter } from './filter.js';
import { benchGuilds } from './guilds.js';
import { benchHistory } from './history.js';
import { describeMachine } from './machine.js';
import { benchPresence } from './presence.js';
import { historyChart, renderSummary } from './summary.js';
import type { BenchResults } from './targets.js';

const RESULTS = fileURLToPath(new URL('../results/', import.meta.url));

/** Sizes per mode: quick fits a few minutes on a 2-core machine, full adds the large ones. */
function sizes(full: boolean) {
  return {
    historyMessages: full ? [10_000, 100_000, 1_000_000] : [10_000, 100_000],
    filterRuns: full
      ? [
          { concurrency: 1, messages: 5_000 },
          { concurrency: 50, messages: 30_000 },
        ]
      : [
          { concurrency: 1, messages: 1_000 },
          { concurrency: 50, messages: 5_000 },
        ],
    players: full ? [100, 500, 1000] : [100, 500],
    endToEndSeconds: full ? 30 : 15,
    coldStartRuns: full ? 15 : 7,
    guilds: full ? 100_000 : 10_000,
    // One room of 100 players, 5 messages/s: 500 deliveries/s.
    fanOut: [100, 5, full ? 30 : 10] as FanOutSize,
    presence: [
      { players: 1000, channels: 1 },
      full ? { players: 10_000, channels: 100 } : { players: 2000, channels: 20 },
    ],
  };
}

const log = (line: string) => console.error(`[bench] ${line}`);
/** Messages in each of the many guild channels: a quiet day's chat (the long one holds 1,000). */
const GUILD_MESSAGES = 10;

/** Each section gets a redis-server of its own: no data or counters carry over. */
async function runSection(
  section: Section,
  plan: ReturnType<typeof sizes>,
): Promise<Partial<BenchResults>> {
  if (section === 'end-to-end') {
    // The local stack starts its own redis-server.
    return {
      endToEnd: await benchEndToEnd({
        players: plan.players,
        durationSeconds: plan.endToEndSeconds,
        log,
      }),
    };
  }
  if (section === 'fan-out') {
    // The local stack starts its own redis-server; the bare aedes needs none.
    return { fanOut: await benchFanOut(plan.fanOut, log) };
  }
  const redis = await startRedisServer();
  try {
    const server = { redisUrl: redis.url, port: redis.port, log };
    switch (section) {
      case 'history':
        return { history: await benchHistory({ ...server, sizes: plan.historyMessages }) };
      case 'filter':
        return { filter: await benchFilter({ ...server, runs: plan.filterRuns }) };
      case 'cold-start':
        return { coldStart: await benchColdStart({ ...server, runs: plan.coldStartRuns }) };
      case 'guilds':
        return {
          guilds: await benchGuilds({
            ...server,
            guilds: plan.guilds,
            messagesPerGuild: GUILD_MESSAGES,
          }),
        };
      case 'presence':
        return { presence: await benchPresence({ ...server, scenarios: plan.presence }) };
    }
  } finally {
    await redis.stop();
  }
}

/**
 * `{mode}.json` and `.md` for a run of every section; a run of some (`--only`) writes
 * `{mode}-{sections}.*` instead, so it never replaces a whole run's numbers with fewer.
 */
async function writeResults(
  results: BenchResults,
  sections: readonly Section[],
): Promise<string[]> {
  const name =
    sections.length === SECTIONS.length ? results.mode : `${results.mode}-${sections.join('-')}`;
  await mkdir(RESULTS, { recursive: true });
  const written = [`${name}.json`, `${name}.md`];
  await writeFile(`${RESULTS}${name}.json`, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(`${RESULTS}${name}.md`, renderSummary(results));
  if (results.history) {
    await writeFile(`${RESULTS}${name}-history.svg`, historyChart(results.history));
    written.push(`${name}-history.svg`);
  }
  return written;
}

async function bench(options: BenchOptions): Promise<void> {
  const plan = sizes(options.full);
  let results: BenchResults = {
    mode: options.full ? 'full' : 'quick',
    startedAt: new Date().toISOString(),
    machine: describeMachine(),
  };
  const failed: string[] = [];
  for (const section of options.sections) {
    try {
      results = { ...results, ...(await runSection(section, plan)) };
    } catch (error) {
      // One broken section should not cost the others' numbers; the run still fails.
      log(`${section} failed: ${error instanceof Error ? error.stack : String(error)}`);
      failed.push(section);
    }
    results = {
      ...results,
      loadAverageAtEnd: Number((loadavg()[0] ?? 0).toFixed(2)),
      ...(failed.length > 0 ? { failedSections: failed } : {}),
    };
    // After every section: a run cut short still leaves what it measured.
    await writeResults(results, options.sections);
  }
  if (failed.length > 0) process.exitCode = 1;
  const written = await writeResults(results, options.sections);
  console.log(renderSummary(results));
  log(`wrote ${written.map((file) => `apps/bench/results/${file}`).join(', ')}`);
}

try {
  const parsed = parseBenchArgs(process.argv.slice(2));
  if (parsed.help) console.log(USAGE);
  else await bench(parsed);
  // The presence section runs its bundle in this process, and the bundle keeps its Redis
  // connection open as a Lambda container does: let the results flush, then end.
  setTimeout(() => process.exit(), 1000).unref();
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(error);
    process.exitCode = 1;
  }
}
