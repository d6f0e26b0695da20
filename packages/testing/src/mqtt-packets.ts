/**
 * A raw MQTT 3.1.1 packet writer for hostile tests: every field can be wrong on purpose (a
 * declared length that does not match the body, topics that are not UTF-8, reserved flags,
 * QoS 3), which a real client library refuses to produce.
 */

export const PACKET = {
  connect: 1,
  connack: 2,
  publish: 3,
  puback: 4,
  subscribe: 8,
  suback: 9,
  unsubscribe: 10,
  unsuback: 11,
  pingreq: 12,
  pingresp: 13,
  disconnect: 14,
} as const;

/** The largest remaining length MQTT can express: 268,435,455 bytes (four length bytes). */
export const MAX_REMAINING_LENGTH = 268_435_455;

/** Text or raw bytes (raw bytes may be invalid UTF-8). */
export type Bytes = string | Uint8Array;

const toBuffer = (value: Bytes): Buffer =>
  typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);

/** The variable-length "remaining length" field (MQTT 2.2.3), 1-4 bytes. */
export function encodeRemainingLength(length: number): Buffer {
  if (!Number.isInteger(length) || length < 0 || length > MAX_REMAINING_LENGTH) {
    throw new RangeError(`remaining length must be 0-${MAX_REMAINING_LENGTH}`);
  }
  const bytes: number[] = [];
  let rest = length;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return Buffer.from(bytes);
}

/** A length-prefixed MQTT string; `length` overrides the prefix (to lie about it). */
export function mqttString(value: Bytes, length?: number): Buffer {
  const bytes = toBuffer(value);
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(length ?? bytes.length);
  return Buffer.concat([prefix, bytes]);
}

export interface PacketOptions {
  /** The low nibble of the first byte (flags). */
  readonly flags?: number;
  /** Declare this remaining length instead of the body's real length. */
  readonly declaredLength?: number;
}

/** Fixed header + body. */
export function packet(type: number, body: Uint8Array, options: PacketOptions = {}): Buffer {
  const first = ((type & 0x0f) << 4) | ((options.flags ?? 0) & 0x0f);
  return Buffer.concat([
    Buffer.from([first]),
    encodeRemainingLength(options.declaredLength ?? body.length),
    body,
  ]);
}

export interface ConnectOptions extends PacketOptions {
  readonly clientId: Bytes;
  readonly username?: Bytes;
  readonly password?: Bytes;
  readonly keepaliveSeconds?: number;
  readonly cleanSession?: boolean;
  /** `MQTT` for 3.1.1. */
  readonly protocolName?: Bytes;
  /** 4 for 3.1.1. */
  readonly protocolLevel?: number;
  /** Overrides the computed connect flags byte. */
  readonly connectFlags?: number;
}

export function connectPacket(options: ConnectOptions): Buffer {
  let flags = options.cleanSession === false ? 0 : 0x02;
  if (options.username !== undefined) flags |= 0x80;
  if (options.password !== undefined) flags |= 0x40;
  const keepalive = Buffer.alloc(2);
  keepalive.writeUInt16BE(options.keepaliveSeconds ?? 60);
  const body = Buffer.concat([
    mqttString(options.protocolName ?? 'MQTT'),
    Buffer.from([options.protocolLevel ?? 4, options.connectFlags ?? flags]),
    keepalive,
    mqttString(options.clientId),
    ...(options.username === undefined ? [] : [mqttString(options.username)]),
    ...(options.password === undefined ? [] : [mqttString(options.password)]),
  ]);
  return packet(PACKET.connect, body, options);
}

export interface PublishOptions extends PacketOptions {
  readonly topic: Bytes;
  readonly payload?: Bytes;
  /** 0-3 (3 is invalid on purpose). */
  readonly qos?: number;
  readonly packetId?: number;
  readonly retain?: boolean;
  readonly dup?: boolean;
  /** Lie about the topic's length prefix. */
  readonly topicLength?: number;
}

export function publishPacket(options: PublishOptions): Buffer {
  const qos = options.qos ?? 0;
  const flags =
    options.flags ?? (options.dup ? 0x08 : 0) | ((qos & 0x03) << 1) | (options.retain ? 0x01 : 0);
  const id = Buffer.alloc(qos > 0 ? 2 : 0);
  if (qos > 0) id.writeUInt16BE(options.packetId ?? 1);
  const body = Buffer.concat([
    mqttString(options.topic, options.topicLength),
    id,
    toBuffer(options.payload ?? ''),
  ]);
  return packet(PACKET.publish, body, { ...options, flags });
}

export interface SubscribeOptions extends PacketOptions {
  readonly packetId?: number;
  readonly filters: readonly { readonly filter: Bytes; readonly qos?: number }[];
}

export function subscribePacket(options: SubscribeOptions): Buffer {
  const id = Buffer.alloc(2);
  id.writeUInt16BE(options.packetId ?? 1);
  const body = Buffer.concat([
    id,
    ...options.filters.flatMap(({ filter, qos }) => [mqttString(filter), Buffer.from([qos ?? 0])]),
  ]);
  // SUBSCRIBE's fixed header flags must be 0b0010 (MQTT 3.8.1).
  return packet(PACKET.subscribe, body, { flags: 0x02, ...options });
}

export function unsubscribePacket(
  options: PacketOptions & { packetId?: number; filters: readonly Bytes[] },
): Buffer {
  const id = Buffer.alloc(2);
  id.writeUInt16BE(options.packetId ?? 1);
  const body = Buffer.concat([id, ...options.filters.map((filter) => mqttString(filter))]);
  return packet(PACKET.unsubscribe, body, { flags: 0x02, ...options });
}

export const pingreqPacket = (): Buffer => packet(PACKET.pingreq, Buffer.alloc(0));
export const disconnectPacket = (): Buffer => packet(PACKET.disconnect, Buffer.alloc(0));

/** One packet read back from the broker. */
export interface ReceivedPacket {
  readonly type: number;
  readonly flags: number;
  readonly body: Buffer;
}

/**
 * Splits what a broker sends into packets. Returns the packets and the bytes left over (an
 * incomplete packet), to be prepended to the next chunk.
 */
export function readPackets(buffer: Buffer): { packets: ReceivedPacket[]; rest: Buffer } {
  const packets: ReceivedPacket[] = [];
  let offset = 0;
  for (;;) {
    if (buffer.length - offset < 2) break;
    let length = 0;
    let multiplier = 1;
    let index = offset + 1;
    let complete = false;
    for (let i = 0; i < 4 && index < buffer.length; i++, index++) {
      const byte = buffer[index] as number;
      length += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if ((byte & 0x80) === 0) {
        complete = true;
        index++;
        break;
      }
    }
    if (!complete || buffer.length - index < length) break;
    const first = buffer[offset] as number;
    packets.push({
      type: first >> 4,
      flags: first & 0x0f,
      body: buffer.subarray(index, index + length),
    });
    offset = index + length;
  }
  return { packets, rest: buffer.subarray(offset) };
}

/** The topic and payload of a PUBLISH the broker sent. */
export function parsePublish(received: ReceivedPacket): { topic: string; payload: Buffer } {
  const topicLength = received.body.readUInt16BE(0);
  const qos = (received.flags >> 1) & 0x03;
  const start = 2 + topicLength + (qos > 0 ? 2 : 0);
  return {
    topic: received.body.subarray(2, 2 + topicLength).toString('utf8'),
    payload: received.body.subarray(start),
  };
}
