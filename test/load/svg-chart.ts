import { axisScale, formatTick, type AxisScale, type ScaleKind } from './chart-scale.js';

/**
 * A time chart as a hand-written SVG string (pure, no dependencies): series on a left and an
 * optional right axis, vertical markers (load steps), event marks along the top, a legend.
 */
export interface ChartSeries {
  name: string;
  axis: 'left' | 'right';
  color: string;
  /** [x, y] in data units; a non-finite y breaks the line (a gap). */
  points: readonly (readonly [number, number])[];
  /** 'step' holds each value until the next point (counts); 'line' joins points (rates, latencies). */
  shape?: 'step' | 'line';
  dash?: string;
  /** Shades the area under a step series (the caller count behind the replicas). */
  fill?: boolean;
  /** Stroke width in px (default 2) and opacity: a wide pale line drawn first stays visible under one drawn on top. */
  width?: number;
  opacity?: number;
}

export interface ChartSpec {
  title: string;
  subtitle?: string;
  width?: number;
  height?: number;
  xLabel: string;
  left: { label: string };
  right?: { label: string; scale?: ScaleKind };
  series: readonly ChartSeries[];
  /** Labelled vertical lines, e.g. where the load changed. */
  markers?: readonly { x: number; label: string }[];
  /** Small triangles along the top, e.g. scale decisions. */
  marks?: { name: string; color: string; xs: readonly number[] };
}

const PAD = { left: 64, right: 72, top: 58, bottom: 96 };
const FONT = 'font-family="system-ui, sans-serif"';

export function renderSvgChart(spec: ChartSpec): string {
  const width = spec.width ?? 960;
  const height = spec.height ?? 480;
  const plot = { x0: PAD.left, x1: width - PAD.right, y0: height - PAD.bottom, y1: PAD.top };
  const xs = [...spec.series.flatMap((s) => s.points.map((p) => p[0])), ...(spec.markers ?? []).map((m) => m.x), ...(spec.marks?.xs ?? [])];
  const x = axisScale(xs, 'linear', 10);
  const left = axisScale(valuesOn(spec, 'left'), 'linear');
  const right = spec.right ? axisScale(valuesOn(spec, 'right'), spec.right.scale ?? 'linear') : undefined;
  const px = (v: number) => x.toPixel(v, plot.x0, plot.x1);
  const py = (axis: 'left' | 'right', v: number) => (axis === 'right' && right ? right : left).toPixel(v, plot.y0, plot.y1);

  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${PAD.left}" y="22" font-size="16" font-weight="600">${escapeXml(spec.title)}</text>`,
    spec.subtitle ? `<text x="${PAD.left}" y="40" fill="#555555">${escapeXml(spec.subtitle)}</text>` : '',
    ...grid(plot, x, left, right, px),
    ...(spec.markers ?? []).map((m) => marker(m, px(m.x), plot)),
    ...spec.series.filter((s) => s.fill).map((s) => area(s, px, (v) => py(s.axis, v), plot.y0)),
    ...spec.series.map((s) => seriesPath(s, px, (v) => py(s.axis, v))),
    ...(spec.marks?.xs ?? []).map((v) => triangle(px(v), plot.y1, spec.marks!.color)),
    ...axisLabels(spec, plot, width),
    ...legend(spec, plot, height),
    '</svg>',
  ];
  return `${parts.filter(Boolean).join('\n')}\n`;
}

function valuesOn(spec: ChartSpec, axis: 'left' | 'right'): number[] {
  return spec.series.filter((s) => s.axis === axis).flatMap((s) => s.points.map((p) => p[1]));
}

type Plot = { x0: number; x1: number; y0: number; y1: number };

function grid(plot: Plot, x: AxisScale, left: AxisScale, right: AxisScale | undefined, px: (v: number) => number): string[] {
  const out = [`<rect x="${plot.x0}" y="${plot.y1}" width="${plot.x1 - plot.x0}" height="${plot.y0 - plot.y1}" fill="none" stroke="#999999"/>`];
  for (const t of x.ticks) {
    out.push(`<line x1="${n(px(t))}" y1="${plot.y1}" x2="${n(px(t))}" y2="${plot.y0}" stroke="#eeeeee"/>`);
    out.push(`<text x="${n(px(t))}" y="${plot.y0 + 16}" text-anchor="middle">${formatTick(t)}</text>`);
  }
  for (const t of left.ticks) {
    const y = n(left.toPixel(t, plot.y0, plot.y1));
    out.push(`<line x1="${plot.x0}" y1="${y}" x2="${plot.x1}" y2="${y}" stroke="#eeeeee"/>`);
    out.push(`<text x="${plot.x0 - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(t)}</text>`);
  }
  for (const t of right?.ticks ?? []) {
    const y = n(right!.toPixel(t, plot.y0, plot.y1));
    out.push(`<line x1="${plot.x1}" y1="${y}" x2="${plot.x1 + 4}" y2="${y}" stroke="#999999"/>`);
    out.push(`<text x="${plot.x1 + 7}" y="${y}" dominant-baseline="middle" fill="#444444">${formatTick(t)}</text>`);
  }
  return out;
}

function marker(m: { x: number; label: string }, x: number, plot: Plot): string {
  return [
    `<line x1="${n(x)}" y1="${plot.y1}" x2="${n(x)}" y2="${plot.y0}" stroke="#888888" stroke-dasharray="2 3"/>`,
    `<text x="${n(x + 3)}" y="${plot.y1 + 24}" font-size="11" fill="#555555">${escapeXml(m.label)}</text>`,
  ].join('\n');
}

/** Runs of finite points (a non-finite y ends a run), as pixel coordinates, step-shaped if asked. */
function runsOf(s: ChartSeries, px: (v: number) => number, py: (v: number) => number): [number, number][][] {
  const runs: [number, number][][] = [];
  let run: [number, number][] = [];
  for (const [x, y] of s.points) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      if (run.length) runs.push(run);
      run = [];
      continue;
    }
    const previous = run.at(-1);
    if (s.shape === 'step' && previous) run.push([px(x), previous[1]]);
    run.push([px(x), py(y)]);
  }
  if (run.length) runs.push(run);
  return runs;
}

function seriesPath(s: ChartSeries, px: (v: number) => number, py: (v: number) => number): string {
  const runs = runsOf(s, px, py);
  const d = runs.map((run) => run.map(([x, y], i) => `${i ? 'L' : 'M'}${n(x)} ${n(y)}`).join('')).join('');
  if (!d) return '';
  // A point with gaps on both sides draws no line: a dot shows it.
  const dots = runs.flatMap((run) => (run.length === 1 ? [`<circle cx="${n(run[0]![0])}" cy="${n(run[0]![1])}" r="3" fill="${s.color}"/>`] : []));
  return [`<path data-series="${escapeXml(s.name)}" d="${d}" fill="none"${strokeOf(s)} stroke-linejoin="round"/>`, ...dots].join('\n');
}

function strokeOf(s: Pick<ChartSeries, 'color' | 'dash' | 'width' | 'opacity'>): string {
  const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
  const opacity = s.opacity === undefined ? '' : ` stroke-opacity="${s.opacity}"`;
  return ` stroke="${s.color}" stroke-width="${s.width ?? 2}"${dash}${opacity}`;
}

function area(s: ChartSeries, px: (v: number) => number, py: (v: number) => number, baseline: number): string {
  return runsOf(s, px, py)
    .map(
      (run) =>
        `<path d="M${n(run[0]![0])} ${baseline}${run.map(([x, y]) => `L${n(x)} ${n(y)}`).join('')}L${n(run.at(-1)![0])} ${baseline}Z" fill="${s.color}" fill-opacity="0.12" stroke="none"/>`,
    )
    .join('\n');
}

function triangle(x: number, top: number, color: string): string {
  return `<path d="M${n(x - 4)} ${top - 9}L${n(x + 4)} ${top - 9}L${n(x)} ${top - 2}Z" fill="${color}"/>`;
}

function axisLabels(spec: ChartSpec, plot: Plot, width: number): string[] {
  const midY = (plot.y0 + plot.y1) / 2;
  return [
    `<text x="${(plot.x0 + plot.x1) / 2}" y="${plot.y0 + 36}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`,
    `<text transform="translate(16 ${midY}) rotate(-90)" text-anchor="middle">${escapeXml(spec.left.label)}</text>`,
    spec.right ? `<text transform="translate(${width - 14} ${midY}) rotate(90)" text-anchor="middle">${escapeXml(spec.right.label)}</text>` : '',
  ];
}

function legend(spec: ChartSpec, plot: Plot, height: number): string[] {
  const items: (Pick<ChartSeries, 'name' | 'color' | 'dash' | 'width' | 'opacity'> & { mark?: boolean })[] = [...spec.series];
  if (spec.marks) items.push({ name: spec.marks.name, color: spec.marks.color, mark: true });
  const y = height - 26;
  let x = plot.x0;
  return items.map((item) => {
    const sample = item.mark ? triangle(x + 12, y + 5, item.color) : `<line x1="${x}" y1="${y}" x2="${x + 24}" y2="${y}"${strokeOf(item)}/>`;
    const text = `<text x="${x + 30}" y="${y}" dominant-baseline="middle">${escapeXml(item.name)}</text>`;
    x += 42 + item.name.length * 7;
    return `<g class="legend">${sample}${text}</g>`;
  });
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Pixel coordinates with one decimal: small files, no visible loss. */
const n = (v: number) => Math.round(v * 10) / 10;
