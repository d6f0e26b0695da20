/**
 * Child process of `startStackProcess`: runs a local stack on free ports and answers the
 * parent's questions over IPC, so the bots and the stack do not share one event loop.
 */
import { createLocalStack } from '@game-chat/aws-emulator';
import type { ChildReply, ParentRequest } from './stack-process.js';

const send = (message: ChildReply) => process.send?.(message);

try {
  const settings = JSON.parse(process.env.LOADGEN_STACK_SETTINGS ?? '{}') as Record<string, string>;
  const stack = await createLocalStack({ settings, log: 'silent' });
  const stop = async () => {
    await stack.stop();
    process.exit(0);
  };
  process.on('message', (request: ParentRequest) => {
    if (request.type === 'sample') {
      (globalThis as { gc?: () => void }).gc?.();
      const cpu = process.cpuUsage();
      const memory = process.memoryUsage();
      send({
        type: 'sample',
        id: request.id,
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        cpuMicros: cpu.user + cpu.system,
        stats: stack.stats(),
      });
    } else if (request.type === 'stop') {
      void stop();
    }
  });
  // The parent went away without asking: do not outlive it.
  process.on('disconnect', () => void stop());
  send({
    type: 'ready',
    urls: stack.urls,
    authorizerName: stack.authorizerName,
    tokenKeyName: stack.tokenKeyName,
    topicPrefix: stack.topicPrefix,
    redisUrl: stack.redisUrl,
  });
} catch (error) {
  send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
  process.disconnect?.();
}
