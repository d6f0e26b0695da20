import type { ChatError } from './errors.js';

/**
 * The connection as the SDK tracks it, one of four shapes (`L` is the connection type). Only
 * `online` has a connection, only `connecting` can be hurried, and nothing leaves `closed`:
 * `ChatClient` changes it through one `#transition`, which checks `transitionProblem` and emits
 * the `connection` event.
 */
export type ConnectionStatus<L> =
  /** Not connected and not trying: before `connect()`, or after giving up (`error` says why). */
  | { readonly kind: 'offline'; readonly error?: ChatError | undefined }
  /**
   * Attempt 0 is the one `connect()` starts; attempts 1, 2, ... are automatic reconnects, each
   * after `delayMs` of backoff, which `skipDelay` cuts short.
   */
  | {
      readonly kind: 'connecting';
      readonly attempt: number;
      readonly delayMs: number;
      readonly skipDelay: () => void;
    }
  /** Subscribed and able to send, on `link`. */
  | { readonly kind: 'online'; readonly link: L }
  /** `close()` was called: for good. */
  | { readonly kind: 'closed' };

/** The state a game sees: `connecting` is the attempt `connect()` starts, `reconnecting` the rest. */
export type ConnectionState = 'connecting' | 'online' | 'offline' | 'reconnecting';

/** Why the connection state changed; every `connection` event carries one. */
export type ConnectionReason =
  /** `connect()` was called: offline → connecting. */
  | 'connect'
  /** The broker accepted the connection and the subscriptions: connecting → online. */
  | 'connected'
  /** A connection with a fresh token replaced the old one: online → online. */
  | 'token_refreshed'
  /** The attempt `connect()` started failed: connecting → offline, with `error`. */
  | 'connect_failed'
  /** The broker refused the token and `getToken` cannot give another (or gave a bad one). */
  | 'token_rejected'
  /** The connection dropped: online → offline, with `error`; a reconnect follows. */
  | 'connection_lost'
  /** The network's `offline` event (see the `networkEvents` option); a reconnect follows. */
  | 'network_offline'
  /** A token refresh left no working connection (see README); a reconnect follows. */
  | 'refresh_failed'
  /** The next automatic reconnect attempt, after its backoff delay. */
  | 'reconnect'
  /** `close()` was called. */
  | 'closed';

export interface ConnectionEvent {
  readonly state: ConnectionState;
  /** The state before this change (`online` for a token refresh, which stays online). */
  readonly previous: ConnectionState;
  readonly reason: ConnectionReason;
  /** On `reconnecting`: the attempt number, from 1. */
  readonly attempt?: number;
  /** On `reconnecting`: how long until that attempt. */
  readonly delayMs?: number;
  /** On `offline`: why, when it was not `close()`. */
  readonly error?: ChatError;
}

/** Where a status stands in the table: the public state, and `closed` apart from `offline`. */
export type ConnectionStage = ConnectionState | 'closed';

export function stageOf(status: ConnectionStatus<unknown>): ConnectionStage {
  if (status.kind !== 'connecting') return status.kind;
  return status.attempt === 0 ? 'connecting' : 'reconnecting';
}

/** The legal changes: from each stage, to each stage, the reasons that allow it. */
const TRANSITIONS: Record<
  ConnectionStage,
  Partial<Record<ConnectionStage, readonly ConnectionReason[]>>
> = {
  offline: { connecting: ['connect'], reconnecting: ['reconnect'], closed: ['closed'] },
  connecting: { online: ['connected'], offline: ['connect_failed'], closed: ['closed'] },
  reconnecting: {
    reconnecting: ['reconnect'],
    online: ['connected'],
    offline: ['token_rejected'],
    closed: ['closed'],
  },
  online: {
    online: ['token_refreshed'],
    offline: ['connection_lost', 'network_offline', 'refresh_failed'],
    closed: ['closed'],
  },
  closed: {},
};

/**
 * Why `from → to` for `reason` is not a legal change, or undefined when it is. Beyond the table:
 * reconnect attempts count 1, 2, ... without skipping, and a token refresh brings a new
 * connection.
 */
export function transitionProblem<L>(
  from: ConnectionStatus<L>,
  to: ConnectionStatus<L>,
  reason: ConnectionReason,
): string | undefined {
  const [fromStage, toStage] = [stageOf(from), stageOf(to)];
  const named = `${fromStage} → ${toStage} (${reason})`;
  if (!TRANSITIONS[fromStage][toStage]?.includes(reason)) return `${named} is not in the table`;
  if (to.kind === 'connecting' && to.attempt > 0) {
    const expected = from.kind === 'connecting' ? from.attempt + 1 : 1;
    if (to.attempt !== expected) return `${named} must be attempt ${expected}, not ${to.attempt}`;
  }
  if (from.kind === 'online' && to.kind === 'online' && from.link === to.link) {
    return `${named} needs a new connection`;
  }
  return undefined;
}

export function publicState(status: ConnectionStatus<unknown>): ConnectionState {
  const stage = stageOf(status);
  return stage === 'closed' ? 'offline' : stage;
}

/** The `connection` event for a change: old and new state, the reason and their details. */
export function connectionEvent<L>(
  from: ConnectionStatus<L>,
  to: ConnectionStatus<L>,
  reason: ConnectionReason,
): ConnectionEvent {
  const event = { state: publicState(to), previous: publicState(from), reason };
  if (to.kind === 'connecting' && to.attempt > 0) {
    return { ...event, attempt: to.attempt, delayMs: to.delayMs };
  }
  if (to.kind === 'offline' && to.error !== undefined) return { ...event, error: to.error };
  return event;
}

/** A change `transitionProblem` refuses: a bug in the SDK, never the game's doing. */
export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
  readonly code = 'illegal_transition';
}
