import { randomBytes } from 'node:crypto';
import {
  MAX_MUTE_SECONDS,
  MAX_REPORT_NOTE_LENGTH,
  REPORT_RATE_WINDOW_SECONDS,
  REPORTS_PER_WINDOW,
} from '@game-chat/protocol/limits';
import type { ChannelName, PlayerId } from '@game-chat/protocol/names';
import {
  isReportId,
  REPORT_REASONS,
  RESOLUTION_ACTIONS,
  type Report,
  type ReportEvidence,
  type ReportReason,
  type ReportStatus,
  type ReportsPage,
  type Resolution,
  type ResolutionAction,
} from '@game-chat/protocol/safety';
import { countCodePoints, hasLoneSurrogate } from '@game-chat/protocol/text';
import { asArray, type RedisReply } from './connection.js';
import { StoreInputError } from './errors.js';
import * as inputs from './inputs.js';
import { CREATE_REPORT, RESOLVE_REPORT } from './scripts.js';
import type { StoreSettings } from './settings.js';

export interface NewReport {
  readonly reporter: PlayerId;
  readonly channel: ChannelName;
  readonly reason: ReportReason;
  readonly note?: string | undefined;
  /** Copied from history when the report is made (`ChannelLog.evidence`). */
  readonly evidence: ReportEvidence;
}

export type CreateReportResult =
  | { readonly status: 'created'; readonly reportId: string; readonly createdAt: number }
  /** This reporter reported this message before: that report's id. */
  | { readonly status: 'duplicate'; readonly reportId: string }
  | { readonly status: 'rate_limited'; readonly retryAfterMs: number };

export interface NewResolution {
  readonly action: ResolutionAction;
  readonly by: PlayerId;
  readonly note?: string | undefined;
  readonly seconds?: number | undefined;
}

export type ResolveResult =
  | { readonly status: 'resolved'; readonly report: Report }
  | { readonly status: 'not_found' | 'resolved_before' };

/**
 * Player reports with their evidence. They live on their own keys, not in a channel's slot:
 * they outlive the channel's history by days. All of them share one hash tag (`{reports}`), so
 * every operation is one slot: reports are few next to messages.
 */
export interface Reports {
  createReport(report: NewReport): Promise<CreateReportResult>;
  getReport(reportId: string): Promise<Report | null>;
  /** Oldest first from after the report `after`; `next` when more may follow. */
  listReports(query: {
    readonly status: ReportStatus;
    readonly limit: number;
    readonly after?: string | undefined;
  }): Promise<ReportsPage>;
  resolveReport(reportId: string, resolution: NewResolution): Promise<ResolveResult>;
  /**
   * Deletes reports older than the retention, with their duplicate markers (done after each new
   * report and before each listing). Reports carry no TTL, so that the cache never evicts them.
   */
  pruneReports(): Promise<number>;
}

function checkReportId(reportId: unknown): string {
  if (!isReportId(reportId)) throw new StoreInputError('report id must be 16 hex digits');
  return reportId;
}

function checkNote(note: string | undefined): void {
  if (
    note !== undefined &&
    (hasLoneSurrogate(note) || countCodePoints(note) > MAX_REPORT_NOTE_LENGTH)
  ) {
    throw new StoreInputError(
      `note must be valid Unicode of at most ${MAX_REPORT_NOTE_LENGTH} characters`,
    );
  }
}

function checkOneOf(value: string, values: readonly string[], what: string): void {
  if (!values.includes(value))
    throw new StoreInputError(`${what} must be one of ${values.join(', ')}`);
}

function toReport(reportId: string, reply: readonly RedisReply[]): Report | null {
  const value: Record<string, string> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) value[String(reply[i])] = String(reply[i + 1]);
  if (value.createdAt === undefined || value.evidence === undefined) return null;
  const resolution: Resolution | undefined =
    value.status === 'resolved'
      ? {
          action: value.action as ResolutionAction,
          by: value.by ?? '',
          at: Number(value.at),
          ...(value.rnote === undefined ? {} : { note: value.rnote }),
          ...(value.seconds === undefined ? {} : { seconds: Number(value.seconds) }),
        }
      : undefined;
  return {
    reportId,
    status: value.status === 'resolved' ? 'resolved' : 'open',
    channel: value.channel ?? '',
    messageId: value.messageId ?? '',
    reporter: value.reporter ?? '',
    reason: value.reason as ReportReason,
    ...(value.note === undefined ? {} : { note: value.note }),
    createdAt: Number(value.createdAt),
    evidence: JSON.parse(value.evidence) as ReportEvidence,
    ...(resolution === undefined ? {} : { resolution }),
  };
}

export function createReports(settings: StoreSettings): Reports {
  const { client, keyPrefix, reportRetentionMs } = settings;
  const base = `${keyPrefix}:rp:{reports}`;
  const keys = {
    report: (reportId: string) => `${base}:r:${reportId}`,
    index: (status: ReportStatus) => `${base}:${status}`,
    // Channel and player ids have no ':' (contract §2): the marker names one message of one reporter.
    duplicate: (reporter: PlayerId, channel: ChannelName, messageId: string) =>
      `${base}:dup:${reporter}:${channel}:${messageId}`,
    rate: (reporter: PlayerId) => `${base}:rate:${reporter}`,
    sequence: `${base}:seq`,
  };

  async function pruneReports(): Promise<number> {
    const cutoff = String((Date.now() - reportRetentionMs) * 1000);
    const expired = await Promise.all(
      (['open', 'resolved'] as const).map(async (status) => {
        const ids = asArray(
          await client.command(['ZRANGE', keys.index(status), '-inf', `(${cutoff}`, 'BYSCORE']),
        ).map(String);
        return { status, ids };
      }),
    );
    const all = expired.flatMap(({ ids }) => ids);
    if (all.length === 0) return 0;
    const markers = await Promise.all(
      all.map((id) => client.command(['HGET', keys.report(id), 'marker'])),
    );
    await Promise.all([
      ...all.map((id, i) => {
        const marker = markers[i];
        return client.command(
          typeof marker === 'string' ? ['DEL', keys.report(id), marker] : ['DEL', keys.report(id)],
        );
      }),
      ...expired
        .filter(({ ids }) => ids.length > 0)
        .map(({ status, ids }) => client.command(['ZREM', keys.index(status), ...ids])),
    ]);
    return all.length;
  }

  async function getReport(reportId: string): Promise<Report | null> {
    const reply = asArray(await client.command(['HGETALL', keys.report(checkReportId(reportId))]));
    return toReport(reportId, reply);
  }

  /** Index entries after the cursor's, oldest first: scores are unique creation times. */
  async function indexPage(status: ReportStatus, limit: number, after: string | undefined) {
    let from = '-inf';
    if (after !== undefined) {
      const score = await client.command(['HGET', keys.report(checkReportId(after)), 'score']);
      if (typeof score !== 'string') throw new StoreInputError(`after: no report ${after}`);
      from = `(${score}`;
    }
    const page = await client.command([
      'ZRANGE',
      keys.index(status),
      from,
      '+inf',
      'BYSCORE',
      'LIMIT',
      '0',
      String(limit),
    ]);
    return asArray(page).map(String);
  }

  return {
    async createReport({ reporter, channel, reason, note, evidence }) {
      const messageId = inputs.messageId(evidence.message.id);
      checkOneOf(reason, REPORT_REASONS, 'reason');
      checkNote(note);
      const reportId = randomBytes(8).toString('hex');
      const fields = [
        'channel',
        channel,
        'messageId',
        messageId,
        'reporter',
        reporter,
        'reason',
        reason,
        'evidence',
        JSON.stringify(evidence),
      ];
      if (note !== undefined) fields.push('note', note);
      const [status, first, second] = asArray(
        await client.evalScript(
          CREATE_REPORT,
          [
            keys.report(reportId),
            keys.index('open'),
            keys.index('resolved'),
            keys.duplicate(reporter, channel, messageId),
            keys.rate(reporter),
            keys.sequence,
          ],
          [
            reportId,
            String(REPORTS_PER_WINDOW),
            String(REPORT_RATE_WINDOW_SECONDS * 1000),
            ...fields,
          ],
        ),
      );
      if (status === 'rate_limited') return { status, retryAfterMs: Number(first) };
      if (status === 'duplicate') return { status, reportId: String(first) };
      await pruneReports();
      return { status: 'created', reportId, createdAt: Number(second) };
    },

    getReport,
    pruneReports,

    async listReports({ status, limit, after }) {
      inputs.positiveInteger(limit, 'limit', 1000);
      await pruneReports();
      const ids = await indexPage(status, limit, after);
      const replies = await Promise.all(
        ids.map((id) => client.command(['HGETALL', keys.report(id)])),
      );
      const reports: Report[] = [];
      const expired: string[] = [];
      ids.forEach((id, i) => {
        const report = toReport(id, asArray(replies[i] ?? []));
        if (report) reports.push(report);
        else expired.push(id);
      });
      // Expired reports leave their index entry behind: drop them as they are met.
      if (expired.length > 0) await client.command(['ZREM', keys.index(status), ...expired]);
      const last = ids.at(-1);
      return ids.length === limit && last !== undefined ? { reports, next: last } : { reports };
    },

    async resolveReport(reportId, { action, by, note, seconds }) {
      const id = checkReportId(reportId);
      checkOneOf(action, RESOLUTION_ACTIONS, 'action');
      checkNote(note);
      if (seconds !== undefined) inputs.positiveInteger(seconds, 'seconds', MAX_MUTE_SECONDS);
      const fields = ['action', action, 'by', by];
      if (note !== undefined) fields.push('rnote', note);
      if (seconds !== undefined) fields.push('seconds', String(seconds));
      const [status] = asArray(
        await client.evalScript(
          RESOLVE_REPORT,
          [keys.report(id), keys.index('open'), keys.index('resolved')],
          [id, ...fields],
        ),
      );
      if (status !== 'resolved') {
        return { status: status === 'not_found' ? 'not_found' : 'resolved_before' };
      }
      const report = await getReport(id);
      return report ? { status, report } : { status: 'not_found' };
    },
  };
}
