import type { Summary } from '@game-chat/load-kit/stats';
import { formatCount, formatMs, lineChartSvg } from './chart.js';
import type { ColdStartTimes } from './cold-start.js';
import type { FilterRun } from './filter.js';
import { type GuildsResult, PER_GUILDS } from './guilds.js';
import type { HistoryResult, ReadStats } from './history.js';
import { type BenchResults, checkTargets, xaddLoopFor } from './targets.js';

const ms = (value: number, digits = 2) => (Number.isNaN(value) ? '-' : value.toFixed(digits));
const int = (value: number) => Math.round(value).toLocaleString('en');
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** A markdown table with padded columns, as biome's formatter writes it. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, column) =>
    Math.max(3, cell.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${widths.map((width, column) => (cells[column] ?? '').padEnd(width)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join(
    '\n',
  );
}

const latency = (summary: Summary, digits = 2) =>
  `${ms(summary.p50, digits)} / ${ms(summary.p99, digits)}`;

function historySection(history: HistoryResult): string {
  const rows = history.points.map((point) => [
    int(point.messages),
    latency(point.project.latencyMs),
    ms(point.project.returned, 0),
    latency(point.projectFixed.latencyMs),
    latency(point.streamOnly.latencyMs),
    latency(point.original.latencyMs, 1),
    `${int(point.original.returned)} (${int(point.original.foreignPerRead)} foreign)`,
    `${point.ratio.p50.toFixed(0)}× / ${point.ratio.p99.toFixed(0)}×`,
    `${int(point.project.redisUsecPerRead)} / ${int(point.streamOnly.redisUsecPerRead)} / ${int(point.original.redisUsecPerRead)}`,
    `${point.project.roundTripsPerRead} / ${int(point.original.roundTripsPerRead)}`,
  ]);
  const town1 = history.points.map((point) => [
    int(point.messages),
    int(point.town1.returned),
    int(point.town1.foreign),
    int(point.town1.project),
  ]);
  const memory = history.points.map((point) => [
    int(point.messages),
    int(point.memory.projectStreamBytesPerMessage),
    int(point.memory.projectBytesPerRetainedMessage),
    int(point.memory.originalBytesPerMessage),
    `${int(point.memory.usedMemoryPerMessage.project)} / ${int(point.memory.usedMemoryPerMessage.original)}`,
  ]);
  return [
    '## History read',
    '',
    `${history.channels} channels, messages spread evenly; the project keeps at most ${history.historyMax} per channel. ` +
      `Both designs hold the data for ${history.ttlSeconds} s in this benchmark instead of 30 s, so nothing expires mid-run. ` +
      'Latency p50 / p99 in ms, measured by the client (node-redis, loopback).',
    '',
    table(
      [
        'messages',
        'project, limit 200',
        'returned',
        'project, limit 10',
        'bare XREVRANGE 200',
        'original SCAN+GET',
        'original returned',
        'ratio p50 / p99',
        'Redis µs per read (project / bare XREVRANGE / original)',
        'round trips (project / original)',
      ],
      rows,
    ),
    '',
    '`Town1*` in the original design also matches Town10–19 and Town100–199:',
    '',
    table(
      ['messages', 'original returned for Town1', 'of them foreign', 'project returned'],
      town1,
    ),
    '',
    'Redis memory, bytes per message (`MEMORY USAGE … SAMPLES 0`; `used_memory` growth while loading):',
    '',
    table(
      [
        'messages',
        'project stream',
        'project, all channel keys per retained message',
        'original key',
        'used_memory per written message (project / original)',
      ],
      memory,
    ),
  ].join('\n');
}

/**
 * Where a message's Redis time goes (commandstats): the script's own time holds the commands it
 * calls, which are counted under their own names too.
 */
function scriptAnatomy(run: FilterRun): string {
  const usec = run.commandUsec ?? {};
  const script = (usec.evalsha ?? 0) + (usec.eval ?? 0);
  const outside = new Set(['evalsha', 'eval', 'hdel']);
  const inside = Object.entries(usec)
    .filter(([name]) => !outside.has(name))
    .reduce((sum, [, value]) => sum + value, 0);
  return `- Concurrency ${run.concurrency}: the script ${ms(script, 1)} µs per message, of which the commands it calls ${ms(inside, 1)} µs and Lua itself ${ms(script - inside, 1)} µs; the completion's \`HDEL\` ${ms(usec.hdel ?? 0, 1)} µs.`;
}

function filterSection(results: NonNullable<BenchResults['filter']>): string {
  const row = (run: FilterRun, bundle: string) => [
    bundle,
    String(run.concurrency),
    int(run.messages),
    int(run.messagesPerSecond),
    ms(run.cpuMsPerMessage, 2),
    latency(run.latencyMs, 1),
    Object.entries(run.outcomes)
      .map(([status, count]) => `${status} ${count}`)
      .join(', '),
    String(run.scriptsPerMessage),
    ms(run.commandsPerMessage, 1),
    `${int(run.redisUsecPerMessage)} / ${int(run.redisCpuUsecPerMessage)}`,
  ];
  const rows = results.runs.flatMap((run, index) => {
    const baseline = results.baselineRuns[index];
    return baseline ? [row(run, 'now'), row(baseline, results.baselineCommit)] : [row(run, 'now')];
  });
  const { plain, pipelined, usecPerXadd, cpuUsecPerXadd } = results.xaddCeiling;
  const ratios = results.runs.map((run, index) => {
    const baseline = results.baselineRuns[index];
    const loop = xaddLoopFor(results, run.concurrency);
    const overLoop = (current: FilterRun) =>
      loop
        ? `${ms(current.redisUsecPerMessage / loop.usecPerXadd, 1)}× / ${ms(current.redisCpuUsecPerMessage / loop.cpuUsecPerXadd, 1)}×`
        : '-';
    return [
      String(run.concurrency),
      baseline ? `${ms(run.cpuMsPerMessage)} / ${ms(baseline.cpuMsPerMessage)} ms` : '-',
      baseline ? `${ms(run.cpuMsPerMessage / baseline.cpuMsPerMessage)}×` : '-',
      loop ? `${ms(loop.usecPerXadd, 1)} / ${ms(loop.cpuUsecPerXadd, 1)} µs` : '-',
      overLoop(run),
      baseline ? overLoop(baseline) : '-',
    ];
  });
  return [
    '## Message filter throughput',
    '',
    'The message-filter bundle in one Node process (one Lambda container), a real redis-server and a real HTTP Data Plane endpoint; one new player per message, spread over ' +
      `${results.channels} channels, so no rate limit applies. Each run is repeated with the bundle built at ${results.baselineCommit}, in a container of its own, right after.`,
    '',
    table(
      [
        'bundle',
        'concurrent invocations',
        'messages',
        'messages/s',
        'filter CPU ms per message',
        'invocation p50 / p99 ms',
        'outcomes',
        'scripts per message',
        'Redis commands per message (inside scripts too)',
        'Redis µs per message (commandstats / server CPU)',
      ],
      rows,
    ),
    '',
    table(
      [
        'concurrent invocations',
        'filter CPU per message, now / baseline',
        'ratio',
        'bare XADD loop, same concurrency (commandstats / server CPU per XADD)',
        'Redis per message over that XADD, now (commandstats / server CPU)',
        'the same, baseline',
      ],
      ratios,
    ),
    '',
    `Round trips per message (requests the filter sent, counted with \`MONITOR\`): **${results.roundTripsPerMessage}**.`,
    '',
    ...results.runs.map((run) => scriptAnatomy(run)),
    '',
    `Ceiling, \`redis-benchmark\` XADD on the same Redis in the same run (50 clients): ${int(plain.requestsPerSecond)} req/s (p50 ${plain.p50Ms} ms), ${ms(usecPerXadd, 1)} µs per XADD in commandstats, ${ms(cpuUsecPerXadd, 1)} µs of server CPU per XADD; pipelined 16: ${int(pipelined.requestsPerSecond)} req/s.`,
  ].join('\n');
}

function endToEndSection(results: NonNullable<BenchResults['endToEnd']>): string {
  const counts = (record: Readonly<Record<string, number>>) =>
    Object.entries(record)
      .map(([code, count]) => `${code} ${count}`)
      .join(', ') || 'none';
  const rows = results.runs.map((run) => {
    const { report } = run;
    return [
      int(report.plan.players),
      int(report.plan.channels),
      `${report.plan.rate} (${report.sends.achievedRate.toFixed(1)})`,
      `${report.connect.connected}`,
      `${report.sends.confirmed}/${report.sends.attempted} (failed: ${counts(report.sends.failed)})`,
      `${ms(report.latencyMs.p50, 1)} / ${ms(report.latencyMs.p95, 1)} / ${ms(report.latencyMs.p99, 1)}`,
      `${ms(report.botLoopDelayMs.p99, 1)}`,
      `${report.deliveries.received}/${report.deliveries.expected}`,
      String(report.deliveries.lost),
      String(report.deliveries.duplicated),
      ms(report.connect.latencyMs.p50, 0),
      `${mib(run.stackRss.idle)} → ${mib(run.stackRss.connected)}`,
      `${kib(run.heapPerPlayer)} / ${kib(run.rssPerPlayer)}`,
      ms(run.stackCpuMsPerDelivery, 2),
      ruleFailures(run.stackStats),
    ];
  });
  return [
    '## End to end (load generator through the local stack)',
    '',
    "Bots on `@game-chat/client` over MQTT/TCP QoS 1; the local stack in its own process (broker, rules engine, the Lambda bundles, Data Plane, HTTP API) with its own redis-server. Ten players per channel; each player sends a message every 10 s (one message a second per room). Latency: `send()` to each member's `message` event, in ms.",
    '',
    table(
      [
        'players',
        'channels',
        'msg/s planned (achieved)',
        'connected',
        'confirmed',
        'latency p50 / p95 / p99',
        "bots' own loop delay p99",
        'deliveries',
        'lost',
        'duplicated',
        'connect+join p50 ms',
        'stack RSS idle → connected',
        'per player: heap / RSS',
        'stack CPU ms per delivery',
        'filter invocations failed / retried',
      ],
      rows,
    ),
  ].join('\n');
}

/** The rules engine's counters: failed invocations are retried, as Lambda's async retry does. */
function ruleFailures(stats: unknown): string {
  const rules = (stats as { rules?: Record<string, { failed: number; retried: number }> }).rules;
  if (rules === undefined) return '-';
  let failed = 0;
  let retried = 0;
  for (const rule of Object.values(rules)) {
    failed += rule.failed;
    retried += rule.retried;
  }
  return `${failed} / ${retried}`;
}

function fanOutSection(result: NonNullable<BenchResults['fanOut']>): string {
  const { report } = result.stack;
  return [
    '## Fan-out in one room',
    '',
    `${result.players} players in one room of the local stack (its own process), ${result.messagesPerSecond} messages/s for ${result.durationSeconds} s, every player subscribed at QoS 1; beside it a bare aedes broker (no policies, hooks or frame guard) delivering the same number of messages to as many QoS 1 subscribers. CPU of the broker's process per delivery while sending.`,
    '',
    table(
      [
        'broker',
        'messages',
        'deliveries',
        'lost',
        'latency p50 / p95 / p99 ms',
        'CPU ms per delivery',
      ],
      [
        [
          'local stack',
          int(report.sends.confirmed),
          int(report.deliveries.received),
          int(report.deliveries.lost),
          `${ms(report.latencyMs.p50, 1)} / ${ms(report.latencyMs.p95, 1)} / ${ms(report.latencyMs.p99, 1)}`,
          ms(result.stack.cpuMsPerDelivery, 3),
        ],
        [
          'bare aedes',
          int(result.aedes.messages),
          int(result.aedes.deliveries),
          '-',
          '-',
          ms(result.aedes.cpuMsPerDelivery, 3),
        ],
      ],
    ),
    '',
    `Stack over bare aedes, CPU per delivery: **${ms(result.ratio, 1)}×**.`,
  ].join('\n');
}

function coldStartSection(results: NonNullable<BenchResults['coldStart']>): string {
  const row = (name: string, times: ColdStartTimes, zip: string) => [
    name,
    kib(times.bundleBytes),
    kib(times.gzipBytes),
    zip,
    `${ms(times.importMs, 1)} / ${ms(times.importCpuMs, 1)}`,
    `${ms(times.firstInvokeMs, 1)} / ${ms(times.firstInvokeCpuMs, 1)}`,
    ms(times.secondInvokeMs, 1),
    times.succeeded ? 'yes' : '**no**',
  ];
  const rows = results.flatMap((bundle) => [
    row(bundle.name, bundle, kib(bundle.zipBytes)),
    row(`${bundle.name} at ${bundle.baseline.commit}`, bundle.baseline, '-'),
  ]);
  const ratios = results.map((bundle) => [
    bundle.name,
    `${ms(bundle.coldStart.wall, 0)} / ${ms(bundle.baselineColdStart.wall, 0)} ms`,
    `${ms(bundle.coldStart.cpu, 0)} / ${ms(bundle.baselineColdStart.cpu, 0)} ms`,
    `${ms(bundle.ratio.wall)} / ${ms(bundle.ratio.cpu)}`,
  ]);
  return [
    '## Cold start',
    '',
    `Each bundle in a fresh Node process, ${results[0]?.runs ?? 0} runs, medians, alternating with the same function's bundle built at ${results[0]?.baseline.commit ?? '-'} (\`apps/bench/baselines/\`). Times are wall / CPU ms. Node itself takes ${ms(results[0]?.bootMs ?? Number.NaN, 0)} ms to reach the first line.`,
    '',
    table(
      [
        'bundle',
        'size',
        'gzip',
        'zip',
        'import ms',
        'first invocation ms',
        'second invocation ms',
        'first did the work',
      ],
      rows,
    ),
    '',
    'Import plus first invocation against the baseline, same run (medians of the per-run sums):',
    '',
    table(['bundle', 'wall, now / baseline', 'CPU, now / baseline', 'ratio wall / CPU'], ratios),
  ].join('\n');
}

/** The markdown summary of one run. */
function presenceSection(results: NonNullable<BenchResults['presence']>): string {
  const rows = results.scenarios.flatMap((scenario) =>
    scenario.phases.map((phase) => [
      `${int(scenario.players)} / ${int(scenario.channels)}`,
      phase.phase,
      int(phase.events),
      int(phase.eventsPerSecond),
      ms(phase.redisUsecPerEvent, 0),
      ms(phase.scriptsPerEvent, 2),
      `${int(phase.publishes)} (${ms(phase.publishesPerChannelSecond, 2)})`,
      int(phase.convergeMs),
    ]),
  );
  return [
    '## Presence under churn',
    '',
    `Lifecycle events through the presence bundle (connect + subscribe to join, unsubscribe + disconnect to leave), ${results.scenarios[0]?.intervalMs ?? '?'} ms broadcast interval, a recording Data Plane. At most 2 round trips per event by construction: the player slot's script, then the channel scripts sent together.`,
    '',
    table(
      [
        'players / channels',
        'phase',
        'events',
        'events/s',
        'Redis µs/event',
        'scripts/event',
        'publishes (per channel per s)',
        'converged after last event (ms)',
      ],
      rows,
    ),
  ].join('\n');
}

export function renderSummary(results: BenchResults): string {
  const { machine } = results;
  const targets = checkTargets(results).map((check) => [
    check.target,
    check.measured,
    check.met === undefined ? '–' : check.met ? 'met' : '**missed**',
  ]);
  return [
    `# Benchmark results (${results.mode})`,
    '',
    `${results.startedAt}: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, Redis ${machine.redis}; ` +
      `load average ${machine.loadAverage} at the start, ${results.loadAverageAtEnd ?? '?'} at the end.`,
    '',
    ...(results.failedSections
      ? [`**Failed sections** (see the run's log): ${results.failedSections.join(', ')}.`, '']
      : []),
    '## Targets',
    '',
    table(['target', 'measured', ''], targets),
    '',
    ...(results.history ? [historySection(results.history), ''] : []),
    ...(results.filter ? [filterSection(results.filter), ''] : []),
    ...(results.endToEnd ? [endToEndSection(results.endToEnd), ''] : []),
    ...(results.fanOut ? [fanOutSection(results.fanOut), ''] : []),
    ...(results.coldStart ? [coldStartSection(results.coldStart), ''] : []),
    ...(results.guilds ? [guildsSection(results.guilds), ''] : []),
    ...(results.presence ? [presenceSection(results.presence), ''] : []),
  ].join('\n');
}

function guildsSection(guilds: GuildsResult): string {
  const pageRow = (label: string, pages: GuildsResult['pagesAlone']) => [
    label,
    latency(pages.atNewest),
    latency(pages.atThousandth),
    `${pages.depthRatio.toFixed(2)}×`,
  ];
  const per = int(PER_GUILDS);
  return [
    '## Channel classes: guild channels',
    '',
    `Class \`${guilds.guildClass}\`. One guild channel of ${int(guilds.longChannel.messages)} messages: ` +
      `${int(guilds.longChannel.streamBytesPerMessage)} bytes per message in its stream, ` +
      `${int(guilds.longChannel.bytesPerMessage)} with its meta and de-duplication records (\`MEMORY USAGE\`).`,
    '',
    `Page reads of ${guilds.pageSize} messages, p50 / p99 in ms (client side, loopback):`,
    '',
    table(
      ['long channel', 'newest page', 'page at the 1,000th message', 'deep ÷ newest'],
      [
        pageRow('alone', guilds.pagesAlone),
        pageRow(`among ${int(guilds.guilds)} guilds`, guilds.pagesAmongGuilds),
      ],
    ),
    '',
    `Deep page among the guilds ÷ alone: ${guilds.otherChannelsRatio.toFixed(2)}×.`,
    '',
    table(
      [`Redis memory per ${per} guilds`, 'bytes'],
      [
        [
          `${guilds.messagesPerGuild} messages each, \`used_memory\` growth (de-dup records included)`,
          mib(guilds.usedMemoryPer10kGuilds),
        ],
        [
          `${guilds.messagesPerGuild} messages each, stream and meta only`,
          mib(guilds.atRestPer10kGuilds),
        ],
        ['at the class cap (1,000 each), from the long channel', mib(guilds.fullPer10kGuilds)],
      ],
    ),
    '',
    `Loaded ${int(guilds.guilds * guilds.messagesPerGuild)} messages into ${int(guilds.guilds)} guilds in ${guilds.loadSeconds.toFixed(1)} s.`,
  ].join('\n');
}

/** History latency against the number of stored messages, both designs. */
export function historyChart(history: HistoryResult): string {
  type Point = HistoryResult['points'][number];
  const series = (pick: (point: Point) => number) =>
    history.points.map((point) => ({ x: point.messages, y: pick(point) }));
  /** A read's p50 line and its dashed p99 line, in one colour. */
  const lines = (label: string, color: string, reads: (point: Point) => ReadStats) => ({
    p50: { label: `${label}p50`, color, points: series((p) => reads(p).latencyMs.p50) },
    p99: {
      label: `${label}p99`,
      color,
      dashed: true,
      points: series((p) => reads(p).latencyMs.p99),
    },
  });
  const original = lines('original SCAN+GET ', '#c0392b', (p) => p.original);
  const project = lines('project, limit 200, ', '#1f6fb2', (p) => p.project);
  const fixed = lines('project, limit 10, ', '#27ae60', (p) => p.projectFixed);
  return lineChartSvg({
    title: 'History read latency against stored messages (1,000 channels)',
    xLabel: 'messages stored in total',
    yLabel: 'latency per read',
    formatX: formatCount,
    formatY: formatMs,
    series: [original.p50, original.p99, project.p50, project.p99, fixed.p50],
  });
}
