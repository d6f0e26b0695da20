import { Duplex } from 'node:stream';
import { EmulatorError } from '../errors.js';

/**
 * Splits an inbound MQTT byte stream into whole packets before aedes parses them, so the broker
 * can refuse a packet by its declared length before buffering it (aedes has no maximum packet
 * size, moscajs/aedes#831), drop publishes over the rate quota, and see packet types.
 */

export const PACKET_TYPE = {
  connect: 1,
  publish: 3,
  subscribe: 8,
  unsubscribe: 10,
  disconnect: 14,
} as const;

export interface MqttFrame {
  /** Control packet type, the high nibble of the first byte. */
  readonly type: number;
  /** The whole packet: fixed header and body. */
  readonly bytes: Buffer;
  /** Where the body starts (after the remaining-length field). */
  readonly bodyOffset: number;
}

/** A connection broke a protocol rule or a quota; `code` says which. */
export class ConnectionViolation extends EmulatorError<
  'packet_too_large' | 'malformed_packet' | 'too_many_filters' | 'slow_consumer'
> {}

export class MqttFrameSplitter {
  #chunks: Buffer[] = [];
  #buffered = 0;

  constructor(private readonly maxRemainingLength: number) {}

  /** Adds bytes and returns every packet they complete. Throws a ConnectionViolation. */
  push(chunk: Buffer): MqttFrame[] {
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    const frames: MqttFrame[] = [];
    for (;;) {
      const header = this.#readHeader();
      if (header === undefined) break;
      const total = header.bodyOffset + header.remainingLength;
      if (this.#buffered < total) break;
      const bytes = this.#take(total);
      frames.push({ type: (bytes[0] as number) >> 4, bytes, bodyOffset: header.bodyOffset });
    }
    return frames;
  }

  #readHeader(): { bodyOffset: number; remainingLength: number } | undefined {
    const head = this.#peek(5);
    let remainingLength = 0;
    // Remaining length: up to 4 bytes, 7 bits each, high bit = "more follows" (MQTT 2.2.3).
    for (let index = 1; index <= 4; index++) {
      const byte = head[index];
      if (byte === undefined) return undefined;
      remainingLength += (byte & 0x7f) * 128 ** (index - 1);
      if ((byte & 0x80) === 0) {
        if (remainingLength > this.maxRemainingLength) {
          throw new ConnectionViolation(
            'packet_too_large',
            `packet of ${remainingLength} bytes is over the ${this.maxRemainingLength}-byte limit`,
          );
        }
        return { bodyOffset: index + 1, remainingLength };
      }
    }
    throw new ConnectionViolation('malformed_packet', 'remaining length is longer than 4 bytes');
  }

  #peek(count: number): Buffer {
    const first = this.#chunks[0];
    if (first === undefined) return Buffer.alloc(0);
    if (first.length >= count || this.#chunks.length === 1) return first.subarray(0, count);
    return Buffer.concat(this.#chunks, Math.min(count, this.#buffered));
  }

  #take(count: number): Buffer {
    const parts: Buffer[] = [];
    let needed = count;
    while (needed > 0) {
      const chunk = this.#chunks[0] as Buffer;
      if (chunk.length <= needed) {
        parts.push(chunk);
        this.#chunks.shift();
        needed -= chunk.length;
      } else {
        parts.push(chunk.subarray(0, needed));
        this.#chunks[0] = chunk.subarray(needed);
        needed = 0;
      }
    }
    this.#buffered -= count;
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, count);
  }
}

/**
 * The topic strings of a PUBLISH (its topic name), SUBSCRIBE or UNSUBSCRIBE (its filters), as
 * raw bytes; undefined when the body is malformed (aedes' parser then refuses it) or the packet
 * has no topics.
 */
function topicFields(frame: MqttFrame): Buffer[] | undefined {
  const { bytes } = frame;
  const readString = (offset: number) => {
    if (offset + 2 > bytes.length) return undefined;
    const end = offset + 2 + bytes.readUInt16BE(offset);
    return end > bytes.length ? undefined : { text: bytes.subarray(offset + 2, end), end };
  };
  if (frame.type === PACKET_TYPE.publish) {
    const topic = readString(frame.bodyOffset);
    return topic && [topic.text];
  }
  if (frame.type !== PACKET_TYPE.subscribe && frame.type !== PACKET_TYPE.unsubscribe) {
    return undefined;
  }
  // After the packet identifier: filters, each followed by a requested QoS in a SUBSCRIBE.
  const optionBytes = frame.type === PACKET_TYPE.subscribe ? 1 : 0;
  const filters: Buffer[] = [];
  let offset = frame.bodyOffset + 2;
  while (offset < bytes.length) {
    const filter = readString(offset);
    if (filter === undefined || filter.end + optionBytes > bytes.length) return undefined;
    filters.push(filter.text);
    offset = filter.end + optionBytes;
  }
  return filters;
}

/**
 * Number of topic filters in a SUBSCRIBE packet, or undefined when the body is malformed (aedes'
 * parser then refuses it).
 */
export function countSubscribeFilters(frame: MqttFrame): number | undefined {
  return topicFields(frame)?.length;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isWellFormedMqttString(bytes: Buffer): boolean {
  // MQTT 3.1.1 §1.5.3: well-formed UTF-8 (no encoded surrogates) and no U+0000.
  if (bytes.includes(0)) return false;
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * MQTT 3.1.1 asks a server to close the connection on a topic or topic filter that is not
 * well-formed UTF-8 or holds U+0000 [MQTT-1.5.3-1, -2], and on a SUBSCRIBE or UNSUBSCRIBE
 * without filters [MQTT-3.8.3-3, 3.10.3-2]; AWS IoT does. Throws the ConnectionViolation.
 */
export function checkTopicStrings(frame: MqttFrame): void {
  const topics = topicFields(frame);
  if (topics === undefined) return;
  if (topics.length === 0) {
    const kind = frame.type === PACKET_TYPE.subscribe ? 'SUBSCRIBE' : 'UNSUBSCRIBE';
    throw new ConnectionViolation('malformed_packet', `${kind} without topic filters`);
  }
  if (!topics.every(isWellFormedMqttString)) {
    throw new ConnectionViolation(
      'malformed_packet',
      'a topic is not well-formed UTF-8 or contains U+0000',
    );
  }
}

export type FrameVerdict = 'pass' | 'drop';

export interface FrameGuardOptions {
  readonly maxRemainingLength: number;
  /** Bytes the broker may have queued for a client that does not read before it is dropped. */
  readonly maxUnsentBytes: number;
  /** Sees every whole inbound packet; throws a ConnectionViolation to close the connection. */
  inspect(frame: MqttFrame): FrameVerdict;
  /** Told why the guard closed the connection. */
  onViolation(violation: ConnectionViolation): void;
}

/**
 * Wraps a connection (a TCP socket or a WebSocket stream) so that only whole, inspected packets
 * reach the broker. Writes never push back on the broker (see `maxUnsentBytes`); destroying
 * either side destroys both.
 */
export function guardConnection(inner: Duplex, options: FrameGuardOptions): Duplex {
  const splitter = new MqttFrameSplitter(options.maxRemainingLength);
  const guarded = new Duplex({
    read() {
      inner.resume();
    },
    // aedes waits for every subscriber's socket to drain before it delivers more to anyone,
    // so one client that stops reading would stall the whole broker (until aedes'
    // drainTimeout). The broker never sees this client's backpressure: output queues here,
    // and a client whose unread output passes the limit is dropped.
    write(chunk: Buffer, _encoding, callback) {
      inner.write(chunk);
      callback();
      dropIfSlow();
    },
    // mqtt-packet writes each packet in pieces on a corked stream; passing them on corked too
    // makes one socket write per packet instead of one per piece (issue 17: those writes were
    // the guard's largest per-delivery cost).
    writev(chunks: { chunk: Buffer }[], callback) {
      inner.cork();
      for (const { chunk } of chunks) inner.write(chunk);
      inner.uncork();
      callback();
      dropIfSlow();
    },
    final(callback) {
      inner.end(callback);
    },
    destroy(error, callback) {
      inner.destroy();
      callback(error);
    },
  });
  inner.on('data', (chunk: Buffer) => {
    let frames: MqttFrame[];
    try {
      frames = splitter.push(chunk);
    } catch (error) {
      return refuse(error);
    }
    for (const frame of frames) {
      let verdict: FrameVerdict;
      try {
        verdict = options.inspect(frame);
      } catch (error) {
        return refuse(error);
      }
      if (verdict === 'pass' && !guarded.push(frame.bytes)) inner.pause();
    }
  });
  inner.on('end', () => guarded.push(null));
  inner.on('error', (error) => guarded.destroy(error));
  inner.on('close', () => guarded.destroy());

  function dropIfSlow(): void {
    if (inner.writableLength > options.maxUnsentBytes) {
      refuse(
        new ConnectionViolation(
          'slow_consumer',
          `over ${options.maxUnsentBytes} bytes queued for a client that does not read`,
        ),
      );
    }
  }

  function refuse(error: unknown): void {
    if (error instanceof ConnectionViolation) {
      options.onViolation(error);
      guarded.destroy();
    } else {
      guarded.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  }
  return guarded;
}
