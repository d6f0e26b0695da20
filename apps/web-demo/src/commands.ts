import { validatePlayerId } from '@game-chat/protocol/names';

/** What the message box asks for. Text is checked against the text rules by the sender. */
export type ComposerInput =
  | { readonly kind: 'say'; readonly text: string }
  | { readonly kind: 'whisper'; readonly to: string; readonly text: string }
  | { readonly kind: 'invalid'; readonly message: string };

export const WHISPER_USAGE = 'Whisper with /w <player id> <message>';

const WHISPER = /^\/(?:w|whisper|msg)(?:\s+|$)/i;

/**
 * Reads the message box: `/w bob hi` (or `/whisper`, `/msg`) whispers to player `bob`,
 * `//text` says `/text`, any other `/command` is refused, everything else is said in the
 * channel.
 */
export function parseComposerInput(input: string): ComposerInput {
  const trimmed = input.trimStart();
  if (trimmed.startsWith('//')) return { kind: 'say', text: trimmed.slice(1) };
  if (!trimmed.startsWith('/')) return { kind: 'say', text: input };
  const whisper = WHISPER.exec(trimmed);
  if (!whisper) {
    const command = trimmed.split(/\s/, 1)[0];
    return { kind: 'invalid', message: `Unknown command ${command}. ${WHISPER_USAGE}.` };
  }
  const rest = trimmed.slice(whisper[0].length);
  const [, to = '', text = ''] = /^(\S*)\s*([\s\S]*)$/.exec(rest) ?? [];
  if (to === '' || text.trim() === '') return { kind: 'invalid', message: `${WHISPER_USAGE}.` };
  const player = validatePlayerId(to);
  if (!player.ok)
    return { kind: 'invalid', message: `No such player id "${to}": ${player.message}.` };
  return { kind: 'whisper', to: player.value, text };
}

/** The part of the message box that would be sent, for the length counter. */
export function messageBody(input: string): string {
  const parsed = parseComposerInput(input);
  return parsed.kind === 'invalid' ? '' : parsed.text;
}
