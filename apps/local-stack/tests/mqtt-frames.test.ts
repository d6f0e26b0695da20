import { Duplex } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConnectionViolation,
  countSubscribeFilters,
  guardConnection,
  type MqttFrame,
  MqttFrameSplitter,
} from '../src/mqtt-frames.js';

/** Encodes one packet: first byte, remaining length (MQTT varint), body. */
function encode(firstByte: number, body: Uint8Array): Buffer {
  const length: number[] = [];
  let rest = body.length;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    length.push(byte);
  } while (rest > 0);
  return Buffer.concat([Buffer.from([firstByte, ...length]), body]);
}

function subscribePacket(filters: string[]): MqttFrame {
  const body = Buffer.concat([
    Buffer.from([0, 1]),
    ...filters.map((filter) => {
      const bytes = Buffer.from(filter);
      return Buffer.concat([
        Buffer.from([bytes.length >> 8, bytes.length & 0xff]),
        bytes,
        Buffer.from([1]),
      ]);
    }),
  ]);
  const bytes = encode(0x82, body);
  return { type: 8, bytes, bodyOffset: bytes.length - body.length };
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

describe('guardConnection', () => {
  it('never pushes a client that does not read back on the broker, and drops it past the limit', async () => {
    // A connection whose peer never reads: no write ever completes.
    const inner = new Duplex({ read() {}, write() {} });
    const violations: ConnectionViolation[] = [];
    const guarded = guardConnection(inner, {
      maxRemainingLength: 1000,
      maxUnsentBytes: 10_000,
      inspect: () => 'pass',
      onViolation: (violation) => violations.push(violation),
    });
    const called: number[] = [];
    for (let i = 0; i < 2; i++) guarded.write(Buffer.alloc(4000), () => called.push(i));
    // The broker sees its writes done though the peer reads nothing...
    await new Promise((resolve) => setImmediate(resolve));
    expect(called).toEqual([0, 1]);
    expect(violations).toEqual([]);
    // ...until the queued output passes the limit: then the connection is dropped.
    guarded.write(Buffer.alloc(4000));
    expect(violations.map((violation) => violation.code)).toEqual(['slow_consumer']);
    expect(guarded.destroyed).toBe(true);
    expect(inner.destroyed).toBe(true);
  });
});
