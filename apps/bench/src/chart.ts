/** A small log-log line chart as SVG text: no chart library for a handful of points. */

export interface ChartPoint {
  readonly x: number;
  readonly y: number;
}

export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  readonly dashed?: boolean;
  readonly points: readonly ChartPoint[];
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  readonly formatX?: (value: number) => string;
  readonly formatY?: (value: number) => string;
  readonly width?: number;
  readonly height?: number;
}

const MARGIN = { top: 48, right: 24, bottom: 56, left: 76 };
const LEGEND_LINE_HEIGHT = 18;

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Powers of ten from the one at or below `min` to the one at or above `max`. */
export function decadeTicks(min: number, max: number): number[] {
  if (!(min > 0 && max >= min)) throw new RangeError('a log scale needs 0 < min <= max');
  const ticks: number[] = [];
  const first = Math.floor(Math.log10(min));
  const last = Math.ceil(Math.log10(max));
  for (let power = first; power <= Math.max(last, first + 1); power++) ticks.push(10 ** power);
  return ticks;
}

/** Maps [domainMin, domainMax] onto [rangeStart, rangeEnd] logarithmically. */
export function logScale(
  domain: readonly [number, number],
  range: readonly [number, number],
): (value: number) => number {
  const [d0, d1] = domain.map(Math.log10) as [number, number];
  const [r0, r1] = range;
  return (value) => r0 + ((Math.log10(value) - d0) / (d1 - d0)) * (r1 - r0);
}

/** 10000 → "10k", 1000000 → "1M". */
export function formatCount(value: number): string {
  if (value >= 1e6) return `${value / 1e6}M`;
  if (value >= 1e3) return `${value / 1e3}k`;
  return String(value);
}

export function formatMs(value: number): string {
  return value >= 1 ? `${value} ms` : `${Number(value.toPrecision(1))} ms`;
}

const fixed = (value: number) => value.toFixed(1);

export function lineChartSvg(options: ChartOptions): string {
  const width = options.width ?? 760;
  const height = options.height ?? 440;
  const formatX = options.formatX ?? String;
  const formatY = options.formatY ?? String;
  const points = options.series
    .flatMap((series) => series.points)
    .filter((p) => p.x > 0 && p.y > 0);
  if (points.length === 0) throw new RangeError('a chart needs at least one positive point');
  const xTicks = decadeTicks(
    Math.min(...points.map((p) => p.x)),
    Math.max(...points.map((p) => p.x)),
  );
  const yTicks = decadeTicks(
    Math.min(...points.map((p) => p.y)),
    Math.max(...points.map((p) => p.y)),
  );
  const plot = {
    left: MARGIN.left,
    right: width - MARGIN.right,
    top: MARGIN.top,
    bottom: height - MARGIN.bottom,
  };
  const x = logScale([xTicks[0] as number, xTicks.at(-1) as number], [plot.left, plot.right]);
  const y = logScale([yTicks[0] as number, yTicks.at(-1) as number], [plot.bottom, plot.top]);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`,
  ];
  for (const tick of xTicks) {
    const px = fixed(x(tick));
    parts.push(
      `<line x1="${px}" y1="${plot.top}" x2="${px}" y2="${plot.bottom}" stroke="#e0e0e0"/>`,
      `<text x="${px}" y="${plot.bottom + 18}" text-anchor="middle">${escapeXml(formatX(tick))}</text>`,
    );
  }
  for (const tick of yTicks) {
    const py = fixed(y(tick));
    parts.push(
      `<line x1="${plot.left}" y1="${py}" x2="${plot.right}" y2="${py}" stroke="#e0e0e0"/>`,
      `<text x="${plot.left - 8}" y="${py}" text-anchor="end" dominant-baseline="middle">${escapeXml(formatY(tick))}</text>`,
    );
  }
  parts.push(
    `<rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}" fill="none" stroke="#444"/>`,
    `<text x="${(plot.left + plot.right) / 2}" y="${height - 14}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text transform="translate(18 ${(plot.top + plot.bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
  );
  for (const [index, series] of options.series.entries()) {
    const visible = series.points.filter((p) => p.x > 0 && p.y > 0);
    const coordinates = visible.map((p) => `${fixed(x(p.x))},${fixed(y(p.y))}`).join(' ');
    const dash = series.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(
      `<polyline points="${coordinates}" fill="none" stroke="${series.color}" stroke-width="2"${dash}/>`,
    );
    for (const p of visible) {
      parts.push(
        `<circle cx="${fixed(x(p.x))}" cy="${fixed(y(p.y))}" r="3.5" fill="${series.color}"><title>${escapeXml(`${series.label}: ${formatY(Number(p.y.toPrecision(3)))} at ${formatX(p.x)}`)}</title></circle>`,
      );
    }
    const legendY = plot.top + 14 + index * LEGEND_LINE_HEIGHT;
    parts.push(
      `<line x1="${plot.left + 12}" y1="${legendY}" x2="${plot.left + 40}" y2="${legendY}" stroke="${series.color}" stroke-width="2"${dash}/>`,
      `<text x="${plot.left + 46}" y="${legendY}" dominant-baseline="middle">${escapeXml(series.label)}</text>`,
    );
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
