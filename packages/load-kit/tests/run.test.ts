import {
  DEVELOPMENT_AUTHORIZER_SIGNING_KEY,
  loadAuthorizerSigningKey,
} from '@game-chat/auth/signing';
import { createLocalStack, type LocalStack } from '@game-chat/aws-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadPhase, runLoad } from '../src/run.js';
import { tokensFromKeys, tokensFromUrl } from '../src/tokens.js';

let stack: LocalStack;

beforeAll(async () => {
  stack = await createLocalStack({ log: 'silent' });
});

afterAll(async () => {
  await stack?.stop();
});

const plan = {
  players: 6,
  channels: 2,
  rate: 4,
  durationSeconds: 1.5,
  connectConcurrency: 3,
  drainSeconds: 10,
};

describe('runLoad through a local stack', () => {
  it('delivers every confirmed message to every member of its channel once', async () => {
    const phases: LoadPhase[] = [];
    let sentWhenConnected: number | undefined;
    let sent = 0;
    const report = await runLoad(
      plan,
      {
        endpoint: stack.urls.mqtt,
        apiUrl: stack.urls.api,
        authorizerName: stack.authorizerName,
        getToken: tokensFromUrl(`${stack.urls.api}/dev/tokens`),
      },
      {
        onConnected: (connected) => {
          expect(connected).toBe(6);
          sentWhenConnected = sent;
        },
        onProgress: (progress) => {
          sent = progress.sent;
          if (phases.at(-1) !== progress.phase) phases.push(progress.phase);
        },
      },
    );
    expect(sentWhenConnected).toBe(0);
    expect(report.connect).toMatchObject({ connected: 6, failed: {} });
    expect(report.sends).toMatchObject({ attempted: 6, confirmed: 6, failed: {} });
    // Three bots per channel, the sender included.
    expect(report.deliveries).toEqual({
      expected: 18,
      received: 18,
      lost: 0,
      duplicated: 0,
      unconfirmedReceived: 0,
      losses: { messages: 0, bots: 0, examples: [] },
    });
    expect(report.latencyMs.count).toBe(18);
    expect(report.latencyMs.min).toBeGreaterThan(0);
    expect(report.sends.confirmMs.count).toBe(6);
    expect(phases.at(-1)).toBe('close');
    expect(phases.indexOf('connect')).toBeLessThan(phases.indexOf('close'));
  }, 30_000);

  it('counts bots whose token the authorizer refuses, and sends nothing', async () => {
    const report = await runLoad(
      { ...plan, players: 2, channels: 1 },
      {
        endpoint: stack.urls.mqtt,
        apiUrl: stack.urls.api,
        authorizerName: stack.authorizerName,
        // Signed for IoT Core with the stack's key, but the JWT with another secret than the
        // stack's: a forged token that reaches the authorizer, which refuses it.
        getToken: tokensFromKeys({
          playerToken: { secret: 'not-the-stack-secret-but-32-bytes-long!!' },
          authorizerSigning: loadAuthorizerSigningKey(DEVELOPMENT_AUTHORIZER_SIGNING_KEY),
        }),
      },
    );
    expect(report.connect).toMatchObject({ connected: 0, failed: { unauthorized: 2 } });
    expect(report.sends.attempted).toBe(0);
    expect(report.deliveries).toMatchObject({ expected: 0, lost: 0 });
  }, 30_000);
});
