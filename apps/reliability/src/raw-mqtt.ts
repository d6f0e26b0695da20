import { connect as connectTcp, type Socket } from 'node:net';
import {
  type ConnectOptions,
  connectPacket,
  PACKET,
  type ReceivedPacket,
  readPackets,
} from '@game-chat/testing/mqtt-packets';

/**
 * A bare TCP connection to an MQTT broker that writes whatever bytes it is given and reads the
 * broker's packets back: for malformed input, idle connections and consumers that stop reading.
 */
export interface RawConnection {
  readonly socket: Socket;
  /** Every packet the broker sent so far. */
  readonly received: readonly ReceivedPacket[];
  /** Resolves when the connection is closed, by either side. */
  readonly closed: Promise<void>;
  isClosed(): boolean;
  /** Writes bytes; ignored once the connection is closed. */
  send(bytes: Uint8Array): void;
  /** The first packet of `type` received (already or later); rejects after `timeoutMs`. */
  next(type: number, timeoutMs?: number): Promise<ReceivedPacket>;
  destroy(): void;
}

export function openRawConnection(mqttUrl: string, timeoutMs = 5000): Promise<RawConnection> {
  const url = new URL(mqttUrl);
  return new Promise((resolve, reject) => {
    const socket = connectTcp(Number(url.port), url.hostname);
    const received: ReceivedPacket[] = [];
    const waiters = new Set<() => void>();
    let pending = Buffer.alloc(0);
    let isClosed = false;
    const closed = new Promise<void>((done) => {
      socket.once('close', () => {
        isClosed = true;
        for (const wake of waiters) wake();
        done();
      });
    });
    // A refused or reset connection is an expected outcome here, never an uncaught error.
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      const { packets, rest } = readPackets(Buffer.concat([pending, chunk]));
      pending = Buffer.from(rest);
      received.push(...packets);
      for (const wake of waiters) wake();
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TCP connection to ${mqttUrl} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve({
        socket,
        received,
        closed,
        isClosed: () => isClosed,
        send(bytes) {
          if (!isClosed && !socket.destroyed) socket.write(bytes);
        },
        next(type, waitMs = 5000) {
          return new Promise((found, fail) => {
            const check = () => {
              const match = received.find((packet) => packet.type === type);
              if (match) {
                finish();
                found(match);
              } else if (isClosed) {
                finish();
                fail(new Error(`connection closed before packet type ${type} arrived`));
              }
            };
            const deadline = setTimeout(() => {
              finish();
              fail(new Error(`no packet of type ${type} within ${waitMs} ms`));
            }, waitMs);
            const finish = () => {
              clearTimeout(deadline);
              waiters.delete(check);
            };
            waiters.add(check);
            check();
          });
        },
        destroy: () => socket.destroy(),
      });
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/**
 * Opens a raw connection and sends a CONNECT; resolves with the CONNACK return code (0 is
 * accepted), or `undefined` when the broker closed the connection without a CONNACK.
 */
export async function rawConnect(
  mqttUrl: string,
  options: ConnectOptions,
  timeoutMs = 5000,
): Promise<{ connection: RawConnection; returnCode: number | undefined }> {
  const connection = await openRawConnection(mqttUrl, timeoutMs);
  connection.send(connectPacket(options));
  try {
    const connack = await connection.next(PACKET.connack, timeoutMs);
    return { connection, returnCode: connack.body[1] };
  } catch (error) {
    if (connection.isClosed()) return { connection, returnCode: undefined };
    connection.destroy();
    throw error;
  }
}
