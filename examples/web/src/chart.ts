/** A small SVG line chart (no dependency: three charts of at most a few hundred points). */

export interface Series {
  label: string;
  color: string;
  /** [x, y] points; y may be NaN (gap). */
  points: [number, number][];
  dots?: boolean;
}

export interface ChartOptions {
  yMin: number;
  yMax: number;
  xMin?: number;
  xMax?: number;
  /** Horizontal guide lines (e.g. q_halt = 0). */
  hlines?: number[];
  /** Vertical markers: x and label. */
  vlines?: { x: number; label: string; color: string }[];
  xLabel?: string;
}

const esc = (s: string) => s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);

export function drawChart(svg: SVGSVGElement, series: Series[], o: ChartOptions): void {
  const W = svg.width.baseVal.value;
  const H = svg.height.baseVal.value;
  const m = { l: 34, r: 8, t: 14, b: 22 };
  const all = series.flatMap((s) => s.points.map((p) => p[0]));
  const xMin = o.xMin ?? Math.min(...all, 0);
  const xMax = o.xMax ?? Math.max(...all, xMin + 1);
  const X = (x: number) => m.l + ((x - xMin) / (xMax - xMin || 1)) * (W - m.l - m.r);
  const Y = (y: number) => m.t + (1 - (Math.min(Math.max(y, o.yMin), o.yMax) - o.yMin) / (o.yMax - o.yMin)) * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="#999"/>`, `<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="#999"/>`);
  parts.push(`<text x="2" y="${Y(o.yMax) + 4}">${+o.yMax.toFixed(2)}</text>`, `<text x="2" y="${Y(o.yMin)}">${+o.yMin.toFixed(2)}</text>`);
  parts.push(`<text x="${m.l}" y="${H - 6}">${+xMin.toFixed(1)}</text>`, `<text x="${W - m.r - 24}" y="${H - 6}">${+xMax.toFixed(1)}</text>`);
  if (o.xLabel) parts.push(`<text x="${W / 2 - 20}" y="${H - 6}">${esc(o.xLabel)}</text>`);
  for (const h of o.hlines ?? []) parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${Y(h)}" y2="${Y(h)}" stroke="#bbb" stroke-dasharray="3 3"/>`);
  for (const v of o.vlines ?? []) {
    parts.push(`<line x1="${X(v.x)}" x2="${X(v.x)}" y1="${m.t}" y2="${H - m.b}" stroke="${v.color}" stroke-dasharray="4 2"/>`);
    parts.push(`<text x="${X(v.x) + 3}" y="${m.t + 8}" style="fill:${v.color}">${esc(v.label)}</text>`);
  }
  let lx = m.l + 6;
  for (const s of series) {
    let d = '';
    let pen = false;
    for (const [x, y] of s.points) {
      if (Number.isNaN(y)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${X(x).toFixed(1)},${Y(y).toFixed(1)}`;
      pen = true;
    }
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.8"/>`);
    if (s.dots) for (const [x, y] of s.points) if (!Number.isNaN(y)) parts.push(`<circle cx="${X(x)}" cy="${Y(y)}" r="2.5" fill="${s.color}"/>`);
    parts.push(`<text x="${lx}" y="${m.t - 3}" style="fill:${s.color}">${esc(s.label)}</text>`);
    lx += 8 + 6 * s.label.length;
  }
  svg.innerHTML = parts.join('');
}
