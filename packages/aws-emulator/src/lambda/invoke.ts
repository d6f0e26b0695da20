import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { AwsLocation } from '../aws-location.js';
import { EmulatorError } from '../errors.js';

/** A Lambda handler as the bundles export it: async, event and context in, result out. */
export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface LambdaFunction {
  readonly name: string;
  readonly handler: LambdaHandler;
  readonly timeoutMs: number;
}

/** The function ran longer than its timeout; Lambda counts that as a function error. */
export class LambdaTimeoutError extends EmulatorError<'lambda_timeout'> {
  constructor(functionName: string, timeoutMs: number) {
    super('lambda_timeout', `${functionName} timed out after ${timeoutMs} ms`);
  }
}

function unsupported(): never {
  throw new Error('callback-style completion is not supported: return a promise');
}

function createContext(fn: LambdaFunction, location: AwsLocation, deadline: number): Context {
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${location.region}:${location.accountId}:function:${fn.name}`,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `local/[$LATEST]${requestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/**
 * Invokes a handler the way Lambda does: the event arrives as JSON text (Invoke's `Payload`, or
 * the async event queue's entry), parsed once into the handler's own object, and the result
 * goes back through JSON, so the handler can neither see nor change the caller's objects. A run
 * over the timeout fails with a LambdaTimeoutError. Unlike Lambda, a timed-out run is not
 * frozen: it finishes in the background and its result is ignored.
 */
export async function invokeLambda(
  fn: LambdaFunction,
  payload: string,
  location: AwsLocation,
): Promise<unknown> {
  const deadline = Date.now() + fn.timeoutMs;
  const event = JSON.parse(payload) as unknown;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LambdaTimeoutError(fn.name, fn.timeoutMs)), fn.timeoutMs);
  });
  try {
    const result = await Promise.race([
      fn.handler(event, createContext(fn, location, deadline)),
      timeout,
    ]);
    return result === undefined ? null : (JSON.parse(JSON.stringify(result)) as unknown);
  } finally {
    clearTimeout(timer);
  }
}
