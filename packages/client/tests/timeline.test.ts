import { type ChatMessage, compareMessageIds } from '@game-chat/protocol/payloads';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChannelTimeline } from '../src/timeline.js';
import { chatMessage as chat } from './support/messages.js';

function deletion(id: string, targetId: string): ChatMessage {
  return {
    ...chat(id),
    kind: 'delete',
    text: '',
    from: { id: 'system', name: 'System' },
    targetId,
  };
}

const ids = (messages: readonly ChatMessage[]) => messages.map((message) => message.id);

/**
 * A channel's messages (distinct ids), then the order they arrive in: every message at least
 * once, some twice (a history page overlapping live traffic), shuffled, in 1-5 batches.
 */
const arrivalScenarios = fc
  .uniqueArray(
    fc.tuple(fc.integer({ min: 1, max: 2_000_000_000_000 }), fc.integer({ min: 0, max: 50 })),
    { minLength: 1, maxLength: 60, selector: ([ms, seq]) => `${ms}-${seq}` },
  )
  .map((pairs) => pairs.map(([ms, seq]) => chat(`${ms}-${seq}`)))
  .chain((all) =>
    fc.tuple(
      fc.constant(all),
      fc
        .array(fc.constantFrom(...all), { maxLength: 40 })
        .chain((again) =>
          fc.shuffledSubarray([...all, ...again], { minLength: all.length + again.length }),
        ),
      fc.integer({ min: 1, max: 5 }),
    ),
  );

describe('ChannelTimeline', () => {
  it('keeps each id once, in id order, whatever order and overlap the batches come in', () => {
    fc.assert(
      fc.property(arrivalScenarios, ([all, arrivals, batchCount]) => {
        const timeline = new ChannelTimeline(1000);
        const emitted: ChatMessage[] = [];
        const size = Math.ceil(arrivals.length / batchCount);
        for (let start = 0; start < arrivals.length; start += size) {
          emitted.push(...timeline.merge(arrivals.slice(start, start + size)));
        }
        const expected = ids(all).sort(compareMessageIds);
        expect(ids(timeline.messages)).toEqual(expected);
        expect(ids(emitted).sort(compareMessageIds)).toEqual(expected);
        expect(timeline.lastId).toBe(expected.at(-1));
      }),
    );
  });

  it('returns the new messages of one batch in id order', () => {
    const timeline = new ChannelTimeline(10);
    timeline.merge([chat('100-5')]);
    const added = timeline.merge([chat('100-7'), chat('100-5'), chat('100-6'), chat('99-1')]);
    expect(ids(added)).toEqual(['99-1', '100-6', '100-7']);
    expect(ids(timeline.messages)).toEqual(['99-1', '100-5', '100-6', '100-7']);
  });

  it('hides a deleted message, whether the delete arrives after it, with it or before it', () => {
    const after = new ChannelTimeline(10);
    after.merge([chat('1-1'), chat('1-2')]);
    expect(ids(after.merge([deletion('1-3', '1-1')]))).toEqual(['1-3']);
    expect(ids(after.messages)).toEqual(['1-2']);

    const together = new ChannelTimeline(10);
    expect(ids(together.merge([deletion('1-3', '1-1'), chat('1-1'), chat('1-2')]))).toEqual([
      '1-2',
      '1-3',
    ]);
    expect(ids(together.messages)).toEqual(['1-2']);

    const before = new ChannelTimeline(10);
    before.merge([deletion('1-3', '1-1')]);
    expect(before.merge([chat('1-1')])).toEqual([]);
    expect(before.messages).toEqual([]);
    expect(before.lastId).toBe('1-3');
  });

  it('keeps the newest `capacity` entries and treats anything older as already seen', () => {
    const timeline = new ChannelTimeline(3);
    timeline.merge(['1-1', '1-2', '1-3', '1-4', '1-5'].map(chat));
    expect(ids(timeline.messages)).toEqual(['1-3', '1-4', '1-5']);
    expect(timeline.has('1-1')).toBe(true);
    expect(timeline.merge([chat('1-2'), chat('1-0')])).toEqual([]);
    expect(ids(timeline.merge([chat('1-6')]))).toEqual(['1-6']);
    expect(timeline.lastId).toBe('1-6');
  });

  it('refuses a capacity that is not a positive whole number', () => {
    expect(() => new ChannelTimeline(0)).toThrow(RangeError);
    expect(() => new ChannelTimeline(1.5)).toThrow(RangeError);
  });

  it('has no last id while empty', () => {
    expect(new ChannelTimeline(5).lastId).toBeUndefined();
    expect(new ChannelTimeline(5).oldestId).toBeUndefined();
  });

  it('merges scrollback pages below what it holds, keeping them beyond capacity, each once', () => {
    const timeline = new ChannelTimeline(3);
    timeline.merge(['1-4', '1-5', '1-6'].map(chat));
    expect(timeline.oldestId).toBe('1-4');
    expect(ids(timeline.mergeOlder(['1-2', '1-3', '1-4'].map(chat)))).toEqual(['1-2', '1-3']);
    expect(ids(timeline.mergeOlder(['1-1', '1-2'].map(chat)))).toEqual(['1-1']);
    expect(ids(timeline.messages)).toEqual(['1-1', '1-2', '1-3', '1-4', '1-5', '1-6']);
    // A live message still trims to what is kept: capacity plus the pages asked for.
    expect(ids(timeline.merge([chat('1-7')]))).toEqual(['1-7']);
    expect(ids(timeline.messages)).toEqual(['1-2', '1-3', '1-4', '1-5', '1-6', '1-7']);
  });

  it('takes back by scrollback what capacity dropped, and hides what an older page deleted', () => {
    const timeline = new ChannelTimeline(2);
    timeline.merge(['1-4', '1-5', '1-6'].map(chat));
    expect(timeline.has('1-4')).toBe(true);
    // The page holds a delete event for an older message (the store keeps the event, not the
    // message); should a later page still carry the message, it stays hidden.
    expect(ids(timeline.mergeOlder([chat('1-2'), deletion('1-3', '1-1'), chat('1-4')]))).toEqual([
      '1-2',
      '1-3',
      '1-4',
    ]);
    expect(timeline.mergeOlder([chat('1-1')])).toEqual([]);
    expect(ids(timeline.messages)).toEqual(['1-2', '1-4', '1-5', '1-6']);
  });

  it('pages back to the start of any channel with each message once, in order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 30 }),
        (count, capacity, pageSize) => {
          const all = Array.from({ length: count }, (_, n) => chat(`1-${n + 1}`));
          const timeline = new ChannelTimeline(capacity);
          timeline.merge(all.slice(-capacity));
          for (let turn = 0; turn <= count; turn++) {
            const oldest = timeline.oldestId;
            const below = all.filter(
              (m) => oldest === undefined || compareMessageIds(m.id, oldest) < 0,
            );
            if (below.length === 0) break;
            timeline.mergeOlder(below.slice(-pageSize));
          }
          expect(ids(timeline.messages)).toEqual(ids(all));
        },
      ),
    );
  });
});
