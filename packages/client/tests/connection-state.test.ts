import { describe, expect, it } from 'vitest';
import {
  type ConnectionReason,
  type ConnectionStatus,
  connectionEvent,
  publicState,
  transitionProblem,
} from '../src/connection-state.js';
import { ChatError } from '../src/errors.js';

type Status = ConnectionStatus<string>;

/** Every reason; a reason added to the type and not here fails to compile. */
const REASON_SET: Record<ConnectionReason, true> = {
  connect: true,
  connected: true,
  token_refreshed: true,
  connect_failed: true,
  token_rejected: true,
  connection_lost: true,
  network_offline: true,
  refresh_failed: true,
  reconnect: true,
  closed: true,
};
const REASONS = Object.keys(REASON_SET) as ConnectionReason[];

const skipDelay = () => {};
const lost = new ChatError('not_connected', 'the connection dropped');
const SAMPLES: Record<string, Status> = {
  offline: { kind: 'offline' },
  'offline with error': { kind: 'offline', error: lost },
  connecting: { kind: 'connecting', attempt: 0, delayMs: 0, skipDelay },
  'reconnecting 1': { kind: 'connecting', attempt: 1, delayMs: 250, skipDelay },
  'reconnecting 2': { kind: 'connecting', attempt: 2, delayMs: 700, skipDelay },
  'reconnecting 3': { kind: 'connecting', attempt: 3, delayMs: 1500, skipDelay },
  'online A': { kind: 'online', link: 'A' },
  'online B': { kind: 'online', link: 'B' },
  closed: { kind: 'closed' },
};

function at(name: string): Status {
  const status = SAMPLES[name];
  if (!status) throw new Error(`no sample ${name}`);
  return status;
}

/** The table in the README, spelled out over the samples: `from → to: reason`. */
function expectedLegal(): string[] {
  const legal: string[] = [];
  const add = (from: string[], to: string[], reasons: ConnectionReason[]) => {
    for (const f of from)
      for (const t of to) for (const r of reasons) legal.push(`${f} → ${t}: ${r}`);
  };
  const offline = ['offline', 'offline with error'];
  const reconnecting = ['reconnecting 1', 'reconnecting 2', 'reconnecting 3'];
  const online = ['online A', 'online B'];
  add(offline, ['connecting'], ['connect']);
  add(offline, ['reconnecting 1'], ['reconnect']);
  add(offline, ['closed'], ['closed']);
  add(['connecting'], online, ['connected']);
  add(['connecting'], offline, ['connect_failed']);
  add(['connecting'], ['closed'], ['closed']);
  add(['reconnecting 1'], ['reconnecting 2'], ['reconnect']);
  add(['reconnecting 2'], ['reconnecting 3'], ['reconnect']);
  add(reconnecting, online, ['connected']);
  add(reconnecting, offline, ['token_rejected']);
  add(reconnecting, ['closed'], ['closed']);
  add(['online A'], ['online B'], ['token_refreshed']);
  add(['online B'], ['online A'], ['token_refreshed']);
  add(online, offline, ['connection_lost', 'network_offline', 'refresh_failed']);
  add(online, ['closed'], ['closed']);
  return legal.sort();
}

function allCombinations(): { name: string; from: Status; to: Status; reason: ConnectionReason }[] {
  return Object.entries(SAMPLES).flatMap(([fromName, from]) =>
    Object.entries(SAMPLES).flatMap(([toName, to]) =>
      REASONS.map((reason) => ({ name: `${fromName} → ${toName}: ${reason}`, from, to, reason })),
    ),
  );
}

describe('the connection transition table', () => {
  it('allows exactly the legal transitions', () => {
    const allowed = allCombinations()
      .filter(({ from, to, reason }) => transitionProblem(from, to, reason) === undefined)
      .map(({ name }) => name)
      .sort();
    expect(allowed).toEqual(expectedLegal());
  });

  it('refuses every other combination, saying why', () => {
    const legal = new Set(expectedLegal());
    const refused = allCombinations().filter(({ name }) => !legal.has(name));
    expect(refused.length).toBe(allCombinations().length - legal.size);
    for (const { from, to, reason } of refused) {
      expect(transitionProblem(from, to, reason)).toMatch(/→/);
    }
  });

  it('names the broken rule: not in the table, a skipped attempt, the same connection', () => {
    expect(transitionProblem(at('closed'), at('connecting'), 'connect')).toBe(
      'closed → connecting (connect) is not in the table',
    );
    expect(transitionProblem(at('offline'), at('reconnecting 2'), 'reconnect')).toBe(
      'offline → reconnecting (reconnect) must be attempt 1, not 2',
    );
    expect(transitionProblem(at('online A'), at('online A'), 'token_refreshed')).toBe(
      'online → online (token_refreshed) needs a new connection',
    );
  });
});

describe('the connection event', () => {
  it('says the old state, the new one and why, with the attempt or the error where they apply', () => {
    expect(connectionEvent(at('offline'), at('connecting'), 'connect')).toEqual({
      state: 'connecting',
      previous: 'offline',
      reason: 'connect',
    });
    expect(connectionEvent(at('reconnecting 1'), at('reconnecting 2'), 'reconnect')).toEqual({
      state: 'reconnecting',
      previous: 'reconnecting',
      reason: 'reconnect',
      attempt: 2,
      delayMs: 700,
    });
    expect(connectionEvent(at('online A'), at('offline with error'), 'connection_lost')).toEqual({
      state: 'offline',
      previous: 'online',
      reason: 'connection_lost',
      error: lost,
    });
    expect(connectionEvent(at('online A'), at('online B'), 'token_refreshed')).toEqual({
      state: 'online',
      previous: 'online',
      reason: 'token_refreshed',
    });
  });

  it('shows closed as offline to the game, with reason closed', () => {
    expect(publicState({ kind: 'closed' })).toBe('offline');
    expect(connectionEvent(at('online A'), at('closed'), 'closed')).toEqual({
      state: 'offline',
      previous: 'online',
      reason: 'closed',
    });
  });
});
