import { randomUUID } from 'node:crypto';
import { parseClientId } from '@game-chat/protocol/names';
import { parseSendPayload } from '@game-chat/protocol/payloads';
import { createTopics } from '@game-chat/protocol/topics';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, ruleEvent, startHarness } from './helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const topics = createTopics('chat');
const invalidPayload = (bytes: Uint8Array) => !parseSendPayload(bytes).ok;
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value) ?? '');

/** Payloads that must be refused: raw bytes, wrong types, bad ids, too long, blank, huge. */
const hostilePayload = fc
  .oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.string({ unit: 'binary', maxLength: 200 }).map((text) => new TextEncoder().encode(text)),
    fc.anything({ maxDepth: 3 }).map(encode),
    fc
      .record(
        {
          text: fc.oneof(
            fc.anything({ maxDepth: 1 }),
            fc.string({
              unit: fc.constantFrom(' ', '\t', '\n', '\u200b', '\ufeff'),
              maxLength: 20,
            }),
            fc.string({ minLength: 501, maxLength: 700 }),
            fc.string({ unit: 'binary', maxLength: 50 }),
          ),
          message: fc.anything({ maxDepth: 1 }),
          clientMsgId: fc.oneof(fc.anything({ maxDepth: 1 }), fc.string({ unit: 'binary' })),
          __proto__: fc.anything({ maxDepth: 1 }),
          constructor: fc.anything({ maxDepth: 1 }),
        },
        { requiredKeys: [] },
      )
      .map(encode),
    fc.string({ minLength: 8200, maxLength: 9000 }).map((pad) => encode({ text: 'hi', pad })),
  )
  .filter(invalidPayload);

/** A valid payload on a topic players may not publish to. */
const hostileTopic = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.string({ maxLength: 70 }).map((name) => `chat/send/${name}`),
    fc.string({ maxLength: 70 }).map((name) => `chat/whisper/${name}`),
    fc.constantFrom(
      'chat/room/Town',
      'chat/inbox/bob',
      '$aws/things/x',
      'chat/send/#',
      'chat/send/+',
    ),
  )
  .filter((topic) => {
    const parsed = topics.parse(topic);
    return !parsed.ok || parsed.value.kind === 'room' || parsed.value.kind === 'inbox';
  });

const hostileClientId = fc
  .string({ unit: 'binary', maxLength: 100 })
  .filter((clientId) => !parseClientId(clientId).ok);

const hostileEvent = fc.oneof(
  { weight: 5, arbitrary: hostilePayload.map((bytes) => ruleEvent('chat/send/Town', bytes)) },
  { weight: 2, arbitrary: hostilePayload.map((bytes) => ruleEvent('chat/whisper/bob', bytes)) },
  { weight: 2, arbitrary: hostileTopic.map((topic) => ruleEvent(topic, { text: 'hello' })) },
  {
    weight: 1,
    arbitrary: hostileClientId.map((clientId) =>
      ruleEvent('chat/send/Town', { text: 'hi' }, { clientId }),
    ),
  },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
  {
    weight: 1,
    arbitrary: fc
      .record({ payload: fc.anything(), topic: fc.anything(), clientId: fc.anything() })
      .map((fields) => ({ ...fields, receivedAt: Date.now(), ingestId: randomUUID() })),
  },
);

describe('1,000 generated hostile events', () => {
  it('never crash the handler, store nothing and answer only with notices', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(hostileEvent, async (event) => {
        runs++;
        const outcome = await h.invoke(event);
        expect(['refused', 'dropped']).toContain(outcome.status);
      }),
      { numRuns: 1000 },
    );
    expect(runs).toBe(1000);
    expect(await h.keys()).toEqual([]);
    for (const publish of h.recorder.published) {
      expect(publish.topic).toMatch(/^chat\/inbox\/[A-Za-z0-9_-]{1,64}$/);
      expect(publish.json()).toMatchObject({ v: 1, kind: 'notice', detail: expect.any(String) });
    }
    expect(h.recorder.published.length).toBeGreaterThan(500);
  });
});
