import { describe, expect, it } from 'vitest';
import { escapeXml, renderSvgChart, type ChartSpec } from './svg-chart.js';
import { expectWellFormedXml } from './well-formed-xml.js';

const spec: ChartSpec = {
  title: 'Tide load: step <20 & more>',
  subtitle: '0 → 20 callers',
  width: 800,
  height: 400,
  xLabel: 'seconds',
  left: { label: 'replicas' },
  right: { label: 'latency ms', scale: 'log' },
  series: [
    {
      name: 'callers',
      axis: 'left',
      color: '#888888',
      points: [
        [0, 0],
        [2, 20],
        [22, 0],
      ],
      shape: 'step',
      fill: true,
    },
    {
      name: 'ready pods',
      axis: 'left',
      color: '#1f5fbf',
      points: [
        [0, 1],
        [4, 6],
        [10, 5],
      ],
      shape: 'step',
    },
    {
      name: 'p99 latency',
      axis: 'right',
      color: '#d62728',
      points: [
        [2.5, 130],
        [3.5, 60],
        [4.5, Number.NaN],
        [7.5, 2_400],
      ],
      shape: 'line',
    },
  ],
  markers: [{ x: 2, label: '20 callers' }],
  marks: { name: 'ScaleSet (2)', color: '#7b3fa0', xs: [3.5, 9] },
};

describe('renderSvgChart', () => {
  const svg = renderSvgChart(spec);

  it('writes well-formed SVG with the given size, escaping text', () => {
    expectWellFormedXml(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="800" height="400"')).toBe(true);
    expect(svg).toContain('Tide load: step &lt;20 &amp; more&gt;');
  });

  it('draws one path per series and names every series, and the marks, in the legend', () => {
    for (const name of ['callers', 'ready pods', 'p99 latency']) expect(svg).toContain(`data-series="${name}"`);
    const legend = [...svg.matchAll(/<g class="legend">.*?<text[^>]*>([^<]*)<\/text><\/g>/g)].map((m) => m[1]);
    expect(legend).toEqual(['callers', 'ready pods', 'p99 latency', 'ScaleSet (2)']);
  });

  it('breaks a line at a missing value instead of bridging it, and dots a point left alone', () => {
    const p99 = svg.match(/data-series="p99 latency" d="([^"]*)"/)![1]!;
    expect(p99.match(/M/g)).toHaveLength(2);
    expect(svg.match(/<circle [^>]*fill="#d62728"\/>/g)).toHaveLength(1); // 2 400 ms at 7.5 s, between a gap and the end
  });

  it('draws a step series as horizontal then vertical moves', () => {
    const ready = svg.match(/data-series="ready pods" d="([^"]*)"/)![1]!;
    const points = [...ready.matchAll(/[ML]([\d.]+) ([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(points).toHaveLength(5); // (0,1) → (4,1) → (4,6) → (10,6) → (10,5)
    expect(points[1]![1]).toBe(points[0]![1]);
    expect(points[2]![0]).toBe(points[1]![0]);
  });

  it('scales the axes to hold the data: the highest value sits inside the plot, on or below the top tick', () => {
    const leftTicks = [...svg.matchAll(/text-anchor="end" dominant-baseline="middle">([^<]+)</g)].map((m) => Number(m[1]));
    expect(Math.max(...leftTicks)).toBeGreaterThanOrEqual(20);
    const rightTicks = [...svg.matchAll(/dominant-baseline="middle" fill="#444444">([^<]+)</g)].map((m) => m[1]);
    expect(rightTicks[0]).toBe('10');
    expect(rightTicks.at(-1)).toBe('10k'); // 2 400 ms on a log axis → up to the next decade
    const callers = svg.match(/data-series="callers" d="([^"]*)"/)![1]!;
    const ys = [...callers.matchAll(/[ML][\d.]+ ([\d.]+)/g)].map((m) => Number(m[1]));
    expect(Math.min(...ys)).toBeGreaterThan(58); // below the plot's top edge (padding 58 px)
    expect(Math.max(...ys)).toBeLessThanOrEqual(400 - 96); // not below its bottom
  });

  it('draws a dashed marker per load step and a triangle per mark', () => {
    expect(svg).toContain('>20 callers</text>');
    expect(svg.match(/stroke-dasharray="2 3"/g)).toHaveLength(1);
    expect(svg.match(/fill="#7b3fa0"/g)).toHaveLength(3); // two marks and the legend's sample
  });

  it('renders an empty chart without throwing', () => {
    const empty = renderSvgChart({ ...spec, series: [], markers: [], marks: undefined });
    expectWellFormedXml(empty);
  });
});

describe('escapeXml', () => {
  it('escapes the characters that would break markup', () => {
    expect(escapeXml(`a<b>&"c"`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;');
  });
});
