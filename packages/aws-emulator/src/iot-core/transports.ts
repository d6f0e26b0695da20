import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { Logger } from '../logger.js';
import { closeServer, listen, urlHost } from '../servers.js';
import { MAX_PACKET_REMAINING_LENGTH } from './limits.js';

/**
 * The broker's two ways in: MQTT over TCP, and MQTT over WebSocket at `/mqtt` (what browsers
 * and IoT Core's `wss://.../mqtt` use). Both hand a byte stream to `accept`.
 */

export interface AcceptedConnection {
  readonly stream: Duplex;
  readonly transport: 'tcp' | 'websocket';
  readonly ipAddress: string;
  /** The HTTP upgrade request of a WebSocket connection. */
  readonly upgrade?: IncomingMessage;
}

export interface TransportOptions {
  readonly host: string;
  readonly mqttPort: number;
  readonly wsPort: number;
  readonly accept: (connection: AcceptedConnection) => void;
  readonly log: Logger;
}

export interface Transports {
  readonly mqttUrl: string;
  readonly wsUrl: string;
  close(): Promise<void>;
}

export async function startTransports(options: TransportOptions): Promise<Transports> {
  const tcpServer = createTcpServer((socket) => {
    socket.setNoDelay(true);
    options.accept({ stream: socket, transport: 'tcp', ipAddress: socket.remoteAddress ?? '' });
  });
  const httpServer = createHttpServer((_request, response) => {
    response.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
    response.end('MQTT over WebSocket: connect to /mqtt\n');
  });
  const wss = new WebSocketServer({
    server: httpServer,
    path: '/mqtt',
    // One MQTT packet per WebSocket message at most; the frame guard bounds each packet.
    maxPayload: MAX_PACKET_REMAINING_LENGTH + 5,
    perMessageDeflate: false,
    handleProtocols: (protocols) =>
      ['mqtt', 'mqttv3.1'].find((protocol) => protocols.has(protocol)) ?? false,
  });
  wss.on('connection', (socket, request) => {
    options.accept({
      stream: createWebSocketStream(socket),
      transport: 'websocket',
      ipAddress: request.socket.remoteAddress ?? '',
      upgrade: request,
    });
  });
  wss.on('error', (error) => options.log.warn('websocket server error', { error }));

  const close = async () => {
    for (const socket of wss.clients) socket.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await Promise.all([closeServer(tcpServer), closeServer(httpServer)]);
  };
  try {
    const mqttPort = await listen(tcpServer, options.mqttPort, options.host);
    const wsPort = await listen(httpServer, options.wsPort, options.host);
    const host = urlHost(options.host);
    return { mqttUrl: `mqtt://${host}:${mqttPort}`, wsUrl: `ws://${host}:${wsPort}/mqtt`, close };
  } catch (error) {
    await close();
    throw error;
  }
}
