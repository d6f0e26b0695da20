import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Client } from 'aedes';
import type { AwsLocation } from '../aws-location.js';
import type { Logger } from '../logger.js';
import { type AuthorizerEvent, readAuthorizerResponse } from './custom-auth.js';
import type { DisconnectReason } from './lifecycle.js';
import type { AuthorizerLimits } from './limits.js';
import { compilePolicy, type IotAction, iotArn, type Policy, resourceKindOf } from './policy.js';
import { matchesTopicFilter } from './topics.js';

/** The ARN IoT checks `action` on `name` against, in the broker's account and region. */
export function resourceArn(action: IotAction, name: string, location: AwsLocation): string {
  return iotArn(resourceKindOf(action), name, location);
}

/** What the custom authorizer granted a connection. */
export interface Authorization {
  readonly principalId: string;
  readonly policy: Policy;
  /** The event the authorizer was called with; a refresh sends it again. */
  readonly event: AuthorizerEvent;
}

/** How long an authorization holds, from the authorizer's answer (aws-fidelity §2.2). */
export interface AuthorizationLifetime {
  readonly disconnectAfterSeconds: number;
  readonly refreshAfterSeconds: number;
}

/** A refusal that closes the connection, with the reason IoT would report. */
export class Refusal extends Error {
  constructor(
    readonly reason: DisconnectReason,
    message: string,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}

/** A set of topic filters that tells its connection when it changes. */
class FilterSet extends Set<string> {
  #onChange: (() => void) | undefined;

  constructor(onChange: () => void) {
    super();
    this.#onChange = onChange;
  }

  override add(filter: string): this {
    if (!this.has(filter)) {
      super.add(filter);
      this.#onChange?.();
    }
    return this;
  }

  override delete(filter: string): boolean {
    const deleted = super.delete(filter);
    if (deleted) this.#onChange?.();
    return deleted;
  }

  override clear(): void {
    super.clear();
    this.#onChange?.();
  }
}

/**
 * Receive decisions a connection keeps (one per topic it was asked about) before it starts
 * over: a subscription to `chat/+/x` could otherwise make it remember every topic it ever saw.
 */
export const RECEIVE_DECISIONS_KEPT = 256;

/** What every connection of one broker shares. */
export interface ConnectionContext {
  readonly location: AwsLocation;
  readonly authorizerLimits: AuthorizerLimits;
  readonly log: Logger;
  /** Calls the custom authorizer Lambda (and counts the call). */
  invokeAuthorizer(event: AuthorizerEvent): Promise<unknown>;
}

/** Where a connection came from, as the transport saw it. */
export interface ConnectionOrigin {
  readonly transport: 'tcp' | 'websocket';
  readonly ipAddress: string;
  /** The HTTP upgrade request of a WebSocket connection. */
  readonly upgrade: IncomingMessage | undefined;
}

/**
 * One network connection as IoT Core sees it: its authorization and the timers that end or
 * refresh it, its subscriptions, its publish-rate window, and why it ended.
 */
export class Connection {
  readonly sessionId = randomUUID();
  /** The topic filters the connection is subscribed to. */
  readonly filters: Set<string> = new FilterSet(() => this.#receiveDecisions.clear());
  /** The client id exactly as the CONNECT packet carried it. */
  rawClientId = '';
  #authorization: Authorization | undefined;
  /**
   * `mayReceive` per topic, valid for the current authorization and filters: both setters
   * clear it, so a refreshed policy or an unsubscribe takes effect on the next delivery.
   */
  readonly #receiveDecisions = new Map<string, boolean>();
  /** The lifecycle events' `versionNumber`, set when the client is ready. */
  versionNumber = 0;
  #reason: DisconnectReason | undefined;
  #clientInitiated = false;
  #publishWindow = { second: 0, count: 0 };
  readonly #timers = new Set<NodeJS.Timeout>();
  #client: Client | undefined;
  readonly #context: ConnectionContext;

  constructor(
    readonly origin: ConnectionOrigin,
    context: ConnectionContext,
  ) {
    this.#context = context;
  }

  /** The aedes client for this connection, once the transport handed it over. */
  get client(): Client {
    if (!this.#client) throw new Error(`connection ${this.sessionId} has no client yet`);
    return this.#client;
  }

  attach(client: Client): void {
    this.#client = client;
  }

  /** What the custom authorizer granted; replacing it (a refresh) drops cached decisions. */
  get authorization(): Authorization | undefined {
    return this.#authorization;
  }

  set authorization(authorization: Authorization | undefined) {
    this.#authorization = authorization;
    this.#receiveDecisions.clear();
  }

  /**
   * Whether a message on `topic` may be delivered here: the policy allows iot:Receive on it
   * ([aws-fidelity §10.3, §3]: checked on every delivery) and one of the connection's filters
   * matches it the way IoT matches ([aws-fidelity §10.3, §5]: `a/#` does not match `a`, as it
   * does in MQTT). The broker asks for every delivery, so the answer is kept per topic until the
   * authorization or the filters change.
   */
  mayReceive(topic: string): boolean {
    let decision = this.#receiveDecisions.get(topic);
    if (decision === undefined) {
      decision =
        this.allows('iot:Receive', topic) &&
        [...this.filters].some((filter) => matchesTopicFilter(filter, topic));
      if (this.#receiveDecisions.size >= RECEIVE_DECISIONS_KEPT) this.#receiveDecisions.clear();
      this.#receiveDecisions.set(topic, decision);
    }
    return decision;
  }

  /** Whether the connection's policy allows `action` on `name` (nothing before authorization). */
  allows(action: IotAction, name: string): boolean {
    return (
      this.authorization?.policy.allows(
        action,
        resourceArn(action, name, this.#context.location),
      ) ?? false
    );
  }

  /** Keeps the first cause of the connection's end; later ones do not replace it. */
  noteReason(reason: DisconnectReason): void {
    this.#reason ??= reason;
  }

  /** The client sent DISCONNECT. */
  markClientInitiated(): void {
    this.#clientInitiated = true;
  }

  disconnectReason(): DisconnectReason {
    return this.#clientInitiated
      ? 'CLIENT_INITIATED_DISCONNECT'
      : (this.#reason ?? 'CONNECTION_LOST');
  }

  /** Ends the connection for `reason`, unless an earlier cause is already known. */
  close(reason: DisconnectReason): void {
    this.noteReason(reason);
    this.client.close();
  }

  /**
   * Rate quota: IoT discards publishes over 100 per second on one connection
   * ([aws-fidelity §10.3, §5]).
   */
  takePublishSlot(nowMs: number, perSecond: number): boolean {
    const second = Math.floor(nowMs / 1000);
    if (this.#publishWindow.second !== second) this.#publishWindow = { second, count: 0 };
    this.#publishWindow.count++;
    return this.#publishWindow.count <= perSecond;
  }

  /**
   * Starts the authorization: the connection ends after `disconnectAfterSeconds`, and the
   * authorizer is asked again every `refreshAfterSeconds` ([aws-fidelity §10.4, §2.2]).
   */
  authorize(authorization: Authorization, lifetime: AuthorizationLifetime): void {
    this.authorization = authorization;
    this.#schedule(lifetime.disconnectAfterSeconds * 1000, () =>
      this.close('CUSTOMAUTH_TTL_EXPIRATION'),
    );
    this.#scheduleRefresh(lifetime.refreshAfterSeconds);
  }

  /** Stops the lifetime and refresh timers (the connection is gone). */
  clearTimers(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** After `refreshAfterInSeconds` IoT asks the authorizer again and applies the new policies. */
  #scheduleRefresh(seconds: number): void {
    this.#schedule(seconds * 1000, () => {
      this.#refresh().catch((error: unknown) => {
        this.#context.log.info('authorization refresh failed; disconnecting', {
          clientId: this.client.id,
          error,
        });
        this.close('AUTH_ERROR');
      });
    });
  }

  async #refresh(): Promise<void> {
    const authorization = this.authorization as Authorization;
    const response = await this.#context.invokeAuthorizer(authorization.event);
    const decision = readAuthorizerResponse(response, this.#context.authorizerLimits);
    if (!decision.ok || !decision.value.authenticated) {
      throw new Error(decision.ok ? 'not authenticated' : decision.message);
    }
    const policy = compilePolicy(decision.value.policies, { clientId: this.client.id });
    this.authorization = { ...authorization, policy };
    this.#scheduleRefresh(decision.value.refreshAfterSeconds);
  }

  #schedule(delayMs: number, task: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      task();
    }, delayMs);
    this.#timers.add(timer);
  }
}

/** The broker's connections: by aedes client, and the client that holds each client id. */
export class ConnectionRegistry {
  readonly #byClient = new WeakMap<Client, Connection>();
  readonly #byClientId = new Map<string, Client>();
  readonly #versionNumbers = new Map<string, number>();

  add(client: Client, connection: Connection): void {
    connection.attach(client);
    this.#byClient.set(client, connection);
  }

  find(client: Client | null | undefined): Connection | undefined {
    return client ? this.#byClient.get(client) : undefined;
  }

  /** The connection of a client aedes only reports after the transport accepted it. */
  of(client: Client): Connection {
    const connection = this.#byClient.get(client);
    if (!connection) throw new Error(`no connection for client ${client.id}`);
    return connection;
  }

  /**
   * The client now holds its client id. A second connection with the same client id closes the
   * first, which reports `DUPLICATE_CLIENTID` ([aws-fidelity §10.3, §5]); aedes closes it.
   */
  claimClientId(client: Client): void {
    const previous = this.#byClientId.get(client.id);
    if (previous && previous !== client) this.find(previous)?.noteReason('DUPLICATE_CLIENTID');
    this.#byClientId.set(client.id, client);
  }

  releaseClientId(client: Client): void {
    if (this.#byClientId.get(client.id) === client) this.#byClientId.delete(client.id);
  }

  /** The next lifecycle `versionNumber` of a client id, which grows ([aws-fidelity §4]). */
  nextVersionNumber(clientId: string): number {
    const version = (this.#versionNumbers.get(clientId) ?? 0) + 1;
    this.#versionNumbers.set(clientId, version);
    return version;
  }
}
