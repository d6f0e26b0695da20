import { isMessageId } from '@game-chat/protocol/payloads';
import { StoreInputError } from './errors.js';

/**
 * The checks every part of the store makes before a value reaches Redis: a bad value throws a
 * StoreInputError that names it, and nothing is sent.
 */

const INGEST_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function positiveInteger(
  value: number,
  what: string,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new StoreInputError(`${what} must be a whole number 1-${max}`);
  }
  return value;
}

export function checked<T>(result: { ok: true; value: T } | { ok: false; message: string }): T {
  if (!result.ok) throw new StoreInputError(result.message);
  return result.value;
}

export function messageId(id: unknown): string {
  if (!isMessageId(id)) throw new StoreInputError('message id must look like 1764081600123-0');
  return id;
}

/** An epoch-ms time from the caller; absent means Redis's own now. */
export function optionalTime(value: number | undefined, what: string): string {
  if (value === undefined) return '';
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new StoreInputError(`${what} must be epoch milliseconds`);
  }
  return String(value);
}

export function checkRate(rate: number, what: string): number {
  if (!(rate > 0 && Number.isFinite(rate))) {
    throw new StoreInputError(`${what} must be a positive number`);
  }
  return rate;
}

export function checkIngestId(ingestId: unknown): string {
  if (typeof ingestId !== 'string' || !INGEST_ID_PATTERN.test(ingestId)) {
    throw new StoreInputError('ingestId must be 1-64 characters of A-Z, a-z, 0-9, _ or -');
  }
  return ingestId;
}
