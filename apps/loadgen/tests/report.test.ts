import type { LoadReport } from '@game-chat/load-kit/run';
import { summarize } from '@game-chat/load-kit/stats';
import { describe, expect, it } from 'vitest';
import { formatReport, formatSummary } from '../src/report.js';

describe('formatReport', () => {
  it('shows the counts and percentiles a reader looks for', () => {
    const report: LoadReport = {
      runId: 'abc123',
      plan: {
        players: 4,
        channels: 2,
        rate: 2,
        durationSeconds: 1,
        connectConcurrency: 2,
        drainSeconds: 1,
      },
      connect: {
        connected: 3,
        failed: { unauthorized: 1 },
        latencyMs: summarize([10, 20, 30]),
        wallMs: 1500,
      },
      sends: {
        attempted: 2,
        confirmed: 1,
        failed: { timeout: 1 },
        achievedRate: 2,
        confirmMs: summarize([5]),
      },
      deliveries: {
        expected: 2,
        received: 1,
        lost: 1,
        duplicated: 0,
        unconfirmedReceived: 1,
        losses: { messages: 1, bots: 1, examples: [{ seq: 1, sender: 'b0', receiver: 'b1' }] },
      },
      latencyMs: summarize([4, 6]),
      botLoopDelayMs: { p50: 10.1, p99: 12.5, max: 20 },
      wallMs: 3000,
    };
    const text = formatReport(report);
    expect(text).toContain('connected     3/4 in 1.5 s; failed: unauthorized 1');
    expect(text).toContain('failed: timeout 1');
    expect(text).toContain('deliveries    1/2; lost 1; duplicated 0; of failed sends 1');
    expect(text).toContain('latency       p50 4.0 ms, p95 6.0 ms, p99 6.0 ms, max 6.0 ms (n=2)');
    expect(text).toContain("bots' own event-loop delay p50 10.1 ms, p99 12.5 ms, max 20.0 ms");
    expect(formatSummary(summarize([]))).toBe('no samples');
  });
});
