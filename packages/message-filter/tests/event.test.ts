import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRuleEvent } from '../src/event.js';

const event = {
  payload: Buffer.from('{"text":"hi"}').toString('base64'),
  topic: 'chat/send/Town137',
  clientId: 'alice.tab2',
  principal: 'abc',
  receivedAt: 1764081600123,
  ingestId: '3f1c9a2e-5b7d-4c11-9e0f-0a1b2c3d4e5f',
};

describe('parseRuleEvent', () => {
  it('accepts the SELECT output of the rule SQL', () => {
    expect(parseRuleEvent(event)).toEqual({ ok: true, value: event });
  });

  it('reads a missing payload (IoT omits Undefined, e.g. for an empty one) as empty', () => {
    const { payload: _, principal: __, ...rest } = event;
    expect(parseRuleEvent(rest)).toEqual({ ok: true, value: { ...rest, payload: '' } });
  });

  it.each([
    ['payload not base64', { payload: 'a b' }],
    ['topic missing', { topic: undefined }],
    ['clientId a number', { clientId: 7 }],
    ['receivedAt a string', { receivedAt: '1764081600123' }],
    ['ingestId not a UUID', { ingestId: 'x'.repeat(36) }],
    ['principal an object', { principal: {} }],
  ])('refuses an event with %s', (_, change) => {
    expect(parseRuleEvent({ ...event, ...change })).toMatchObject({ ok: false, code: 'invalid' });
  });

  it('reads own properties only and never throws, whatever it is given', () => {
    const inherited = Object.create(event);
    expect(parseRuleEvent(inherited).ok).toBe(false);
    fc.assert(
      fc.property(fc.anything(), (input) => {
        expect(typeof parseRuleEvent(input).ok).toBe('boolean');
      }),
    );
  });
});
