import type { PresenceSnapshot } from '@game-chat/client';
import { el, hueOf } from './dom.js';

export interface PresencePanelElements {
  /** The live count in the channel header. */
  readonly count: HTMLElement;
  /** The members list. */
  readonly list: HTMLUListElement;
}

/** `/w`, `/whisper` or `/msg` and the start of a name, nothing after it yet. */
const PARTIAL_WHISPER = /^(\/(?:w|whisper|msg))\s+(\S*)$/i;

/**
 * Who is in the shown channel: the count in the header, the members panel (players subscribed
 * to its room: the bots' observer, not the bots, which post without joining), and whisper
 * targets for the composer. It draws what the SDK knows
 * (`client.presence(channel)`); it keeps no presence logic of its own.
 */
export class PresencePanel {
  readonly #ui: PresencePanelElements;
  readonly #onWhisperTo: (member: { id: string; name: string }) => void;
  #members: readonly { id: string; name: string }[] = [];

  constructor(
    ui: PresencePanelElements,
    onWhisperTo: (member: { id: string; name: string }) => void,
  ) {
    this.#ui = ui;
    this.#onWhisperTo = onWhisperTo;
  }

  show(snapshot: PresenceSnapshot | undefined): void {
    const ui = this.#ui;
    this.#members = [...(snapshot?.members ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    if (snapshot === undefined) {
      ui.count.textContent = '';
      ui.count.title = '';
    } else {
      ui.count.textContent = `${snapshot.count} here`;
      const unnamed = snapshot.count - this.#members.length;
      ui.count.title = unnamed > 0 ? `${unnamed} not listed (a crowded channel)` : '';
    }
    ui.list.replaceChildren(
      ...this.#members.map((member) => {
        const button = el(
          'button',
          { className: 'member', attrs: { type: 'button', title: `Whisper to ${member.id}` } },
          member.name,
        );
        button.style.setProperty('--hue', String(hueOf(member.id)));
        button.addEventListener('click', () => this.#onWhisperTo(member));
        return el('li', { attrs: { 'data-id': member.id } }, button);
      }),
    );
  }

  /**
   * Completes the name of a whisper being typed (`/w ka` → `/w Kai `): the first member whose id
   * or display name starts with it, ignoring case; undefined when there is nothing to complete.
   */
  complete(input: string): string | undefined {
    const match = PARTIAL_WHISPER.exec(input);
    if (!match) return undefined;
    const [, command, start = ''] = match;
    const wanted = start.toLocaleLowerCase();
    const member = this.#members.find(
      (candidate) =>
        candidate.id.toLocaleLowerCase().startsWith(wanted) ||
        candidate.name.toLocaleLowerCase().startsWith(wanted),
    );
    return member && `${command} ${member.id} `;
  }

  /**
   * The player id a whisper target means: a member whose id or display name matches it, ignoring
   * case (`/w alice` for the member `Alice`), or the target as typed.
   */
  resolve(target: string): string {
    const wanted = target.toLocaleLowerCase();
    const exact = this.#members.find((member) => member.id === target);
    const loose = this.#members.find(
      (member) =>
        member.id.toLocaleLowerCase() === wanted || member.name.toLocaleLowerCase() === wanted,
    );
    return (exact ?? loose)?.id ?? target;
  }
}
