import type { ChatMessage, ReportReason } from '@game-chat/client';
import { MAX_REPORT_NOTE_LENGTH } from '@game-chat/protocol/limits';
import { REPORT_REASONS } from '@game-chat/protocol/safety';
import { el } from './dom.js';

export interface ReportChoice {
  readonly reason: ReportReason;
  readonly note: string | undefined;
}

const REASON_LABELS: Record<ReportReason, string> = {
  harassment: 'Harassment',
  spam: 'Spam',
  cheating: 'Cheating',
  hate: 'Hate speech',
  other: 'Something else',
};

/**
 * Asks why a message is reported, in a modal `<dialog>`; resolves with the choice, or
 * undefined when cancelled. The server copies the message and its context when it is sent.
 */
export function askReport(message: ChatMessage): Promise<ReportChoice | undefined> {
  const reason = el(
    'select',
    { attrs: { name: 'reason', 'aria-label': 'Reason' } },
    ...REPORT_REASONS.map((value) => el('option', { attrs: { value } }, REASON_LABELS[value])),
  );
  const note = el('textarea', {
    attrs: {
      name: 'note',
      rows: '3',
      maxlength: String(MAX_REPORT_NOTE_LENGTH),
      'aria-label': 'Note',
    },
  });
  const form = el(
    'form',
    { className: 'stack', attrs: { method: 'dialog' } },
    el('h3', {}, `Report ${message.from.name}`),
    el('blockquote', { className: 'report-dialog__quote' }, message.text),
    el('label', { className: 'field' }, el('span', {}, 'Reason'), reason),
    el('label', { className: 'field' }, el('span', {}, 'Note (optional)'), note),
    el(
      'p',
      { className: 'hint' },
      'Moderators see this message and the ones around it, even after chat history has moved on.',
    ),
    el(
      'div',
      { className: 'row' },
      el(
        'button',
        { className: 'primary', attrs: { type: 'submit', value: 'report' } },
        'Send report',
      ),
      el('button', { className: 'ghost', attrs: { type: 'submit', value: 'cancel' } }, 'Cancel'),
    ),
  );
  const dialog = el('dialog', { className: 'card report-dialog' }, form);
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (dialog.returnValue !== 'report') {
        resolve(undefined);
        return;
      }
      const text = note.value.trim();
      resolve({ reason: reason.value as ReportReason, note: text === '' ? undefined : text });
    });
    dialog.showModal();
  });
}
