import { describe, expect, it } from 'vitest';
import { BotSwarm } from '../src/bots.js';
import { readSettings } from '../src/settings.js';

// Bots chatting on a real stack, with stats, are covered in demo.test.ts.
describe('BotSwarm', () => {
  const local = readSettings({
    endpoint: 'ws://127.0.0.1:9/mqtt',
    apiUrl: 'http://127.0.0.1:9',
    devTokenUrl: 'http://127.0.0.1:9/dev/tokens',
  });

  it('refuses a bot count outside 1-200 and a stack without a token endpoint', () => {
    for (const count of [0, 201, 2.5, Number.NaN]) {
      expect(
        () => new BotSwarm({ settings: local, channel: 'Arena', count, ratePerSecond: 1 }),
      ).toThrow(/1-200/);
    }
    const aws = { ...local, devTokenUrl: undefined };
    expect(
      () => new BotSwarm({ settings: aws, channel: 'Arena', count: 1, ratePerSecond: 1 }),
    ).toThrow(/development token endpoint/);
  });

  it('counts a bot that cannot connect as failed, with the reason', async () => {
    const swarm = new BotSwarm({ settings: local, channel: 'Arena', count: 2, ratePerSecond: 5 });
    swarm.start();
    await expect.poll(() => swarm.stats().failed, { timeout: 10_000 }).toBe(2);
    expect(swarm.stats()).toMatchObject({ connected: 0, sent: 0, target: 2 });
    expect(swarm.stats().lastError).toMatch(/could not be reached/);
    await swarm.stop();
  });
});
