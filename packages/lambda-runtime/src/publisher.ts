import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';

export interface Publisher {
  /** Publishes `message` as JSON bytes; throws PublishError when the Data Plane refuses. */
  publish(topic: string, message: unknown, qos?: 0 | 1): Promise<void>;
}

export interface PublisherOptions {
  /** `https://xxxx-ats.iot.<region>.amazonaws.com` on AWS, `http://127.0.0.1:<port>` locally. */
  readonly endpoint: string;
  readonly region?: string;
  /** Defaults to `process.env`; decides the region and whether credentials are configured. */
  readonly env?: Record<string, string | undefined>;
}

/**
 * True when trying the same publish again may succeed: no answer at all (network, timeout), a
 * server error or throttling. A 4xx such as InvalidRequestException would fail the same way again.
 */
function isTransient(cause: unknown): boolean {
  const failure = cause as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  const status = failure?.$metadata?.httpStatusCode;
  if (typeof status !== 'number') return true;
  return status >= 500 || status === 429 || failure?.name === 'ThrottlingException';
}

/** The Data Plane did not accept a publish. */
export class PublishError extends Error {
  readonly code = 'publish_failed';
  readonly topic: string;
  /** A retry may succeed (network, 5xx, throttling); false for a refused request. */
  readonly transient: boolean;
  constructor(topic: string, cause: unknown) {
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`publish to ${topic} failed: ${reason}`, { cause });
    this.name = 'PublishError';
    this.topic = topic;
    this.transient = isTransient(cause);
  }
}

/** Credential sources the SDK's default chain would find without a config file. */
const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_PROFILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
];

/**
 * A local emulator (plain http) needs no real credentials; signing with dummy ones keeps
 * the SDK from searching for a profile. On AWS the default chain (the Lambda role) is used.
 */
function localCredentials(endpoint: string, env: Record<string, string | undefined>) {
  const local = new URL(endpoint).protocol === 'http:';
  if (!local || CREDENTIAL_VARIABLES.some((name) => env[name])) return undefined;
  return { accessKeyId: 'local', secretAccessKey: 'local' };
}

const encoder = new TextEncoder();

/** Middleware of the SDK's default stack that a publish can do without. */
export const TRIMMED_MIDDLEWARE = ['loggerMiddleware', 'getUserAgentMiddleware'] as const;

/** The longest one `publish` call takes: 1 s to connect plus the request timeout. */
export const PUBLISH_TIMEOUT_MS = 3000;

/** Create one per container (at module scope): the client keeps its HTTP connections alive. */
export function createPublisher(options: PublisherOptions): Publisher {
  const env = options.env ?? process.env;
  const credentials = localCredentials(options.endpoint, env);
  const client = new IoTDataPlaneClient({
    endpoint: options.endpoint,
    region: options.region ?? env.AWS_REGION ?? 'us-east-1',
    // One attempt per call: the caller (the filter's retry budget) decides when to try again,
    // so a call's time is bounded and fits the budget's accounting.
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1000, requestTimeout: PUBLISH_TIMEOUT_MS - 1000 },
    // The SDK resolves the middleware chain once per command class instead of on every send.
    cacheMiddleware: true,
    ...(credentials === undefined ? {} : { credentials }),
  });
  // Per-request work the filter does not need (issue 17: the SDK was a third of the filter's
  // CPU): the SDK's logger (none is configured) and its user-agent header. Serialising,
  // signing (SigV4), the one attempt and the error parsing stay.
  for (const name of TRIMMED_MIDDLEWARE) client.middlewareStack.remove(name);
  return {
    async publish(topic, message, qos = 1) {
      try {
        await client.send(
          new PublishCommand({ topic, qos, payload: encoder.encode(JSON.stringify(message)) }),
        );
      } catch (error) {
        throw new PublishError(topic, error);
      }
    },
  };
}
