import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@game-chat/testing/mqtt-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PublishedMessage } from '../../src/iot-core/broker.js';
import {
  type AsyncInvokeConfig,
  createRulesEngine,
  loadRuleFiles,
  type Rule,
  type RulesEngine,
} from '../../src/iot-rules/engine.js';
import { parseRuleSql } from '../../src/iot-rules/sql.js';
import { createLogger } from '../../src/logger.js';
import { DEFAULT_RULES_DIRECTORY } from '../../src/stack.js';

const silent = createLogger({ mode: 'silent' });
const SEND_RULE = `SELECT encode(*, 'base64') AS payload, clientid() AS clientId, newuuid() AS ingestId, timestamp() AS receivedAt FROM 'chat/send/+'`;

const message = (topic: string, payload = '{"text":"hi"}'): PublishedMessage => ({
  topic,
  payload: Buffer.from(payload),
  clientId: 'alice',
  principal: 'alice',
});

describe('loadRuleFiles', () => {
  let directory: string | undefined;
  afterEach(async () => {
    if (directory) await rm(directory, { recursive: true, force: true });
    directory = undefined;
  });

  it('reads the project rules with the topic prefix substituted, as Terraform does', async () => {
    const rules = await loadRuleFiles(DEFAULT_RULES_DIRECTORY, 'game');
    expect(rules.map((rule) => [rule.name, rule.statement.from])).toEqual([
      ['chat_send', 'game/send/+'],
      ['chat_whisper', 'game/whisper/+'],
      ['presence_connections', '$aws/events/presence/+/+'],
      ['presence_subscriptions', '$aws/events/subscriptions/+/+'],
    ]);
  });

  it('names the file and the problem of a bad rule', async () => {
    directory = await mkdtemp(join(tmpdir(), 'rules-'));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: rule files hold Terraform's placeholder
    await writeFile(join(directory, 'good.sql'), "SELECT * FROM '${topic_prefix}/x'");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: rule files hold Terraform's placeholder
    await writeFile(join(directory, 'bad-one.sql'), "SELECT * FROM '${topic_prefix}/x' WHERE");
    await expect(loadRuleFiles(directory, 'chat')).rejects.toThrow(
      /bad-one\.sql: expected a value/,
    );
  });

  it('refuses a placeholder it does not know', async () => {
    directory = await mkdtemp(join(tmpdir(), 'rules-'));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: rule files hold Terraform's placeholder
    await writeFile(join(directory, 'x.sql'), "SELECT * FROM '${prefix}/x'");
    await expect(loadRuleFiles(directory, 'chat')).rejects.toThrow(
      /unknown placeholder \$\{prefix\}/,
    );
  });
});

describe('the rules engine', () => {
  let engine: RulesEngine | undefined;
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
    vi.useRealTimers();
  });

  /** Lambda's schedule scaled to 20 ms and 40 ms (and the 300 s age to 100 ms) by default. */
  function start(action: Rule['action'], asyncInvoke: Partial<AsyncInvokeConfig> = {}) {
    engine = createRulesEngine({
      rules: [{ name: 'chat_send', statement: parseRuleSql(SEND_RULE), action }],
      asyncInvoke: {
        maximumRetryAttempts: 2,
        maximumEventAgeInSeconds: 300,
        delayScale: 1 / 3000,
        ...asyncInvoke,
      },
      log: silent,
      now: () => 1234,
    });
    return engine;
  }

  it('runs the action later, never inside the publish call', async () => {
    const events: unknown[] = [];
    const rules = start(async (payload) => {
      events.push(JSON.parse(payload));
    });
    rules.handle(message('chat/send/Town137'));
    expect(events).toEqual([]);
    await waitFor('the action', () => events.length === 1);
    expect(events[0]).toEqual({
      payload: Buffer.from('{"text":"hi"}').toString('base64'),
      clientId: 'alice',
      ingestId: expect.any(String),
      receivedAt: 1234,
    });
    expect(rules.stats().chat_send).toMatchObject({ matched: 1, invocations: 1, succeeded: 1 });
  });

  it('ignores topics outside FROM, including the parent of a # filter', async () => {
    const events: unknown[] = [];
    const rules = start(async (payload) => {
      events.push(JSON.parse(payload));
    });
    for (const topic of ['chat/room/Town137', 'chat/send', 'chat/send/a/b', 'other/send/x']) {
      rules.handle(message(topic));
    }
    rules.handle(message('chat/send/marker'));
    await waitFor('the marker', () => events.length === 1);
    expect(rules.stats().chat_send?.matched).toBe(1);
  });

  it('retries a failed event twice, with the same event, then discards it', async () => {
    const events: unknown[] = [];
    const rules = start(async (payload) => {
      events.push(payload);
      throw new Error('Redis is down');
    });
    rules.handle(message('chat/send/Town137'));
    await waitFor('the event to be discarded', () => rules.stats().chat_send?.discarded === 1);
    expect(events).toHaveLength(3);
    // The same bytes every time: the same ingest id and receive time.
    expect(events[1]).toBe(events[0]);
    expect(events[2]).toBe(events[0]);
    expect(rules.stats().chat_send).toEqual({
      matched: 1,
      invocations: 3,
      succeeded: 0,
      failed: 3,
      retried: 2,
      discarded: 1,
      expired: 0,
      ruleErrors: 0,
    });
  });

  it('stops retrying once an attempt succeeds', async () => {
    let attempts = 0;
    const rules = start(async () => {
      attempts++;
      if (attempts === 1) throw new Error('once');
    });
    rules.handle(message('chat/send/Town137'));
    await waitFor('the retry to succeed', () => rules.stats().chat_send?.succeeded === 1);
    expect(rules.stats().chat_send).toMatchObject({
      invocations: 2,
      failed: 1,
      retried: 1,
      discarded: 0,
    });
  });

  it("follows Lambda's schedule by default: retries 1 minute, then 2 minutes, after a failure", async () => {
    vi.useFakeTimers();
    const times: number[] = [];
    engine = createRulesEngine({
      rules: [
        {
          name: 'chat_send',
          statement: parseRuleSql(SEND_RULE),
          action: async () => {
            times.push(Date.now());
            throw new Error('down');
          },
        },
      ],
      asyncInvoke: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 300, delayScale: 1 },
      log: silent,
    });
    engine.handle(message('chat/send/Town137'));
    await vi.advanceTimersByTimeAsync(0);
    expect(times).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(times).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(times).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(119_999);
    expect(times).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(times.map((time) => time - (times[0] as number))).toEqual([0, 60_000, 180_000]);
    expect(engine.stats().chat_send).toMatchObject({ retried: 2, discarded: 1, expired: 0 });
  });

  /** An action that always fails, and how often it ran. */
  function failing() {
    const calls = { count: 0 };
    const action = async () => {
      calls.count++;
      throw new Error('down');
    };
    return { calls, action };
  }

  /** One send through a rule whose action always fails, until the rule counts it as `settled`. */
  async function failedSend(
    config: Partial<AsyncInvokeConfig>,
    settled: 'discarded' | 'expired',
  ): Promise<{ calls: { count: number }; action: Rule['action']; rules: RulesEngine }> {
    const { calls, action } = failing();
    const rules = start(action, config);
    rules.handle(message('chat/send/Town137'));
    await waitFor(`the event to be ${settled}`, () => rules.stats().chat_send?.[settled] === 1);
    return { calls, action, rules };
  }

  it('retries as often as maximumRetryAttempts says, 0 meaning never', async () => {
    const { calls, rules } = await failedSend({ maximumRetryAttempts: 0 }, 'discarded');
    expect(calls.count).toBe(1);
    expect(rules.stats().chat_send).toMatchObject({ retried: 0, expired: 0 });
  });

  it('drops an event whose retry would come after the maximum event age, and counts it', async () => {
    // Terraform's old 60 s age: the retry due 1 minute after a failure finds the event too old.
    const { calls, action, rules } = await failedSend({ maximumEventAgeInSeconds: 60 }, 'expired');
    expect(calls.count).toBe(1);
    expect(rules.stats().chat_send).toMatchObject({ failed: 1, retried: 0, discarded: 0 });
    await rules.close();

    // With 120 s, the first retry fits and the second (3 minutes in) does not.
    const longer = start(action, { maximumEventAgeInSeconds: 120 });
    longer.handle(message('chat/send/Town137'));
    await waitFor('the event to be dropped', () => longer.stats().chat_send?.expired === 1);
    expect(longer.stats().chat_send).toMatchObject({ failed: 2, retried: 1, expired: 1 });
  });

  it('counts a message it cannot evaluate as a rule error and runs nothing', async () => {
    const events: unknown[] = [];
    engine = createRulesEngine({
      rules: [
        {
          name: 'all',
          statement: parseRuleSql("SELECT * FROM 'chat/send/+'"),
          action: async (payload) => void events.push(JSON.parse(payload)),
        },
      ],
      asyncInvoke: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60, delayScale: 1 },
      log: silent,
    });
    engine.handle(message('chat/send/x', 'not json'));
    engine.handle(message('chat/send/x', '{"ok":true}'));
    await waitFor('the JSON message', () => events.length === 1);
    expect(events).toEqual([{ ok: true }]);
    expect(engine.stats().all).toMatchObject({ ruleErrors: 1, matched: 1 });
  });

  it('cancels pending retries on close', async () => {
    let attempts = 0;
    const rules = start(
      async () => {
        attempts++;
        throw new Error('down');
      },
      { delayScale: 1 },
    );
    rules.handle(message('chat/send/Town137'));
    await waitFor('the first attempt', () => rules.stats().chat_send?.retried === 1);
    await rules.close();
    rules.handle(message('chat/send/Town137'));
    expect(attempts).toBe(1);
  });
});
