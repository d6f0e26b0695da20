import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly redis: string;
  /** 1-minute load average: other work on the machine skews every number. */
  readonly loadAverage: number;
}

export function describeMachine(): Machine {
  const redis = execFileSync('redis-server', ['--version'], { encoding: 'utf8' });
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    redis: /v=(\S+)/.exec(redis)?.[1] ?? redis.trim(),
    loadAverage: Number((loadavg()[0] ?? 0).toFixed(2)),
  };
}
