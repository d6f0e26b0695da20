/**
 * One cold start, in a fresh Node process: imports a Lambda bundle (module scope runs, as in
 * Lambda's INIT phase), then invokes it once and once more. Prints one JSON line.
 * argv: bundle path; env: the function's settings and COLD_START_EVENTS (JSON, two events).
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const bootMs = performance.now();
const bundle = process.argv[2] as string;
const [firstEvent, secondEvent] = JSON.parse(process.env.COLD_START_EVENTS ?? '[]') as unknown[];

/** CPU time (user + system) since `since`, ms: steadier than wall time on a shared machine. */
const cpuMsSince = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

const importCpu = process.cpuUsage();
const importStarted = performance.now();
const module = (await import(pathToFileURL(bundle).href)) as {
  handler: (event: unknown, context: unknown) => Promise<unknown>;
};
const importMs = performance.now() - importStarted;
const importCpuMs = cpuMsSince(importCpu);

// Loaded after the measured import, so it cannot pre-warm anything the bundle needs.
const { lambdaContext } = await import('@game-chat/testing/lambda-context');
const invoke = async (event: unknown) => {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await module.handler(event, lambdaContext());
  return { ms: performance.now() - started, cpuMs: cpuMsSince(cpu), result };
};
const first = await invoke(firstEvent);
const second = await invoke(secondEvent);
console.log(
  JSON.stringify({
    bootMs,
    importMs,
    importCpuMs,
    firstInvokeMs: first.ms,
    firstInvokeCpuMs: first.cpuMs,
    secondInvokeMs: second.ms,
    firstResult: first.result,
  }),
);
process.exit(0);
