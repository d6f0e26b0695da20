import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeliveryLedger, deliveryKey } from '../src/ledger.js';

/** Two channels: receivers 0, 1, 2 in channel 0; receivers 3, 4 in channel 1. */
function ledger(messages = 4) {
  const books = new DeliveryLedger(messages, 2);
  for (const [receiver, channel] of [
    [0, 0],
    [1, 0],
    [2, 0],
    [3, 1],
    [4, 1],
  ] as const) {
    books.join(receiver, channel);
  }
  return books;
}

const key = (seq: number) => deliveryKey(`p${seq}`, `m${seq}`);

describe('DeliveryLedger', () => {
  it('matches deliveries that arrive before the send is confirmed, with their latency', () => {
    const books = ledger();
    books.send(0, 0, 100);
    books.deliver(1, key(0), 104);
    books.deliver(2, key(0), 105);
    expect(books.counts.received).toBe(0); // not matched yet
    books.confirm(0, key(0), 106);
    books.deliver(0, key(0), 107);
    expect(books.counts).toMatchObject({
      confirmed: 1,
      expected: 3,
      received: 3,
      reachedConfirmed: 3,
    });
    expect(books.latencies).toEqual([4, 5, 7]);
    expect(books.confirmLatencies).toEqual([6]);
    expect(books.settled).toBe(true);
    expect(books.losses()).toEqual({ messages: 0, receivers: 0, examples: [] });
  });

  it('counts a repeat under another id as duplicated and names the members that missed one', () => {
    const books = ledger();
    books.send(0, 1, 0);
    books.confirm(0, key(0), 1);
    books.deliver(3, key(0), 2);
    books.deliver(3, key(0), 3);
    expect(books.counts.duplicated).toBe(1);
    expect(books.settled).toBe(false);
    expect(books.losses()).toEqual({
      messages: 1,
      receivers: 1,
      examples: [{ seq: 0, receiver: 4 }],
    });
  });

  it('keeps deliveries of failed sends apart and ignores strangers', () => {
    const books = ledger();
    books.send(0, 0, 0);
    books.fail();
    books.deliver(1, key(0), 5); // timed out at the sender, yet published
    books.deliver(99, key(0), 5); // not a member of the run
    expect(books.settled).toBe(true);
    expect(books.unconfirmedReceived).toBe(2);
    expect(books.counts).toMatchObject({ failed: 1, expected: 0, received: 0 });
  });

  it('ends with the same books whatever the order of confirmations and deliveries', () => {
    const events = [
      ...[0, 1, 2].map((receiver) => ({ kind: 'deliver' as const, seq: 0, receiver })),
      ...[3, 4].map((receiver) => ({ kind: 'deliver' as const, seq: 1, receiver })),
      { kind: 'confirm' as const, seq: 0, receiver: -1 },
      { kind: 'confirm' as const, seq: 1, receiver: -1 },
    ];
    fc.assert(
      fc.property(fc.shuffledSubarray(events, { minLength: events.length }), (order) => {
        const books = ledger();
        books.send(0, 0, 0);
        books.send(1, 1, 0);
        for (const event of order) {
          if (event.kind === 'confirm') books.confirm(event.seq, key(event.seq), 1);
          else books.deliver(event.receiver, key(event.seq), 2);
        }
        expect(books.counts).toMatchObject({
          received: 5,
          expected: 5,
          reachedConfirmed: 5,
          duplicated: 0,
        });
        expect(books.settled).toBe(true);
        expect(books.unconfirmedReceived).toBe(0);
      }),
    );
  });
});
