/**
 * Child process of the fan-out benchmark's baseline: a bare aedes broker on TCP (no
 * authorization, no hooks, no frame guard), the same aedes as the local stack's IoT Core.
 * Answers `sample` with its CPU time so far.
 */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

export type AedesChildReply =
  | { type: 'ready'; port: number }
  | { type: 'sample'; cpuMicros: number };

const broker = await Aedes.createBroker();
const server = createServer((socket) => broker.handle(socket));
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.send?.({ type: 'ready', port } satisfies AedesChildReply);
});
process.on('message', (request: { type: 'sample' }) => {
  if (request.type !== 'sample') return;
  const cpu = process.cpuUsage();
  process.send?.({ type: 'sample', cpuMicros: cpu.user + cpu.system } satisfies AedesChildReply);
});
// The parent went away: do not outlive it.
process.on('disconnect', () => process.exit(0));
