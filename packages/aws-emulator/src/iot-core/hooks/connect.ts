import type { AedesOptions, Client, ConnectPacket } from 'aedes';
import { type Connection, resourceArn } from '../connection.js';
import {
  type AuthorizerEvent,
  buildAuthorizerEvent,
  readAuthorizerResponse,
} from '../custom-auth.js';
import { clampKeepAlive, IOT_LIMITS } from '../limits.js';
import { compilePolicy } from '../policy.js';
import type { BrokerContext } from './context.js';

/**
 * CONNECT: the keep-alive IoT allows, IoT Core's own checks for a custom authorizer with token
 * signing, the authorizer Lambda's answer and the Connect policy (aws-fidelity §2, §3, §5).
 */

/** CONNACK return codes (MQTT 3.1.1 §3.2.2.3). */
const CONNACK = { identifierRejected: 2, notAuthorized: 5 } as const;

/** Keeps the client id as sent and clamps the keep-alive, before authentication. */
export function preConnect(context: BrokerContext): NonNullable<AedesOptions['preConnect']> {
  return (client, packet, callback) => {
    const connection = context.connections.find(client);
    if (!connection) return callback(new Error('unknown connection'), false);
    connection.rawClientId = packet.clientId;
    // [aws-fidelity §10.3, §5] Under 30 s becomes 30; 0 or over 1200 s becomes 1200.
    (packet as ConnectPacket).keepalive = clampKeepAlive(packet.keepalive ?? 0);
    callback(null, true);
  };
}

export function authenticate(context: BrokerContext): NonNullable<AedesOptions['authenticate']> {
  return (client, username, password, done) => {
    const connection = context.connections.of(client);
    const refuse = (returnCode: number, message: string) => {
      context.counters.connectsRefused++;
      context.log.info('connect refused', { clientId: client.id, returnCode, reason: message });
      done(Object.assign(new Error(message), { returnCode }), false);
    };
    // [aws-fidelity §10.3, §5] Client ids are at most 128 bytes.
    if (Buffer.byteLength(client.id, 'utf8') > IOT_LIMITS.maxClientIdBytes) {
      return refuse(CONNACK.identifierRejected, 'client id is longer than 128 bytes');
    }
    const { transport, upgrade } = connection.origin;
    // [aws-fidelity §10.4, §2.3, §2.4] The authorizer's name and the token's signature are
    // checked before any Lambda call; a refusal costs no invocation.
    const event = buildAuthorizerEvent(
      {
        transport,
        clientId: connection.rawClientId,
        username,
        password,
        serverName: context.host,
        ...(upgrade ? { upgrade: { url: upgrade.url ?? '/', headers: upgrade.headers } } : {}),
        connectionId: connection.sessionId,
      },
      context.customAuth,
    );
    // [aws-fidelity §10.4, §5] Refused with CONNACK 5: AWS documents 7, no MQTT 3.1.1 code.
    if (!event.ok) return refuse(CONNACK.notAuthorized, event.message);
    authorizeConnection(context, client, connection, event.value).then(
      (refusal) =>
        refusal === undefined ? done(null, true) : refuse(CONNACK.notAuthorized, refusal),
      (error: unknown) => refuse(CONNACK.notAuthorized, `authorizer failed: ${String(error)}`),
    );
  };
}

/** Calls the authorizer; resolves to a refusal message, or undefined when accepted. */
async function authorizeConnection(
  context: BrokerContext,
  client: Client,
  connection: Connection,
  event: AuthorizerEvent,
): Promise<string | undefined> {
  const response = await context.invokeAuthorizer(event);
  // [aws-fidelity §10.4, §2.2] An answer out of bounds refuses the connection; it is not clamped.
  const decision = readAuthorizerResponse(response, context.authorizerLimits);
  if (!decision.ok) return `invalid authorizer response: ${decision.message}`;
  if (!decision.value.authenticated) return 'authorizer did not authenticate the client';
  const { principalId, policies, disconnectAfterSeconds, refreshAfterSeconds } = decision.value;
  const policy = compilePolicy(policies, { clientId: client.id });
  // [aws-fidelity §10.4, §3] Connect is checked on every CONNECT.
  if (!policy.allows('iot:Connect', resourceArn('iot:Connect', client.id, context.location))) {
    return `policy does not allow connecting as ${client.id}`;
  }
  if (client.closed) return 'connection closed during authorization';
  context.connections.claimClientId(client);
  context.counters.connectsAccepted++;
  context.log.info('client connected', {
    clientId: client.id,
    transport: connection.origin.transport,
    principalId,
  });
  connection.authorize(
    { principalId, policy, event },
    { disconnectAfterSeconds, refreshAfterSeconds },
  );
  return undefined;
}
