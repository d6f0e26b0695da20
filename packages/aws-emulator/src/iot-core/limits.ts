/**
 * AWS IoT Core quotas and protocol limits the emulator enforces (aws-fidelity §2.2, §5).
 * None of them is adjustable on AWS, so none is a setting here.
 */
export const IOT_LIMITS = {
  /** MQTT payload size: publishes over it are rejected. */
  maxPayloadBytes: 128 * 1024,
  /** Topic and topic filter length in UTF-8 bytes. */
  maxTopicBytes: 256,
  /** Forward slashes in a topic or filter (8 levels). */
  maxTopicSlashes: 7,
  maxClientIdBytes: 128,
  /** Inbound publishes per second per connection; the excess is discarded. */
  publishesPerSecond: 100,
  subscriptionsPerConnection: 50,
  filtersPerSubscribe: 8,
  /** Keep-alive below the minimum is raised to it; 0 or above the maximum becomes the maximum. */
  keepAliveMinSeconds: 30,
  keepAliveMaxSeconds: 1200,
} as const;

/** IoT raises a keep-alive under 30 s to 30 and turns 0 or one over 1200 s into 1200. */
export function clampKeepAlive(seconds: number): number {
  const { keepAliveMinSeconds, keepAliveMaxSeconds } = IOT_LIMITS;
  if (seconds === 0 || seconds > keepAliveMaxSeconds) return keepAliveMaxSeconds;
  return Math.max(seconds, keepAliveMinSeconds);
}

export interface AuthorizerLimits {
  readonly timeoutMs: number;
  readonly maxPolicyDocuments: number;
  readonly maxPolicyCharacters: number;
  /** Bounds of `disconnectAfterInSeconds` and `refreshAfterInSeconds`. */
  readonly minSeconds: number;
  readonly maxSeconds: number;
}

/** Custom authorizer limits (aws-fidelity §2.2). */
export const AUTHORIZER_LIMITS: AuthorizerLimits = {
  timeoutMs: 5000,
  maxPolicyDocuments: 10,
  maxPolicyCharacters: 2048,
  minSeconds: 300,
  maxSeconds: 86_400,
};

/** A whole MQTT packet may carry the payload plus a topic, a packet id and their lengths. */
export const MAX_PACKET_REMAINING_LENGTH =
  IOT_LIMITS.maxPayloadBytes + IOT_LIMITS.maxTopicBytes + 2 + 2;

/**
 * Output the broker queues for one client that does not read before dropping it. Not an AWS
 * quota (IoT delays a connection's excess over 512 KiB/s); it keeps one frozen client from
 * holding up everyone else's delivery: about a thousand chat messages.
 */
export const MAX_UNSENT_BYTES = 1024 * 1024;
