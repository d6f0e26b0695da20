import {
  MAX_MUTE_SECONDS,
  MAX_REPORT_NOTE_LENGTH,
  REPORTS_LIMIT_DEFAULT,
  REPORTS_LIMIT_MAX,
  REPORTS_LIMIT_MIN,
  SLOW_MODE_MAX_SECONDS,
  SLOW_MODE_MIN_SECONDS,
} from './limits.js';
import type { PlayerId } from './names.js';
import { type ChatMessage, own, parseJsonObject } from './payloads.js';
import { fail, ok, type Result } from './result.js';
import { normalizeText } from './text.js';

/**
 * Player safety (issue 15): block lists, reports with an evidence snapshot, slow mode. The
 * request bodies and queries of their routes, checked here so that the API and the SDK refuse
 * the same input with the same words.
 */

export const REPORT_REASONS = ['harassment', 'spam', 'cheating', 'hate', 'other'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

export const RESOLUTION_ACTIONS = ['dismiss', 'delete', 'mute'] as const;
export type ResolutionAction = (typeof RESOLUTION_ACTIONS)[number];

export const REPORT_STATUSES = ['open', 'resolved'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** A report id: 16 lower-case hex digits, random, so ids say nothing about other reports. */
export const REPORT_ID_PATTERN = /^[0-9a-f]{16}$/;

export function isReportId(value: unknown): value is string {
  return typeof value === 'string' && REPORT_ID_PATTERN.test(value);
}

/** One entry of `GET /players/me/blocks`: who, and since when (epoch ms). */
export interface BlockEntry {
  readonly id: PlayerId;
  readonly since: number;
}

export interface BlocksResponse {
  readonly blocks: readonly BlockEntry[];
}

/** What a report copied from history when it was made: it outlives the history window. */
export interface ReportEvidence {
  readonly message: ChatMessage;
  /** Up to REPORT_CONTEXT_BEFORE messages before it, oldest first. */
  readonly before: readonly ChatMessage[];
  /** Up to REPORT_CONTEXT_AFTER messages after it, oldest first. */
  readonly after: readonly ChatMessage[];
}

export interface Resolution {
  readonly action: ResolutionAction;
  /** The moderator who resolved it. */
  readonly by: string;
  /** Epoch ms. */
  readonly at: number;
  readonly note?: string;
  /** `mute`: for how long. */
  readonly seconds?: number;
}

export interface Report {
  readonly reportId: string;
  readonly status: ReportStatus;
  readonly channel: string;
  readonly messageId: string;
  readonly reporter: string;
  readonly reason: ReportReason;
  readonly note?: string;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly evidence: ReportEvidence;
  readonly resolution?: Resolution;
}

/** `GET /reports`: oldest first; `next` is the cursor (`after=`) when more may follow. */
export interface ReportsPage {
  readonly reports: readonly Report[];
  readonly next?: string;
}

export interface ReportRequest {
  readonly reason: ReportReason;
  readonly note: string | undefined;
}

export interface ResolutionRequest {
  readonly action: ResolutionAction;
  readonly seconds: number | undefined;
  readonly note: string | undefined;
}

export interface ReportsQuery {
  readonly status: ReportStatus;
  readonly limit: number;
  readonly after: string | undefined;
}

function oneOf<T extends string>(value: unknown, values: readonly T[], what: string): Result<T> {
  if (typeof value === 'string' && (values as readonly string[]).includes(value)) {
    return ok(value as T);
  }
  return fail('invalid', `${what} must be one of ${values.join(', ')}`);
}

/** An optional note: normalised like chat text, at most MAX_REPORT_NOTE_LENGTH code points. */
function optionalNote(value: unknown): Result<string | undefined> {
  if (value === undefined) return ok(undefined);
  const note = normalizeText(value, MAX_REPORT_NOTE_LENGTH);
  if (!note.ok) return fail(note.code, `note: ${note.message}`);
  return ok(note.value.text);
}

function wholeNumber(value: unknown, min: number, max: number, what: string): Result<number> {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return fail('invalid', `${what} must be a whole number ${min}-${max}`);
  }
  return ok(value);
}

/** A report's reason and optional note, as a body carries them or an SDK call passes them. */
export function validateReportRequest(
  reasonInput: unknown,
  noteInput: unknown,
): Result<ReportRequest> {
  const reason = oneOf(reasonInput, REPORT_REASONS, 'reason');
  if (!reason.ok) return reason;
  const note = optionalNote(noteInput);
  if (!note.ok) return note;
  return ok({ reason: reason.value, note: note.value });
}

/** `POST /channels/{channel}/messages/{id}/reports` body: `{ "reason", "note"? }`. */
export function parseReportBody(raw: string | Uint8Array): Result<ReportRequest> {
  const body = parseJsonObject(raw);
  if (!body.ok) return body;
  return validateReportRequest(own(body.value, 'reason'), own(body.value, 'note'));
}

/**
 * `POST /reports/{reportId}/resolution` body: `{ "action", "seconds"?, "note"? }`; `seconds`
 * (the mute's length) goes with `mute` and only with it.
 */
export function parseResolutionBody(raw: string | Uint8Array): Result<ResolutionRequest> {
  const body = parseJsonObject(raw);
  if (!body.ok) return body;
  return validateResolutionRequest(
    own(body.value, 'action'),
    own(body.value, 'seconds'),
    own(body.value, 'note'),
  );
}

/** A resolution's action, mute length and note, as a body carries them or an SDK call passes them. */
export function validateResolutionRequest(
  actionInput: unknown,
  rawSeconds: unknown,
  noteInput: unknown,
): Result<ResolutionRequest> {
  const action = oneOf(actionInput, RESOLUTION_ACTIONS, 'action');
  if (!action.ok) return action;
  let seconds: number | undefined;
  if (action.value === 'mute') {
    const checked = wholeNumber(rawSeconds, 1, MAX_MUTE_SECONDS, 'seconds');
    if (!checked.ok) return checked;
    seconds = checked.value;
  } else if (rawSeconds !== undefined) {
    return fail('invalid', 'seconds goes with action mute only');
  }
  const note = optionalNote(noteInput);
  if (!note.ok) return note;
  return ok({ action: action.value, seconds, note: note.value });
}

/** `PUT /channels/{channel}/slow-mode` body: `{ "seconds": 1-600 }`. */
export function parseSlowModeBody(raw: string | Uint8Array): Result<{ readonly seconds: number }> {
  const body = parseJsonObject(raw);
  if (!body.ok) return body;
  const seconds = validateSlowModeSeconds(own(body.value, 'seconds'));
  if (!seconds.ok) return seconds;
  return ok({ seconds: seconds.value });
}

/** A slow-mode interval: a whole number of seconds, 1-600. */
export function validateSlowModeSeconds(value: unknown): Result<number> {
  return wholeNumber(value, SLOW_MODE_MIN_SECONDS, SLOW_MODE_MAX_SECONDS, 'seconds');
}

/** `GET /reports?status=open|resolved&limit=&after=`. */
export function parseReportsQuery(
  query: { readonly status?: unknown; readonly limit?: unknown; readonly after?: unknown } = {},
): Result<ReportsQuery> {
  const status =
    query.status === undefined
      ? ok('open' as const)
      : oneOf(query.status, REPORT_STATUSES, 'status');
  if (!status.ok) return status;
  let limit = REPORTS_LIMIT_DEFAULT;
  if (query.limit !== undefined) {
    const digits = typeof query.limit === 'string' && /^\d{1,3}$/.test(query.limit);
    const checked = wholeNumber(
      digits ? Number(query.limit) : Number.NaN,
      REPORTS_LIMIT_MIN,
      REPORTS_LIMIT_MAX,
      'limit',
    );
    if (!checked.ok) return checked;
    limit = checked.value;
  }
  if (query.after !== undefined && !isReportId(query.after)) {
    return fail('invalid', 'after must be a report id (16 hex digits)');
  }
  return ok({ status: status.value, limit, after: query.after as string | undefined });
}
