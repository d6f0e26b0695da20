import type { ChatMessage } from '@game-chat/client';
import { compareMessageIds, type Sender } from '@game-chat/protocol/payloads';
import { el, hueOf } from './dom.js';

export interface ChatLogOptions {
  /** The scrolling `<ol role="log">` the rows go in. */
  readonly list: HTMLOListElement;
  /** This player's id: own messages look different and have no whisper or mute button. */
  readonly playerId: string;
  /** Moderators and admins get delete and mute buttons. */
  readonly canModerate: boolean;
  readonly onWhisperTo: (player: Sender) => void;
  readonly onDelete: (message: ChatMessage) => void;
  readonly onMute: (player: Sender) => void;
  /** Every player gets Block on others' messages and Report on others' chat messages. */
  readonly onBlock: (player: Sender) => void;
  readonly onReport: (message: ChatMessage) => void;
}

export type Tone = 'info' | 'warn' | 'error';

/**
 * Rows kept in the page; older ones scroll away for good (the SDK keeps 200 per channel), apart
 * from the older pages the player scrolled back to.
 */
const MAX_ROWS = 300;
/** How close to the bottom (px) counts as "reading the latest", which keeps auto-scroll on. */
const STICKY_BOTTOM_PX = 48;
const COUNTDOWN_STEP_MS = 100;
/** Messages arriving within this long are added to the page together (about one frame). */
const RENDER_BATCH_MS = 16;

const timeFormat = new Intl.DateTimeFormat(undefined, {
  hourCycle: 'h23',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/**
 * The visible conversation of the current channel: chat, announcements and whispers in id
 * order, each id once, plus local rows (notices, markers) where they happened. Rows are built
 * with `el()`, so every text is a text node.
 */
export class ChatLog {
  readonly #options: ChatLogOptions;
  readonly #rows = new Map<string, HTMLLIElement>();
  readonly #timers = new Set<ReturnType<typeof setInterval>>();
  readonly #pending: ChatMessage[] = [];
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #maxRows = MAX_ROWS;

  constructor(options: ChatLogOptions) {
    this.#options = options;
  }

  /**
   * Adds delivered messages; ids already shown are skipped. Rows are added in batches, one
   * layout per batch rather than per message: with 200 bots chatting, per-message scrolling
   * would make this page the bottleneck it is meant to measure.
   */
  add(messages: readonly ChatMessage[]): void {
    this.#pending.push(...messages);
    this.#flushTimer ??= setTimeout(() => this.#flush(), RENDER_BATCH_MS);
  }

  /**
   * Adds a scrollback page above the rows shown (they are older), kept on top of the row limit,
   * and keeps the rows in view where they were on screen.
   */
  addOlder(messages: readonly ChatMessage[]): void {
    this.#flush();
    const { list } = this.#options;
    const fromBottom = list.scrollHeight - list.scrollTop;
    this.#maxRows += this.#insert(messages);
    list.scrollTop = list.scrollHeight - fromBottom;
  }

  /** The divider above the channel's first kept message: nothing older can be loaded. */
  startMarker(text: string): HTMLLIElement {
    this.#flush();
    const row = el('li', { className: 'marker marker--start' }, text);
    const { list } = this.#options;
    list.insertBefore(row, list.querySelector('[data-id]'));
    this.#maxRows += 1;
    return row;
  }

  /** Drops a channel message a moderator deleted; `false` when it is not shown. */
  remove(messageId: string): boolean {
    this.#flush();
    const key = `c:${messageId}`;
    const row = this.#rows.get(key);
    if (!row) return false;
    row.remove();
    this.#rows.delete(key);
    return true;
  }

  /** Drops every row of a player this player blocked (the SDK hides their new ones). */
  hidePlayer(playerId: string): void {
    this.#flush();
    for (const [key, row] of this.#rows) {
      if (row.dataset.from !== playerId) continue;
      row.remove();
      this.#rows.delete(key);
    }
  }

  /** A local line: a notice about this player's own message, or an error. */
  notice(text: string, tone: Tone = 'info'): HTMLLIElement {
    return this.#appendLocal(el('li', { className: `notice notice--${tone}` }, text));
  }

  /** A divider: connection lost, messages missed, channel joined. */
  marker(text: string, tone: Tone = 'info'): HTMLLIElement {
    return this.#appendLocal(el('li', { className: `marker marker--${tone}` }, text));
  }

  /**
   * A notice that counts down `ms` ("try again in 3.2 s") and then says `doneText`.
   * `format` gets the seconds left, to one decimal.
   */
  countdown(ms: number, format: (seconds: string) => string, doneText: string, tone: Tone) {
    const row = this.notice(format((ms / 1000).toFixed(1)), tone);
    const ends = Date.now() + ms;
    const timer = setInterval(() => {
      const left = ends - Date.now();
      if (left > 0 && row.isConnected) {
        row.textContent = format((left / 1000).toFixed(1));
        return;
      }
      clearInterval(timer);
      this.#timers.delete(timer);
      row.textContent = doneText;
      row.classList.replace(`notice--${tone}`, 'notice--info');
    }, COUNTDOWN_STEP_MS);
    this.#timers.add(timer);
    return row;
  }

  /** Empties the log, for another channel or another player. */
  clear(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#pending.length = 0;
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers.clear();
    this.#rows.clear();
    this.#maxRows = MAX_ROWS;
    this.#options.list.replaceChildren();
  }

  /** Shows the messages added so far now, rather than with the next batch. */
  flush(): void {
    this.#flush();
  }

  /** Shows the messages added so far. */
  #flush(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#pending.length === 0) return;
    const stick = this.#atBottom();
    this.#insert(this.#pending.splice(0));
    this.#trim();
    if (stick) this.#scrollToEnd();
  }

  /** Adds the rows of messages not shown yet, in id order; returns how many. */
  #insert(messages: readonly ChatMessage[]): number {
    let added = 0;
    for (const message of messages) {
      const key = keyOf(message);
      if (this.#rows.has(key) || message.kind === 'delete') continue;
      const row = this.#messageRow(message);
      this.#rows.set(key, row);
      this.#insertInOrder(row, message.id);
      added += 1;
    }
    return added;
  }

  #appendLocal(row: HTMLLIElement): HTMLLIElement {
    this.#flush(); // Messages that came before this line go above it.
    const stick = this.#atBottom();
    this.#options.list.append(row);
    this.#trim();
    if (stick) this.#scrollToEnd();
    return row;
  }

  /**
   * Before the first later message from the end, so local rows stay where they were added:
   * the usual live message is simply appended.
   */
  #insertInOrder(row: HTMLLIElement, id: string): void {
    const { list } = this.#options;
    let before: Element | null = null;
    for (let node = list.lastElementChild; node; node = node.previousElementSibling) {
      const other = (node as HTMLElement).dataset.id;
      if (other === undefined) continue;
      if (compareMessageIds(other, id) < 0) break;
      before = node;
    }
    list.insertBefore(row, before);
  }

  #trim(): void {
    const { list } = this.#options;
    while (list.childElementCount > this.#maxRows) {
      const first = list.firstElementChild as HTMLElement;
      const id = first.dataset.key;
      if (id !== undefined) this.#rows.delete(id);
      first.remove();
    }
  }

  #atBottom(): boolean {
    const { list } = this.#options;
    return list.scrollHeight - list.scrollTop - list.clientHeight < STICKY_BOTTOM_PX;
  }

  #scrollToEnd(): void {
    const { list } = this.#options;
    list.scrollTop = list.scrollHeight;
  }

  #messageRow(message: ChatMessage): HTMLLIElement {
    const own = message.from.id === this.#options.playerId;
    const classes = ['msg', `msg--${message.kind}`, own ? 'msg--own' : ''].filter(Boolean);
    const row = el(
      'li',
      {
        className: classes.join(' '),
        attrs: { 'data-id': message.id, 'data-key': keyOf(message), 'data-from': message.from.id },
      },
      el(
        'time',
        { className: 'msg__time', attrs: { datetime: new Date(message.sentAt).toISOString() } },
        timeFormat.format(message.sentAt),
      ),
      this.#sender(message, own),
      el('span', { className: 'msg__text' }, message.text),
      message.moderated &&
        el('span', { className: 'msg__tag', attrs: { title: 'Some words were masked' } }, 'masked'),
      this.#actions(message, own),
    );
    return row;
  }

  #sender(message: ChatMessage, own: boolean): HTMLElement {
    const { from } = message;
    if (message.kind === 'system') {
      return el('span', { className: 'msg__from msg__from--system' }, '★ Announcement');
    }
    if (message.kind === 'whisper') {
      const label = own ? `You → ${message.to?.id ?? '?'}` : `${from.name} → you`;
      return own ? el('span', { className: 'msg__from' }, label) : this.#playerButton(from, label);
    }
    return own
      ? el('span', { className: 'msg__from msg__from--own' }, from.name)
      : this.#playerButton(from, from.name);
  }

  #playerButton(from: Sender, label: string): HTMLButtonElement {
    const button = el(
      'button',
      {
        className: 'msg__from',
        attrs: {
          type: 'button',
          title: `${from.id}: click to whisper`,
          'aria-label': `Whisper to ${from.name}`,
        },
      },
      label,
    );
    button.style.setProperty('--hue', String(hueOf(from.id)));
    button.addEventListener('click', () => this.#options.onWhisperTo(from));
    return button;
  }

  #actions(message: ChatMessage, own: boolean): HTMLElement | undefined {
    if (message.kind === 'system' || (own && !this.#options.canModerate)) return undefined;
    const { from } = message;
    const moderate = this.#options.canModerate;
    const chat = message.kind === 'chat';
    return el(
      'span',
      { className: 'msg__actions' },
      moderate &&
        chat &&
        actionButton('Delete', `Delete message from ${from.name}`, () =>
          this.#options.onDelete(message),
        ),
      moderate &&
        !own &&
        actionButton('Mute', `Mute ${from.name}`, () => this.#options.onMute(from)),
      !own && actionButton('Block', `Block ${from.name}`, () => this.#options.onBlock(from)),
      !own &&
        chat &&
        actionButton('Report', `Report message from ${from.name}`, () =>
          this.#options.onReport(message),
        ),
    );
  }
}

/** A small action button; `label` is what it shows, `name` what a screen reader says. */
export function actionButton(label: string, name: string, onClick: () => void): HTMLButtonElement {
  const button = el(
    'button',
    { className: 'action-button', attrs: { type: 'button', 'aria-label': name } },
    label,
  );
  button.addEventListener('click', onClick);
  return button;
}

/** Whisper ids come from another sequence than channel ids; keep them apart. */
function keyOf(message: ChatMessage): string {
  return `${message.kind === 'whisper' ? 'w' : 'c'}:${message.id}`;
}
