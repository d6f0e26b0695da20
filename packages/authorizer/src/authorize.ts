import type { TokenVerifier } from '@game-chat/auth/tokens';
import { StoreUnavailableError } from '@game-chat/chat-store/errors';
import type { ChatStore } from '@game-chat/chat-store/store';
import type { Logger } from '@game-chat/lambda-runtime/logger';
import { parseClientId } from '@game-chat/protocol/names';
import type { IoTCustomAuthorizerEvent, IoTCustomAuthorizerResult } from 'aws-lambda';
import { readCredentials } from './credentials.js';
import { buildPolicyDocuments } from './policy.js';

/** AWS bounds for `disconnectAfterInSeconds` and `refreshAfterInSeconds`. */
export const MIN_SESSION_SECONDS = 300;
export const MAX_SESSION_SECONDS = 86_400;
/**
 * IoT Core calls the authorizer again after this long (or at disconnect, if sooner): the token
 * is checked afresh and the profile's lifetime renewed without keeping the policy for a day.
 */
export const REFRESH_AFTER_SECONDS = 3600;

export interface AuthorizerDeps {
  readonly verifier: TokenVerifier;
  readonly profiles: Pick<ChatStore, 'setProfile'>;
  readonly topicPrefix: string;
  /** `arn:{partition}:iot:{region}:{account}` of the function's own account. */
  readonly iotArn: string;
  readonly log: Pick<Logger, 'info' | 'warn'>;
  readonly nowMs?: () => number;
}

function refused(): IoTCustomAuthorizerResult {
  return {
    isAuthenticated: false,
    principalId: 'unauthenticated',
    disconnectAfterInSeconds: MIN_SESSION_SECONDS,
    refreshAfterInSeconds: MIN_SESSION_SECONDS,
    policyDocuments: [],
  };
}

/**
 * `principalId` must be 1-128 alphanumerics. A player id is at most 64 ASCII characters, so
 * its hex form fits and stays one-to-one (`alice_1` → `616c6963655f31`).
 */
export function principalIdFor(playerId: string): string {
  return Buffer.from(playerId, 'utf8').toString('hex');
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/**
 * IoT custom authorizer (contract §4): token in, policy out. A refused connection answers
 * `isAuthenticated: false`; only an unexpected failure throws (IoT then drops the connection).
 */
export async function authorize(
  event: IoTCustomAuthorizerEvent,
  deps: AuthorizerDeps,
): Promise<IoTCustomAuthorizerResult> {
  // IoT always sends an object; anything else (a test invoke, a wiring mistake) is refused too.
  const isObject = typeof event === 'object' && event !== null;
  const connectionId = isObject ? event.connectionMetadata?.id : undefined;
  const refuse = (reason: string) => {
    deps.log.info('connection refused', { connectionId, reason });
    return refused();
  };
  if (!isObject) return refuse('the event is not an object');

  const credentials = readCredentials(event);
  if (!credentials.ok) return refuse(credentials.message);
  const verified = await deps.verifier.verify(credentials.token);
  if (!verified.ok) return refuse(verified.message);
  const { claims } = verified;

  const clientId = parseClientId(credentials.clientId);
  if (!clientId.ok) return refuse(clientId.message);
  if (clientId.value.playerId !== claims.sub) {
    return refuse('the client id must be the token subject, optionally followed by .suffix');
  }

  const policy = buildPolicyDocuments({
    iotArn: deps.iotArn,
    topicPrefix: deps.topicPrefix,
    playerId: claims.sub,
    channels: claims.channels,
  });
  if (!policy.ok) return refuse(policy.message);

  const nowSeconds = Math.floor((deps.nowMs?.() ?? Date.now()) / 1000);
  // AWS will not end a connection sooner than 5 minutes, so a token that expires sooner still
  // gets 5 minutes: the connection outlives it by at most that much.
  const disconnectAfterInSeconds = clamp(
    claims.exp - nowSeconds,
    MIN_SESSION_SECONDS,
    MAX_SESSION_SECONDS,
  );
  const refreshAfterInSeconds = Math.min(REFRESH_AFTER_SECONDS, disconnectAfterInSeconds);

  // The profile lives as long as the connection can, so the filter finds it for every message.
  const profile = { name: claims.name ?? claims.sub, role: claims.role };
  try {
    await deps.profiles.setProfile(claims.sub, profile, disconnectAfterInSeconds);
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    // Refusing every login while Redis is down would hurt more than a missing display name:
    // the filter then shows the player id instead.
    deps.log.warn('profile not recorded: store unavailable', {
      connectionId,
      playerId: claims.sub,
    });
  }

  deps.log.info('connection authorized', {
    connectionId,
    playerId: claims.sub,
    role: claims.role,
    source: credentials.source,
  });
  return {
    isAuthenticated: true,
    principalId: principalIdFor(claims.sub),
    disconnectAfterInSeconds,
    refreshAfterInSeconds,
    policyDocuments: policy.documents,
  };
}
