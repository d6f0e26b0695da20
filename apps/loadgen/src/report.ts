import type { LoadReport } from '@game-chat/load-kit/run';
import type { Summary } from '@game-chat/load-kit/stats';

function ms(value: number): string {
  return Number.isNaN(value) ? '-' : `${value.toFixed(1)} ms`;
}

export function formatSummary(summary: Summary): string {
  if (summary.count === 0) return 'no samples';
  return `p50 ${ms(summary.p50)}, p95 ${ms(summary.p95)}, p99 ${ms(summary.p99)}, max ${ms(summary.max)} (n=${summary.count})`;
}

function counts(record: Readonly<Record<string, number>>): string {
  const entries = Object.entries(record);
  return entries.length === 0 ? 'none' : entries.map(([code, n]) => `${code} ${n}`).join(', ');
}

/** The report as a few lines for a terminal. */
export function formatReport(report: LoadReport): string {
  const { plan, connect, sends, deliveries } = report;
  return [
    `run ${report.runId}: ${plan.players} bots in ${plan.channels} channels, ${plan.rate} msg/s for ${plan.durationSeconds} s`,
    `connected     ${connect.connected}/${plan.players} in ${(connect.wallMs / 1000).toFixed(1)} s; failed: ${counts(connect.failed)}`,
    `connect+join  ${formatSummary(connect.latencyMs)}`,
    `sent          ${sends.attempted} at ${sends.achievedRate.toFixed(1)} msg/s; confirmed ${sends.confirmed}; failed: ${counts(sends.failed)}`,
    `send confirm  ${formatSummary(sends.confirmMs)}`,
    `deliveries    ${deliveries.received}/${deliveries.expected}; lost ${deliveries.lost}; duplicated ${deliveries.duplicated}; of failed sends ${deliveries.unconfirmedReceived}`,
    `latency       ${formatSummary(report.latencyMs)}`,
    `bots' own event-loop delay p50 ${ms(report.botLoopDelayMs.p50)}, p99 ${ms(report.botLoopDelayMs.p99)}, max ${ms(report.botLoopDelayMs.max)}`,
  ].join('\n');
}
