import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One `Publish` call the recorder accepted. */
export interface RecordedPublish {
  readonly topic: string;
  readonly qos: number;
  readonly retain: boolean;
  readonly payload: Buffer;
  /** The payload parsed as JSON. */
  json<T = unknown>(): T;
}

export interface DataPlaneRecorder {
  /** `http://127.0.0.1:{port}`: what `IOT_DATA_ENDPOINT` points at. */
  readonly endpoint: string;
  /** Every accepted publish, oldest first. */
  readonly published: readonly RecordedPublish[];
  /**
   * Resolves with the first publish (already recorded or still to come) that matches;
   * rejects after `timeoutMs` without one.
   */
  waitFor(
    predicate: (publish: RecordedPublish) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedPublish>;
  /**
   * Makes the next `count` publishes fail with this status and `x-amzn-errortype`; with
   * `matches`, only publishes to the topics it accepts (the others go through).
   */
  failNext(
    count: number,
    status?: number,
    errorType?: string,
    matches?: (topic: string) => boolean,
  ): void;
  clear(): void;
  stop(): Promise<void>;
}

/** AWS IoT limits a topic name to 256 bytes and 7 slashes (aws-fidelity.md §5). */
const MAX_TOPIC_BYTES = 256;
const MAX_TOPIC_SLASHES = 7;
const TOPIC_PATH = '/topics/';

function sendError(response: ServerResponse, status: number, type: string, message: string) {
  response.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-errortype': type,
  });
  response.end(JSON.stringify({ message }));
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });
}

/** Why a topic would be refused by IoT Core's Publish API, or undefined when it is fine. */
function topicProblem(topic: string): string | undefined {
  if (topic.length === 0) return 'topic is empty';
  if (Buffer.byteLength(topic) > MAX_TOPIC_BYTES) return 'topic is longer than 256 bytes';
  if (topic.split('/').length - 1 > MAX_TOPIC_SLASHES) return 'topic has more than 7 slashes';
  if (/[+#]/.test(topic)) return 'topic must not contain wildcards';
  return undefined;
}

/**
 * A real HTTP server answering like the IoT Data Plane `Publish` API
 * (`POST /topics/{topic}?qos=&retain=`, raw body, 200 `{}`), recording what it receives.
 */
export async function startDataPlaneRecorder(): Promise<DataPlaneRecorder> {
  const published: RecordedPublish[] = [];
  const waiters = new Set<(publish: RecordedPublish) => void>();
  let failures:
    | { remaining: number; status: number; errorType: string; matches: (topic: string) => boolean }
    | undefined;

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://recorder');
    if (!url.pathname.startsWith(TOPIC_PATH)) {
      sendError(response, 404, 'ResourceNotFoundException', `no route for ${url.pathname}`);
      return;
    }
    if (request.method !== 'POST') {
      sendError(response, 405, 'MethodNotAllowedException', `${request.method} is not allowed`);
      return;
    }
    const payload = await readBody(request);
    let topic: string;
    try {
      topic = decodeURIComponent(url.pathname.slice(TOPIC_PATH.length));
    } catch {
      sendError(response, 400, 'InvalidRequestException', 'topic is not URL-encoded properly');
      return;
    }
    const qos = Number(url.searchParams.get('qos') ?? '0');
    const problem =
      topicProblem(topic) ?? (qos === 0 || qos === 1 ? undefined : 'qos must be 0 or 1');
    if (problem !== undefined) {
      sendError(response, 400, 'InvalidRequestException', problem);
      return;
    }
    if (failures !== undefined && failures.remaining > 0 && failures.matches(topic)) {
      failures.remaining--;
      sendError(response, failures.status, failures.errorType, 'injected failure');
      return;
    }
    const record: RecordedPublish = {
      topic,
      qos,
      retain: url.searchParams.get('retain') === 'true',
      payload,
      json: <T>() => JSON.parse(payload.toString('utf8')) as T,
    };
    published.push(record);
    for (const waiter of waiters) waiter(record);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    published,
    waitFor(predicate, timeoutMs = 2000) {
      const seen = published.find(predicate);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = (publish: RecordedPublish) => {
          if (!predicate(publish)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(publish);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching publish within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    failNext(count, status = 500, errorType = 'InternalFailureException', matches = () => true) {
      failures = { remaining: count, status, errorType, matches };
    },
    clear() {
      published.length = 0;
      failures = undefined;
    },
    stop() {
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
