/**
 * Redis could not be reached or did not answer in time. Callers let it propagate: the filter
 * throws so Lambda's async retry runs, the HTTP API answers 503.
 */
export class StoreUnavailableError extends Error {
  readonly code = 'store_unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** A store method was called with a value that must never reach Redis (a bad name or id). */
export class StoreInputError extends Error {
  readonly code = 'invalid';
  constructor(message: string) {
    super(message);
    this.name = 'StoreInputError';
  }
}
