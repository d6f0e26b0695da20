import type { PresenceEvent, PresenceMember } from '@game-chat/protocol/presence';
import type { MemberList } from './api.js';

/** A joined channel's presence: a broadcast, or the snapshot a join (or reconnect) read. */
export type PresenceUpdate = Omit<PresenceEvent, 'v' | 'kind'>;

/** What the SDK knows of a joined channel's members. */
export interface PresenceSnapshot {
  readonly count: number;
  /**
   * The members known by name. Above the server's `CHAT_PRESENCE_MAX_MEMBERS` broadcasts carry
   * only the count, so in a crowded channel this lists fewer than `count`.
   */
  readonly members: readonly PresenceMember[];
}

/**
 * One joined channel's members: a snapshot from the HTTP API, then each broadcast applied. A
 * broadcast says who joined and left since the one before; it carries no sequence number, so
 * a snapshot simply replaces what came before it.
 */
export class ChannelPresence {
  #count = 0;
  readonly #members = new Map<string, string>();

  get snapshot(): PresenceSnapshot {
    return {
      count: this.#count,
      members: [...this.#members].map(([id, name]) => ({ id, name })),
    };
  }

  /** Replaces everything with a member list; returns the update that announces it. */
  reset(channel: string, list: MemberList): PresenceUpdate {
    this.#members.clear();
    for (const { id, name } of list.members) this.#members.set(id, name);
    this.#count = list.count;
    return { channel, count: list.count, joined: list.members, left: [] };
  }

  apply(event: PresenceEvent): PresenceUpdate {
    for (const { id } of event.left) this.#members.delete(id);
    for (const { id, name } of event.joined) this.#members.set(id, name);
    this.#count = event.count;
    return { channel: event.channel, count: event.count, joined: event.joined, left: event.left };
  }
}
