import { Duplex } from 'node:stream';
import { packet as encodePacket, mqttString } from '@game-chat/testing/mqtt-packets';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConnectionViolation,
  checkTopicStrings,
  countSubscribeFilters,
  guardConnection,
  type MqttFrame,
  MqttFrameSplitter,
} from '../../src/iot-core/mqtt-frames.js';

/** Encodes one packet: first byte (type and flags), remaining length (MQTT varint), body. */
const encode = (firstByte: number, body: Uint8Array): Buffer =>
  encodePacket(firstByte >> 4, body, { flags: firstByte & 0x0f });

function frame(type: number, firstByte: number, body: Buffer): MqttFrame {
  const bytes = encode(firstByte, body);
  return { type, bytes, bodyOffset: bytes.length - body.length };
}

type Topic = string | Uint8Array;
function subscribePacket(filters: Topic[]): MqttFrame {
  const entries = filters.map((filter) => Buffer.concat([mqttString(filter), Buffer.from([1])]));
  return frame(8, 0x82, Buffer.concat([Buffer.from([0, 1]), ...entries]));
}

function unsubscribePacket(filters: Topic[]): MqttFrame {
  return frame(
    10,
    0xa2,
    Buffer.concat([Buffer.from([0, 1]), ...filters.map((filter) => mqttString(filter))]),
  );
}

function publishPacket(topic: Topic): MqttFrame {
  return frame(3, 0x30, Buffer.concat([mqttString(topic), Buffer.from('{"text":"x"}')]));
}

const packet = fc.record({
  firstByte: fc.integer({ min: 0x10, max: 0xff }),
  body: fc.uint8Array({ maxLength: 300 }),
});

describe('MqttFrameSplitter', () => {
  it('yields the same packets however the byte stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(packet, { maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (packets, cuts) => {
          const encoded = packets.map(({ firstByte, body }) => encode(firstByte, body));
          const stream = Buffer.concat(encoded);
          const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort(
            (a, b) => a - b,
          );
          const splitter = new MqttFrameSplitter(1000);
          const frames: MqttFrame[] = [];
          let start = 0;
          for (const point of [...points, stream.length]) {
            frames.push(...splitter.push(stream.subarray(start, point)));
            start = point;
          }
          expect(frames.map((frame) => frame.bytes)).toEqual(encoded);
          expect(frames.map((frame) => frame.type)).toEqual(packets.map((p) => p.firstByte >> 4));
        },
      ),
    );
  });

  it('refuses a packet by its declared length, before its body arrives', () => {
    const splitter = new MqttFrameSplitter(1000);
    // PUBLISH declaring 1001 bytes; only the header is sent.
    const header = encode(0x30, new Uint8Array(1001)).subarray(0, 3);
    expect(() => splitter.push(header)).toThrow(
      expect.objectContaining({ code: 'packet_too_large' }) as unknown as Error,
    );
  });

  it('accepts a packet of exactly the limit', () => {
    const splitter = new MqttFrameSplitter(1000);
    expect(splitter.push(encode(0x30, new Uint8Array(1000)))).toHaveLength(1);
  });

  it('refuses a remaining length of more than 4 bytes', () => {
    const splitter = new MqttFrameSplitter(Number.MAX_SAFE_INTEGER);
    expect(() => splitter.push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toThrow(
      ConnectionViolation,
    );
  });
});

describe('checkTopicStrings (MQTT 3.1.1 §1.5.3)', () => {
  const notUtf8 = Uint8Array.from([0x63, 0x68, 0xff, 0xfe]);
  const surrogate = Uint8Array.from([0x61, 0xed, 0xa0, 0x80]); // U+D800 encoded
  const overlong = Uint8Array.from([0x2f, 0xc0, 0xaf]); // "/" encoded in two bytes

  it.each([
    ['a PUBLISH to chat/send/Town137', publishPacket('chat/send/Town137')],
    ['a PUBLISH to an emoji topic', publishPacket('chat/send/😀')],
    ['a SUBSCRIBE to two filters', subscribePacket(['chat/room/+', 'chat/inbox/alice'])],
    ['an UNSUBSCRIBE of one filter', unsubscribePacket(['chat/room/Town137'])],
    ['a packet without topics', frame(12, 0xc0, Buffer.alloc(0))],
  ])('lets %s through', (_case, packet) => {
    expect(() => checkTopicStrings(packet)).not.toThrow();
  });

  it.each([
    ['a PUBLISH whose topic is not UTF-8', publishPacket(notUtf8)],
    ['a PUBLISH whose topic encodes a surrogate', publishPacket(surrogate)],
    ['a PUBLISH whose topic has an overlong encoding', publishPacket(overlong)],
    ['a PUBLISH whose topic holds U+0000', publishPacket('chat/send/a\u0000b')],
    ['a SUBSCRIBE with one bad filter among good ones', subscribePacket(['chat/room/a', notUtf8])],
    ['an UNSUBSCRIBE whose filter is not UTF-8', unsubscribePacket([notUtf8])],
    ['an UNSUBSCRIBE without filters', unsubscribePacket([])],
    ['a SUBSCRIBE without filters', subscribePacket([])],
  ])('ends the connection on %s', (_case, packet) => {
    expect(() => checkTopicStrings(packet)).toThrow(ConnectionViolation);
    expect(() => checkTopicStrings(packet)).toThrow(
      expect.objectContaining({ code: 'malformed_packet' }) as unknown as Error,
    );
  });

  it('leaves a body too short to read to the MQTT parser', () => {
    const truncated = publishPacket('chat');
    const cut = { ...truncated, bytes: truncated.bytes.subarray(0, truncated.bodyOffset + 1) };
    expect(() => checkTopicStrings(cut)).not.toThrow();
  });

  it('accepts exactly the topics that decode as UTF-8 without U+0000', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 30 }), (bytes) => {
        let wellFormed = !bytes.includes(0);
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        } catch {
          wellFormed = false;
        }
        const check = () => checkTopicStrings(publishPacket(bytes));
        if (wellFormed) expect(check).not.toThrow();
        else expect(check).toThrow(ConnectionViolation);
      }),
    );
  });
});

describe('countSubscribeFilters', () => {
  it.each([[['a']], [['a', 'b/c', '#']], [Array.from({ length: 9 }, (_, i) => `t/${i}`)]])(
    'counts %j',
    (filters) => {
      expect(countSubscribeFilters(subscribePacket(filters))).toBe(filters.length);
    },
  );

  it('gives up on a truncated body', () => {
    const frame = subscribePacket(['abc']);
    const truncated = { ...frame, bytes: frame.bytes.subarray(0, frame.bytes.length - 2) };
    expect(countSubscribeFilters(truncated)).toBeUndefined();
  });
});

/** A guard in front of `inner` with a 10,000-byte unsent limit; `violations` it reported. */
function guarded(inner: Duplex) {
  const violations: ConnectionViolation[] = [];
  const guard = guardConnection(inner, {
    maxRemainingLength: 1000,
    maxUnsentBytes: 10_000,
    inspect: () => 'pass',
    onViolation: (violation) => violations.push(violation),
  });
  return { guard, violations };
}

describe('guardConnection', () => {
  it('never pushes a client that does not read back on the broker, and drops it past the limit', async () => {
    // A connection whose peer never reads: no write ever completes.
    const inner = new Duplex({ read() {}, write() {} });
    const { guard, violations } = guarded(inner);
    const called: number[] = [];
    for (let i = 0; i < 2; i++) guard.write(Buffer.alloc(4000), () => called.push(i));
    // The broker sees its writes done though the peer reads nothing...
    await new Promise((resolve) => setImmediate(resolve));
    expect(called).toEqual([0, 1]);
    expect(violations).toEqual([]);
    // ...until the queued output passes the limit: then the connection is dropped.
    guard.write(Buffer.alloc(4000));
    expect(violations.map((violation) => violation.code)).toEqual(['slow_consumer']);
    expect(guard.destroyed).toBe(true);
    expect(inner.destroyed).toBe(true);
  });

  it('passes a corked packet on as one write of its pieces, in order', async () => {
    const writes: Buffer[][] = [];
    const { guard } = guarded(
      new Duplex({
        read() {},
        writev(chunks, callback) {
          writes.push(chunks.map(({ chunk }) => chunk as Buffer));
          callback();
        },
      }),
    );
    // As mqtt-packet writes a PUBLISH: header, length, topic, payload on a corked stream.
    guard.cork();
    for (const piece of ['0', '1', '2', '3']) guard.write(Buffer.from(piece));
    process.nextTick(() => guard.uncork());
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes.map((pieces) => Buffer.concat(pieces).toString())).toEqual(['0123']);
    // And the output of a client that does not read still counts against the limit.
    const slow = guarded(new Duplex({ read() {}, writev() {} }));
    for (let packet = 0; packet < 3; packet++) {
      slow.guard.cork();
      slow.guard.write(Buffer.alloc(2000));
      slow.guard.write(Buffer.alloc(2000));
      slow.guard.uncork();
    }
    expect(slow.violations.map((violation) => violation.code)).toEqual(['slow_consumer']);
  });
});
