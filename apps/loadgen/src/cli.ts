#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { readIssuerKeys } from '@game-chat/auth/issuer';
import { type LoadProgress, type LoadTarget, runLoad } from '@game-chat/load-kit/run';
import {
  type StackProcess,
  stackTarget,
  startStackProcess,
} from '@game-chat/load-kit/stack-process';
import { tokensFromKeys, tokensFromUrl } from '@game-chat/load-kit/tokens';
import cliProgress from 'cli-progress';
import {
  type CliOptions,
  DEFAULT_RATE_LIMITS,
  parseCommandLine,
  planWarnings,
  type TargetOptions,
  USAGE,
  UsageError,
} from './args.js';
import { formatReport } from './report.js';

/** The limits a plan runs into: a local stack's settings, else the contract §6 defaults. */
function rateLimits(target: TargetOptions) {
  if (target.kind !== 'local') return DEFAULT_RATE_LIMITS;
  const setting = (name: string, fallback: number) => Number(target.settings[name] ?? fallback);
  return {
    playerPerSecond: setting('CHAT_RATE_PER_SECOND', DEFAULT_RATE_LIMITS.playerPerSecond),
    channelPerSecond: setting('CHAT_CHANNEL_RATE_PER_SECOND', DEFAULT_RATE_LIMITS.channelPerSecond),
  };
}

async function remoteTarget(
  target: Extract<TargetOptions, { kind: 'remote' }>,
): Promise<LoadTarget> {
  let getToken: LoadTarget['getToken'];
  if (target.tokens.kind === 'url') {
    getToken = tokensFromUrl(target.tokens.url);
  } else {
    const { keys, warnings } = await readIssuerKeys(target.tokens.env);
    for (const warning of warnings) console.error(`warning: ${warning}`);
    getToken = tokensFromKeys(keys);
  }
  return {
    endpoint: target.endpoint,
    apiUrl: target.apiUrl,
    authorizerName: target.authorizerName,
    tokenKeyName: target.tokenKeyName,
    topicPrefix: target.topicPrefix,
    getToken,
  };
}

/** One bar per phase; without a terminal, a line every few seconds. */
function progressBar(enabled: boolean) {
  if (!enabled) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      format: '{phase} |{bar}| {value}/{total} | sent {sent} received {received} failed {failed}',
      stream: process.stderr,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5000,
    },
    cliProgress.Presets.shades_classic,
  );
  let phase: string | undefined;
  let running = false;
  const stop = () => {
    if (running) bar.stop();
    running = false;
  };
  return {
    update(progress: LoadProgress) {
      const { done, total, ...counts } = progress;
      const payload = { ...counts, phase: progress.phase.padEnd(7) };
      if (progress.phase === phase) {
        bar.setTotal(total);
        bar.update(done, payload);
        return;
      }
      stop();
      phase = progress.phase;
      bar.start(total, done, payload);
      running = true;
    },
    stop,
  };
}

async function run(options: CliOptions): Promise<number> {
  for (const warning of planWarnings(options.plan, rateLimits(options.target))) {
    console.error(`warning: ${warning}`);
  }
  let stack: StackProcess | undefined;
  let target: LoadTarget;
  if (options.target.kind === 'local') {
    console.error('starting a local stack...');
    stack = await startStackProcess({ settings: options.target.settings });
    target = stackTarget(stack);
  } else {
    target = await remoteTarget(options.target);
  }
  const bar = progressBar(options.progress);
  const controller = new AbortController();
  const abort = () => controller.abort();
  process.once('SIGINT', abort);
  try {
    const report = await runLoad(options.plan, target, {
      onProgress: bar.update,
      signal: controller.signal,
    });
    bar.stop();
    console.log(formatReport(report));
    if (options.out !== undefined) {
      await writeFile(options.out, `${JSON.stringify(report, null, 2)}\n`);
    }
    return report.connect.connected === 0 ? 1 : 0;
  } finally {
    bar.stop();
    process.off('SIGINT', abort);
    await stack?.stop();
  }
}

try {
  const parsed = parseCommandLine(process.argv.slice(2), process.env);
  if (parsed.help) console.log(USAGE);
  else process.exitCode = await run(parsed);
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
