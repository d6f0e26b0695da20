import { StoreUnavailableError } from '@game-chat/chat-store/errors';
import { PublishError } from './publisher.js';

/**
 * A retry budget: a Redis or Data Plane failure that may pass (Redis restarting or failing over,
 * a Data Plane blip) is tried again inside the invocation with jittered backoff, until one
 * deadline. The message filter spends `CHAT_RETRY_BUDGET_MS` on it (Lambda's own async retry
 * comes a minute later, too late for chat); the chat-api a short one, since a moderator waits.
 */

/** Redis unreachable or refusing for now, or a publish that got no answer, a 5xx or a throttle. */
export function isTransient(error: unknown): boolean {
  return (
    error instanceof StoreUnavailableError || (error instanceof PublishError && error.transient)
  );
}

/** The budget ran out while an operation kept failing; `cause` is its last failure. */
export class RetryBudgetExhaustedError extends Error {
  readonly code = 'retry_budget_exhausted';
  constructor(
    readonly attempts: number,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`still failing after ${attempts} attempts: ${reason}`, { cause });
    this.name = 'RetryBudgetExhaustedError';
  }
}

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 1000;

/**
 * Delay before retry `attempt` (1, 2, ...): doubling from 100 ms, capped at 1 s so a recovery is
 * noticed quickly, with equal jitter so that many invocations failing together do not come back
 * in step.
 */
export function retryDelayMs(attempt: number, random: () => number): number {
  const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(attempt - 1, 16));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export interface RetryBudget {
  /**
   * Runs `operation`, again after a transient failure while the budget allows another try. Any
   * other failure is thrown as it is; a transient one past the budget as
   * RetryBudgetExhaustedError. An attempt still running at the hard deadline is given up on (left
   * to finish; every operation the filter retries is idempotent).
   */
  run<T>(operation: () => Promise<T>): Promise<T>;
  /** Milliseconds left for starting another try. */
  remainingMs(): number;
}

const DEADLINE = Symbol('deadline');
/** setTimeout fires at once for anything longer (a deadline without a Lambda timeout). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * `retryUntil`: no new try is started after it (the budget). `giveUpAt`: an attempt still running
 * then is abandoned (what the function's timeout leaves); never before `retryUntil`.
 */
export function createRetryBudget(
  retryUntil: number,
  giveUpAt: number = retryUntil,
  random: () => number = Math.random,
): RetryBudget {
  const hardDeadline = Math.max(retryUntil, giveUpAt);
  const remainingMs = () => Math.max(0, retryUntil - Date.now());

  /** The operation's result, or DEADLINE when it is still running at the hard deadline. */
  async function beforeDeadline<T>(operation: () => Promise<T>): Promise<T | typeof DEADLINE> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<typeof DEADLINE>((resolve) => {
      const left = Math.max(0, hardDeadline - Date.now());
      timer = setTimeout(() => resolve(DEADLINE), Math.min(left, MAX_TIMER_MS));
    });
    const attempt = operation();
    attempt.catch(() => {});
    try {
      return await Promise.race([attempt, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    remainingMs,
    async run(operation) {
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await beforeDeadline(operation);
          if (result === DEADLINE) {
            throw new RetryBudgetExhaustedError(attempt, 'no answer before the deadline');
          }
          return result;
        } catch (error) {
          if (error instanceof RetryBudgetExhaustedError || !isTransient(error)) throw error;
          const delay = retryDelayMs(attempt, random);
          if (delay >= remainingMs()) throw new RetryBudgetExhaustedError(attempt, error);
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    },
  };
}

/** What an invocation knows of its time: Lambda's `context.getRemainingTimeInMillis`. */
export interface InvocationLimits {
  readonly remainingTimeMs: () => number;
}

/**
 * A budget of `budgetMs` from now that never runs into the function's timeout: tries stop
 * `reserveMs` before it, so the invocation still has time to answer.
 */
export function createInvocationBudget(
  limits: InvocationLimits,
  budgetMs: number,
  reserveMs: number,
): RetryBudget {
  const started = Date.now();
  const giveUpAt = started + limits.remainingTimeMs() - reserveMs;
  return createRetryBudget(Math.min(started + budgetMs, giveUpAt), giveUpAt);
}
