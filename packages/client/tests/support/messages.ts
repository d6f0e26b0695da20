import type { ChatMessage } from '@game-chat/protocol/payloads';

/** A chat message as the server delivers it, with id `id` (`{ms}-{n}`) and its time from it. */
export function chatMessage(id: string): ChatMessage {
  return {
    v: 1,
    id,
    kind: 'chat',
    channel: 'Town137',
    from: { id: 'alice', name: 'Alice' },
    text: `message ${id}`,
    sentAt: Number(id.split('-')[0]),
  };
}
