/**
 * The list benchmark's scale curve as a small SVG (two panels: throughput per connection count for
 * each table size, GraphQL and its floor; latency per table size). Hand-written rather than a chart
 * library: two line charts, no dependency, and the output is a deterministic text file to commit.
 */
export interface ScaleChartInput {
  title: string;
  throughput: Array<{ label: string; points: Array<{ connections: number; graphql: number; floor: number }> }>;
  latency: Array<{ rows: string; p50: number; p99: number; p50at32: number; p99at32: number }>;
}

const W = 420;
const H = 250;
const PAD = { left: 56, right: 36, top: 34, bottom: 40 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];

export function scaleChart(input: ScaleChartInput): string {
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 30}" viewBox="0 0 ${2 * W} ${H + 30}" font-family="sans-serif" font-size="11">`);
  parts.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  parts.push(`<text x="${W}" y="14" text-anchor="middle" font-size="13" font-weight="bold">${escape(input.title)}</text>`);

  // Left: req/s against connections (categorical x: 1, 8, 32, 128).
  const connections = [...new Set(input.throughput.flatMap((s) => s.points.map((p) => p.connections)))].sort((a, b) => a - b);
  const maxRps = niceMax(Math.max(...input.throughput.flatMap((s) => s.points.flatMap((p) => [p.graphql, p.floor]))));
  const lines = input.throughput.flatMap((series, i) => [
    { name: `GraphQL, ${series.label}`, color: COLORS[i % COLORS.length]!, dashed: false, values: series.points.map((p) => p.graphql) },
    { name: `floor, ${series.label}`, color: COLORS[i % COLORS.length]!, dashed: true, values: series.points.map((p) => p.floor) },
  ]);
  parts.push(panel(0, 'throughput (2xx/s) by connections', connections.map(String), maxRps, lines));

  // Right: latency (ms) against table size.
  const maxMs = niceMax(Math.max(...input.latency.flatMap((l) => [l.p99, l.p99at32])));
  parts.push(
    panel(W, 'GraphQL latency (ms) by table size', input.latency.map((l) => l.rows), maxMs, [
      { name: 'p50, 1 conn', color: COLORS[0]!, dashed: false, values: input.latency.map((l) => l.p50) },
      { name: 'p99, 1 conn', color: COLORS[0]!, dashed: true, values: input.latency.map((l) => l.p99) },
      { name: 'p50, 32 conn', color: COLORS[1]!, dashed: false, values: input.latency.map((l) => l.p50at32) },
      { name: 'p99, 32 conn', color: COLORS[1]!, dashed: true, values: input.latency.map((l) => l.p99at32) },
    ]),
  );
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

interface Line {
  name: string;
  color: string;
  dashed: boolean;
  values: number[];
}

function panel(x0: number, title: string, categories: string[], max: number, lines: Line[]): string {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number) => x0 + PAD.left + (categories.length === 1 ? plotW / 2 : (i * plotW) / (categories.length - 1));
  const y = (v: number) => PAD.top + 10 + plotH - (v / max) * plotH;
  const out: string[] = [`<text x="${x0 + W / 2}" y="${PAD.top}" text-anchor="middle">${escape(title)}</text>`];
  for (let t = 0; t <= 4; t++) {
    const v = (max * t) / 4;
    out.push(`<line x1="${x0 + PAD.left}" x2="${x0 + W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`);
    out.push(`<text x="${x0 + PAD.left - 4}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${Math.round(v)}</text>`);
  }
  categories.forEach((c, i) => out.push(`<text x="${x(i).toFixed(1)}" y="${H - PAD.bottom + 24}" text-anchor="middle">${escape(c)}</text>`));
  lines.forEach((line, n) => {
    const points = line.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    out.push(`<polyline fill="none" stroke="${line.color}" stroke-width="2"${line.dashed ? ' stroke-dasharray="5,3"' : ''} points="${points}"/>`);
    line.values.forEach((v, i) => out.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.5" fill="${line.color}"/>`));
    // Legend under the plot, two entries per row.
    const ly = H - 4 + 13 * Math.floor(n / 2);
    const lx = x0 + 16 + (n % 2) * 190;
    out.push(`<line x1="${lx}" x2="${lx + 16}" y1="${ly - 4}" y2="${ly - 4}" stroke="${line.color}" stroke-width="2"${line.dashed ? ' stroke-dasharray="5,3"' : ''}/>`);
    out.push(`<text x="${lx + 20}" y="${ly}">${escape(line.name)}</text>`);
  });
  return out.join('\n');
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const step = 10 ** Math.floor(Math.log10(v));
  return Math.ceil(v / step) * step;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
