import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP forwarder on loopback that plays ElastiCache's primary endpoint: clients keep one
 * address while a failover moves the primary, and connections already open stay with the old
 * node (as a client's open connection does when DNS moves) until it closes them.
 */
export interface TcpProxy {
  /** `redis://127.0.0.1:{port}` */
  readonly url: string;
  readonly port: number;
  /** New connections go to this port from now on; open ones stay where they are. */
  retarget(port: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let target = targetPort;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      open.add(socket);
      // A side that fails or ends takes the other with it, as a dead server's clients see.
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      socket.on('close', () => {
        open.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    retarget(port) {
      target = port;
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
