#!/usr/bin/env node
import { createLocalStack, type LocalStack } from '@game-chat/aws-emulator';
import { readCliOptions } from './cli-options.js';

/**
 * `game-chat-local` (root `pnpm dev`): starts the local stack, prints one `ready` line naming
 * every URL, and stops everything it started on SIGINT or SIGTERM.
 */

function fail(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`game-chat-local: ${message}\n`);
  process.exit(1);
}

function readyLine(stack: LocalStack): string {
  const { urls } = stack;
  const parts = [
    `mqtt=${urls.mqtt}`,
    `ws=${urls.ws}`,
    `api=${urls.api}`,
    `tokens=${urls.api}/dev/tokens`,
    `iotData=${urls.iotData}`,
    `web=${urls.web ?? 'none'}`,
    `redis=${stack.redisUrl}`,
    `authorizer=${stack.authorizerName}`,
    `tokenKeyName=${stack.tokenKeyName}`,
    `defaultAuthorizer=${stack.createDomainConfiguration}`,
  ];
  const hint = urls.web ? '' : ' (no web demo: build apps/web-demo to serve it)';
  return `ready ${parts.join(' ')}${hint}\n`;
}

// `--pretty` (the package's `dev` script, run by turbo through a pipe) asks for readable logs
// as a terminal would get; CHAT_LOG still decides when it is set.
const readable = process.stdout.isTTY === true || process.argv.includes('--pretty');
let stack: LocalStack;
try {
  stack = await createLocalStack(readCliOptions(process.env, readable));
} catch (error) {
  fail(error);
}
process.stdout.write(readyLine(stack));

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) {
    process.stderr.write(`game-chat-local: ${signal} again, exiting now\n`);
    process.exit(1);
  }
  stopping = true;
  await stack.stop();
  // The Lambda bundles keep their Redis clients (as a warm container does); nothing else is
  // left to finish, so end the process rather than wait for them.
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
