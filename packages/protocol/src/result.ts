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
