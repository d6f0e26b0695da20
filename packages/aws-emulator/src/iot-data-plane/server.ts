import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AwsLocation } from '../aws-location.js';
import { BodyTooLargeError, readBody } from '../http-body.js';
import type { OutgoingPublish } from '../iot-core/broker.js';
import { IOT_LIMITS } from '../iot-core/limits.js';
import { compilePolicy, iotArn, type PolicyDocument } from '../iot-core/policy.js';
import { checkTopicName, isReservedTopic } from '../iot-core/topics.js';
import type { Logger } from '../logger.js';
import { closeServer, listen, urlHost } from '../servers.js';

/**
 * The IoT Data Plane `Publish` API (aws-fidelity §6) as the AWS SDK calls it:
 * `POST /topics/{topic}?qos=&retain=` with the raw payload as body. The message goes into the
 * broker like any other publish, so subscribers get it and the rules engine sees it. Errors
 * answer `{ "message" }` with the error name in `x-amzn-errortype`, which the SDK reads.
 * Request signatures (SigV4) are not checked, but what the callers' IAM policy allows is: a
 * publish outside it is refused as AWS refuses it (403 `ForbiddenException`, "Forbidden").
 */

export interface DataPlaneOptions {
  readonly host: string;
  readonly port: number;
  readonly publish: (message: OutgoingPublish) => Promise<void>;
  /**
   * The IAM policy of the callers' role (the Lambdas'): `iot:Publish` on the topic ARNs, and
   * `iot:RetainPublish` as well for a retained message, or the publish is forbidden.
   */
  readonly callerPolicy: PolicyDocument;
  /** The account and region of the topic ARNs the policy is checked against. */
  readonly location: AwsLocation;
  readonly log: Logger;
}

/** A Data Plane outage a test injects: matching publishes fail with this answer. */
export interface DataPlaneFault {
  /** HTTP status (default 503). */
  readonly status?: number;
  /** `x-amzn-errortype` (default `ServiceUnavailableException`). */
  readonly errorType?: string;
  /** Which topics fail (default all). */
  readonly topics?: (topic: string) => boolean;
}

export interface DataPlane {
  readonly url: string;
  /** Fails matching publishes from now on; `undefined` ends the outage. */
  setFault(fault: DataPlaneFault | undefined): void;
  close(): Promise<void>;
}

class DataPlaneError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

const invalid = (message: string) => new DataPlaneError(400, 'InvalidRequestException', message);

export interface PublishRequest {
  readonly topic: string;
  readonly qos: 0 | 1;
  readonly retain: boolean;
}

/** Reads the topic and options of a Publish call; throws a DataPlaneError. */
export function parsePublishRequest(method: string, rawUrl: string): PublishRequest {
  const url = new URL(rawUrl, 'http://data-plane');
  if (!url.pathname.startsWith('/topics/')) {
    throw new DataPlaneError(404, 'ResourceNotFoundException', `no such resource: ${url.pathname}`);
  }
  if (method !== 'POST') {
    throw new DataPlaneError(405, 'MethodNotAllowedException', `${method} is not allowed`);
  }
  let topic: string;
  try {
    topic = decodeURIComponent(url.pathname.slice('/topics/'.length));
  } catch {
    throw invalid('topic is not valid percent-encoding');
  }
  const checked = checkTopicName(topic);
  if (!checked.ok) throw invalid(checked.message);
  if (isReservedTopic(topic)) {
    throw new DataPlaneError(401, 'UnauthorizedException', `${topic} is a reserved topic`);
  }
  const qos = url.searchParams.get('qos') ?? '0';
  if (qos !== '0' && qos !== '1') throw invalid('qos must be 0 or 1');
  const retain = url.searchParams.get('retain') ?? 'false';
  if (retain !== 'true' && retain !== 'false') throw invalid('retain must be true or false');
  return { topic, qos: qos === '1' ? 1 : 0, retain: retain === 'true' };
}

function reply(response: ServerResponse, status: number, body: unknown, type?: string): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    ...(type === undefined ? {} : { 'x-amzn-errortype': type }),
    // An oversized upload is not read to its end: close the connection instead.
    ...(status === 413 ? { connection: 'close' } : {}),
  });
  response.end(JSON.stringify(body));
}

export async function startDataPlane(options: DataPlaneOptions): Promise<DataPlane> {
  const log = options.log;
  // IAM has no client id; the variable it would fill never appears in a role's policy.
  const policy = compilePolicy([options.callerPolicy], { clientId: '' });
  let fault: DataPlaneFault | undefined;

  /** IAM's answer for a publish: AWS says only "Forbidden"; the local log says why. */
  function authorize({ topic, retain }: PublishRequest): void {
    const arn = iotArn('topic', topic, options.location);
    const actions = retain
      ? (['iot:Publish', 'iot:RetainPublish'] as const)
      : (['iot:Publish'] as const);
    const denied = actions.find((action) => !policy.allows(action, arn));
    if (denied === undefined) return;
    log.warn("data plane publish forbidden by the callers' IAM policy", { topic, denied });
    throw new DataPlaneError(403, 'ForbiddenException', 'Forbidden');
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const publish = parsePublishRequest(request.method ?? 'GET', request.url ?? '/');
      authorize(publish);
      const payload = await readBody(request, IOT_LIMITS.maxPayloadBytes);
      if (fault !== undefined && (fault.topics?.(publish.topic) ?? true)) {
        throw new DataPlaneError(
          fault.status ?? 503,
          fault.errorType ?? 'ServiceUnavailableException',
          'injected outage',
        );
      }
      await options.publish({ ...publish, payload });
      log.debug('data plane publish', { topic: publish.topic, bytes: payload.length });
      reply(response, 200, {});
    } catch (error) {
      if (error instanceof DataPlaneError) {
        request.resume();
        return reply(response, error.status, { message: error.message }, error.type);
      }
      if (error instanceof BodyTooLargeError) {
        const message = `payload is larger than ${error.limit} bytes`;
        return reply(response, 413, { message }, 'RequestEntityTooLargeException');
      }
      log.error('data plane publish failed', { error });
      reply(response, 500, { message: 'internal failure' }, 'InternalFailureException');
    }
  }

  const server = createServer((request, response) => void handle(request, response));
  const port = await listen(server, options.port, options.host);
  return {
    url: `http://${urlHost(options.host)}:${port}`,
    setFault(next) {
      fault = next;
    },
    close: () => closeServer(server),
  };
}
