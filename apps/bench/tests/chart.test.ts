import { describe, expect, it } from 'vitest';
import {
  decadeTicks,
  escapeXml,
  formatCount,
  formatMs,
  lineChartSvg,
  logScale,
} from '../src/chart.js';

describe('scales', () => {
  it('covers the data with whole decades', () => {
    expect(decadeTicks(10_000, 1_000_000)).toEqual([1e4, 1e5, 1e6]);
    expect(decadeTicks(0.3, 125)).toEqual([0.1, 1, 10, 100, 1000]);
    expect(decadeTicks(5, 5)).toEqual([1, 10]);
    expect(() => decadeTicks(0, 10)).toThrow(RangeError);
  });

  it('maps decades to equal distances', () => {
    const x = logScale([10, 1000], [0, 200]);
    expect(x(10)).toBe(0);
    expect(x(100)).toBeCloseTo(100);
    expect(x(1000)).toBe(200);
    const y = logScale([1, 100], [300, 100]);
    expect(y(10)).toBeCloseTo(200);
  });

  it('labels counts and milliseconds', () => {
    expect([1, 10_000, 100_000, 1_000_000].map(formatCount)).toEqual(['1', '10k', '100k', '1M']);
    expect([0.1, 1, 100].map(formatMs)).toEqual(['0.1 ms', '1 ms', '100 ms']);
  });
});

describe('lineChartSvg', () => {
  const svg = lineChartSvg({
    title: 'Latency <by> size & "design"',
    xLabel: 'messages',
    yLabel: 'ms',
    formatX: formatCount,
    series: [
      {
        label: 'original',
        color: '#c00',
        points: [
          { x: 1e4, y: 4 },
          { x: 1e5, y: 70 },
        ],
      },
      {
        label: 'project',
        color: '#00c',
        dashed: true,
        points: [
          { x: 1e4, y: 0.3 },
          { x: 1e5, y: 0.4 },
        ],
      },
    ],
  });

  it('draws one line per series with a point per value, and a legend', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const polylines = [...svg.matchAll(/<polyline points="([^"]*)"/g)].map((m) => m[1]?.split(' '));
    expect(polylines.map((points) => points?.length)).toEqual([2, 2]);
    expect(svg.match(/<circle /g)).toHaveLength(4);
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('>100k<');
  });

  it('escapes text', () => {
    expect(svg).toContain('Latency &#60;by&#62; size &#38; &#34;design&#34;');
    expect(escapeXml(`<a href='x'>`)).toBe('&#60;a href=&#39;x&#39;&#62;');
  });

  it('puts the slower series above the faster one', () => {
    const [original, project] = [...svg.matchAll(/<polyline points="([^"]*)"/g)].map((m) =>
      (m[1] as string).split(' ').map((pair) => Number(pair.split(',')[1])),
    );
    // SVG y grows downwards.
    expect(original?.[1]).toBeLessThan(project?.[1] as number);
  });

  it('refuses a chart without positive points', () => {
    expect(() =>
      lineChartSvg({
        title: 't',
        xLabel: 'x',
        yLabel: 'y',
        series: [{ label: 'a', color: '#000', points: [{ x: 0, y: 1 }] }],
      }),
    ).toThrow(RangeError);
  });
});
