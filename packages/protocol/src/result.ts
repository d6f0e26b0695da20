import type { ValidationCode } from './errors.js';

/** Outcome of validating untrusted input: never thrown, always returned. */
export type Result<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: ValidationCode; readonly message: string };

export type Failure = Extract<Result<never>, { ok: false }>;

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail(code: ValidationCode, message: string): Failure {
  return { ok: false, code, message };
}

/** A value that must be a JSON object (not an array, not null); `what` names it in the failure. */
export function asJsonObject(value: unknown, what: string): Result<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('invalid', `${what} must be a JSON object`);
  }
  return ok(value as Record<string, unknown>);
}

/** Untrusted JSON text that must hold an object; `what` names it in the failure. */
export function jsonObjectFromText(text: string, what: string): Result<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('invalid', `${what} is not valid JSON`);
  }
  return asJsonObject(value, what);
}
