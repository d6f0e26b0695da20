import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { EmulatorError } from '../errors.js';
import type { PublishedMessage } from '../iot-core/broker.js';
import { matchesTopicFilter } from '../iot-core/topics.js';
import type { Logger } from '../logger.js';
import { evaluateRule, parseRuleSql, RuleSqlError, type RuleStatement } from './sql.js';

/**
 * The IoT rules engine: every message published to the broker (by MQTT clients and by Data Plane
 * HTTP calls alike, so a republish loop shows up locally) is matched against every rule's FROM
 * filter, and each match runs the rule's action asynchronously, the way IoT invokes a Lambda
 * action: never awaited by the publisher, and on failure retried on Lambda's async schedule
 * (about 1 minute, then 2 minutes later), dropped once older than the maximum event age.
 */

export interface RuleFile {
  /** The rule name IoT would use: the file name with `-` turned into `_` (rule names allow no `-`). */
  readonly name: string;
  readonly path: string;
  readonly statement: RuleStatement;
}

export class RuleFileError extends EmulatorError<'rule_file_invalid'> {
  constructor(path: string, message: string) {
    super('rule_file_invalid', `${path}: ${message}`);
  }
}

/**
 * Reads `*.sql` from a directory (`infra/rules`), substituting `${topic_prefix}` exactly as
 * Terraform's `templatefile()` does, and parses each file.
 */
export async function loadRuleFiles(directory: string, topicPrefix: string): Promise<RuleFile[]> {
  const files = (await readdir(directory)).filter((file) => file.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (file) => {
      const path = join(directory, file);
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform's placeholder, not JS's.
      const sql = (await readFile(path, 'utf8')).replaceAll('${topic_prefix}', topicPrefix);
      const leftover = /\$\{[^}]*\}/.exec(sql);
      if (leftover) throw new RuleFileError(path, `unknown placeholder ${leftover[0]}`);
      try {
        const name = basename(file, '.sql').replaceAll('-', '_');
        return { name, path, statement: parseRuleSql(sql.trim()) };
      } catch (error) {
        if (error instanceof RuleSqlError) throw new RuleFileError(path, error.message);
        throw error;
      }
    }),
  );
}

export interface Rule {
  readonly name: string;
  readonly statement: RuleStatement;
  /**
   * The rule's action: for a Lambda action, an invocation of the function. It gets the event as
   * JSON text, as Lambda's event queue holds it: every attempt the same bytes.
   */
  readonly action: (payload: string) => Promise<unknown>;
}

export interface RuleStats {
  /** Messages whose topic and WHERE clause matched. */
  matched: number;
  /** Action attempts, first tries and retries. */
  invocations: number;
  succeeded: number;
  /** Attempts that failed (the handler threw or timed out). */
  failed: number;
  retried: number;
  /** Events given up after the last retry failed. */
  discarded: number;
  /** Events dropped because their next retry would come after the maximum event age. */
  expired: number;
  /** Messages the rule could not evaluate, e.g. `SELECT *` on a payload that is not JSON. */
  ruleErrors: number;
}

/**
 * Lambda's asynchronous invocation (aws-fidelity §1.3): after a function error it retries after
 * about 1 minute, then about 2 minutes; `maximumRetryAttempts` (0-2) and
 * `maximumEventAgeInSeconds` (60-21600) are the function's event-invoke config, as Terraform
 * sets them. `delayScale` multiplies the whole schedule (delays and age) for tests; 1 is AWS.
 */
export interface AsyncInvokeConfig {
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeInSeconds: number;
  readonly delayScale: number;
}

/** Lambda's waits before the first and second retry of an async event. */
export const LAMBDA_RETRY_DELAYS_MS = [60_000, 120_000] as const;

export interface RulesEngineOptions {
  readonly rules: readonly Rule[];
  readonly asyncInvoke: AsyncInvokeConfig;
  readonly log: Logger;
  /** The clock of `timestamp()`; the async schedule runs on the real one. */
  readonly now?: () => number;
}

export interface RulesEngine {
  /** Matches one published message; returns at once, actions run later. */
  handle(message: PublishedMessage): void;
  stats(): Readonly<Record<string, Readonly<RuleStats>>>;
  /** Cancels pending retries and waits (briefly) for running actions. */
  close(): Promise<void>;
}

const CLOSE_WAIT_MS = 2000;

export function createRulesEngine(options: RulesEngineOptions): RulesEngine {
  const now = options.now ?? Date.now;
  const log = options.log;
  const stats = new Map<string, RuleStats>(
    options.rules.map((rule) => [
      rule.name,
      {
        matched: 0,
        invocations: 0,
        succeeded: 0,
        failed: 0,
        retried: 0,
        discarded: 0,
        expired: 0,
        ruleErrors: 0,
      },
    ]),
  );
  const { maximumRetryAttempts, maximumEventAgeInSeconds, delayScale } = options.asyncInvoke;
  const retryDelaysMs = LAMBDA_RETRY_DELAYS_MS.slice(0, maximumRetryAttempts).map(
    (delay) => delay * delayScale,
  );
  const maximumEventAgeMs = maximumEventAgeInSeconds * 1000 * delayScale;
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let closed = false;

  const schedule = (delayMs: number, task: () => Promise<void>) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      const run = task();
      running.add(run);
      void run.finally(() => running.delete(run));
    }, delayMs);
    timers.add(timer);
  };

  // The event is kept serialised, so every attempt gets the same bytes (same ingest id and
  // timestamp), as a redelivered Lambda event does. `queuedAt` is when Lambda accepted it.
  const attempt =
    (rule: Rule, event: string, queuedAt: number, attemptNumber: number) => async () => {
      const counters = stats.get(rule.name) as RuleStats;
      counters.invocations++;
      try {
        await rule.action(event);
        counters.succeeded++;
      } catch (error) {
        counters.failed++;
        const delay = retryDelaysMs[attemptNumber - 1];
        const fields = { rule: rule.name, attempt: attemptNumber, error };
        if (delay === undefined || closed) {
          counters.discarded++;
          log.error('rule action failed; event discarded', fields);
          return;
        }
        // Lambda would find the event too old when its retry comes up: dropped (counted now).
        if (Date.now() + delay - queuedAt >= maximumEventAgeMs) {
          counters.expired++;
          log.error(
            'rule action failed; the retry would pass the maximum event age, event dropped',
            {
              ...fields,
              maximumEventAgeMs,
            },
          );
          return;
        }
        counters.retried++;
        log.warn('rule action failed; Lambda will retry', { ...fields, retryInMs: delay });
        schedule(delay, attempt(rule, event, queuedAt, attemptNumber + 1));
      }
    };

  return {
    handle(message) {
      if (closed) return;
      const input = { ...message, timestamp: now() };
      for (const rule of options.rules) {
        if (!matchesTopicFilter(rule.statement.from, message.topic)) continue;
        const counters = stats.get(rule.name) as RuleStats;
        const evaluation = evaluateRule(rule.statement, input);
        if ('error' in evaluation) {
          counters.ruleErrors++;
          log.warn('rule error; action not run', {
            rule: rule.name,
            topic: message.topic,
            error: evaluation.error,
          });
          continue;
        }
        if (!evaluation.matched) continue;
        counters.matched++;
        schedule(0, attempt(rule, JSON.stringify(evaluation.output), Date.now(), 1));
      }
    },
    stats: () => Object.fromEntries([...stats].map(([name, counters]) => [name, { ...counters }])),
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      if (timers.size > 0)
        log.warn('rules engine stopped with retries pending', { pending: timers.size });
      timers.clear();
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(running),
        new Promise((resolve) => {
          timeout = setTimeout(resolve, CLOSE_WAIT_MS);
        }),
      ]);
      clearTimeout(timeout);
    },
  };
}
