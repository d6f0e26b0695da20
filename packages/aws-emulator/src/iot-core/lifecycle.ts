/**
 * IoT Core's lifecycle events (aws-fidelity §4): `$aws/events/presence/connected/{clientId}`,
 * `.../disconnected/{clientId}`, `$aws/events/subscriptions/subscribed/{clientId}` and
 * `.../unsubscribed/{clientId}`, with the payload fields AWS documents.
 */

/** Why a connection ended, as the `disconnected` event reports it. */
export type DisconnectReason =
  | 'AUTH_ERROR'
  | 'CLIENT_INITIATED_DISCONNECT'
  | 'CLIENT_ERROR'
  | 'CONNECTION_LOST'
  | 'DUPLICATE_CLIENTID'
  | 'FORBIDDEN_ACCESS'
  | 'MQTT_KEEP_ALIVE_TIMEOUT'
  | 'CUSTOMAUTH_TTL_EXPIRATION';

export interface Session {
  readonly clientId: string;
  readonly sessionIdentifier: string;
  readonly principalIdentifier: string;
  readonly ipAddress: string;
  /** Grows per client id; a connect and its disconnect share it. */
  readonly versionNumber: number;
}

export type LifecycleChange =
  | { readonly eventType: 'connected' }
  | { readonly eventType: 'disconnected'; readonly reason: DisconnectReason }
  | {
      readonly eventType: 'subscribed' | 'unsubscribed';
      /** The topic filters of one SUBSCRIBE (those granted) or UNSUBSCRIBE. */
      readonly topics: readonly string[];
    };

export interface LifecycleMessage {
  readonly topic: string;
  readonly payload: Buffer;
}

/** The event to publish, or undefined for a client id with `+` or `#` (IoT sends none). */
export function lifecycleMessage(
  session: Session,
  change: LifecycleChange,
  timestamp: number,
): LifecycleMessage | undefined {
  if (/[+#]/.test(session.clientId)) return undefined;
  const { clientId, sessionIdentifier, principalIdentifier, versionNumber } = session;
  const common = {
    clientId,
    timestamp,
    eventType: change.eventType,
    sessionIdentifier,
    principalIdentifier,
  };
  if ('topics' in change) {
    // Subscription events carry the filters and no versionNumber.
    return {
      topic: `$aws/events/subscriptions/${change.eventType}/${clientId}`,
      payload: Buffer.from(JSON.stringify({ ...common, topics: change.topics })),
    };
  }
  const details =
    change.eventType === 'connected'
      ? { ipAddress: session.ipAddress }
      : {
          clientInitiatedDisconnect: change.reason === 'CLIENT_INITIATED_DISCONNECT',
          disconnectReason: change.reason,
        };
  const event = { ...common, ...details, versionNumber };
  return {
    topic: `$aws/events/presence/${change.eventType}/${clientId}`,
    payload: Buffer.from(JSON.stringify(event)),
  };
}
