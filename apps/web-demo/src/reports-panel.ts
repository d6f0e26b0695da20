import type { ChatClient, ChatMessage, Report, ResolutionAction } from '@game-chat/client';
import { actionButton, type Tone } from './chat-log.js';
import { el } from './dom.js';

const DEFAULT_MUTE_SECONDS = 600;

export interface ReportsPanelOptions {
  /** The panel: a `<details>` shown to moderators only. */
  readonly root: HTMLDetailsElement;
  readonly list: HTMLOListElement;
  readonly refresh: HTMLButtonElement;
  readonly client: ChatClient;
  readonly notify: (text: string, tone: Tone) => void;
}

/**
 * The moderators' report queue: open reports oldest first, each with the evidence the server
 * copied when it was made, and the three resolutions (dismiss, delete the message, mute its
 * sender).
 */
export class ReportsPanel {
  readonly #options: ReportsPanelOptions;

  constructor(options: ReportsPanelOptions) {
    this.#options = options;
    options.root.hidden = false;
    options.refresh.addEventListener('click', () => void this.refresh());
  }

  async refresh(): Promise<void> {
    const { client, list, notify } = this.#options;
    try {
      const page = await client.reports({ status: 'open', limit: 50 });
      list.replaceChildren(
        ...(page.reports.length === 0
          ? [el('li', { className: 'hint' }, 'No open reports.')]
          : page.reports.map((report) => this.#item(report))),
      );
    } catch (error) {
      notify(`Could not load reports: ${error instanceof Error ? error.message : error}`, 'error');
    }
  }

  #item(report: Report): HTMLLIElement {
    const { message, before, after } = report.evidence;
    const mute = el('input', {
      attrs: {
        type: 'number',
        min: '1',
        step: '1',
        value: String(DEFAULT_MUTE_SECONDS),
        'aria-label': `Mute ${message.from.name} for (seconds)`,
      },
    });
    const resolve = (action: ResolutionAction) => () =>
      void this.#resolve(report, action, action === 'mute' ? Number(mute.value) : undefined);
    return el(
      'li',
      { className: 'report', attrs: { 'data-report-id': report.reportId } },
      el(
        'p',
        { className: 'report__head' },
        `${report.reason} · ${message.from.name} in #${report.channel}, reported by ${report.reporter}`,
      ),
      report.note !== undefined && el('p', { className: 'report__note' }, `“${report.note}”`),
      el(
        'ol',
        { className: 'report__evidence', attrs: { 'aria-label': 'Evidence' } },
        ...before.map((m) => evidenceRow(m, false)),
        evidenceRow(message, true),
        ...after.map((m) => evidenceRow(m, false)),
      ),
      el(
        'div',
        { className: 'row' },
        actionButton('Dismiss', 'Dismiss report', resolve('dismiss')),
        actionButton('Delete', 'Delete reported message', resolve('delete')),
        mute,
        actionButton('Mute', 'Mute reported player', resolve('mute')),
      ),
    );
  }

  async #resolve(report: Report, action: ResolutionAction, seconds?: number): Promise<void> {
    const { client, notify } = this.#options;
    try {
      const result = await client.resolveReport(
        report.reportId,
        action,
        seconds === undefined ? {} : { seconds },
      );
      const done =
        action === 'dismiss'
          ? 'dismissed'
          : action === 'delete'
            ? result.removed
              ? 'message deleted'
              : 'message already gone from history'
            : `${report.evidence.message.from.name} muted`;
      notify(`Report on ${report.evidence.message.from.name}: ${done}.`, 'info');
    } catch (error) {
      notify(
        `Could not resolve the report: ${error instanceof Error ? error.message : error}`,
        'error',
      );
    }
    await this.refresh();
  }
}

function evidenceRow(message: ChatMessage, reported: boolean): HTMLLIElement {
  return el(
    'li',
    { className: reported ? 'evidence evidence--reported' : 'evidence' },
    el('span', { className: 'evidence__from' }, message.from.name),
    el('span', { className: 'evidence__text' }, message.text),
  );
}
