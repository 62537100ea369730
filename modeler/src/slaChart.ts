/**
 * A plain SVG bar chart of SLA results: one group of bars per month, one bar per priority, its height
 * the share of targets met. No chart library: a few rectangles, axis lines and text, with a <title> on
 * every bar (read by screen readers and shown as a tooltip) and the numbers also in the table beside it.
 */
export interface ChartRow {
  month: string | null;
  priority: number | null;
  group: string | null;
  total: number;
  met: number;
  metPercent: number;
}

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 720;
const HEIGHT = 260;
const PAD = { left: 44, right: 12, top: 12, bottom: 48 };

function el(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The series of a row: its priority or its group ("P2", "network"). */
export const seriesOf = (r: ChartRow): string => (r.priority !== null ? `P${r.priority}` : (r.group ?? 'all'));

export function barChart(rows: ChartRow[], title: string): SVGSVGElement {
  const svg = el('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-labelledby': 'sla-chart-title', class: 'sla-chart' }) as SVGSVGElement;
  svg.append(el('title', { id: 'sla-chart-title' }, title));
  const months = [...new Set(rows.map((r) => r.month ?? 'all'))].sort();
  const series = [...new Set(rows.map(seriesOf))].sort();
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const y = (pct: number): number => PAD.top + plotH - (pct / 100) * plotH;
  for (const pct of [0, 50, 100]) {
    svg.append(el('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(pct), y2: y(pct), class: pct ? 'grid' : 'axis' }));
    svg.append(el('text', { x: PAD.left - 6, y: y(pct) + 4, 'text-anchor': 'end', class: 'tick' }, `${pct}%`));
  }
  const groupW = plotW / Math.max(1, months.length);
  const barW = Math.max(4, Math.min(40, (groupW - 12) / Math.max(1, series.length)));
  months.forEach((month, m) => {
    const x0 = PAD.left + m * groupW + (groupW - barW * series.length) / 2;
    svg.append(el('text', { x: PAD.left + m * groupW + groupW / 2, y: HEIGHT - PAD.bottom + 18, 'text-anchor': 'middle', class: 'tick' }, month));
    series.forEach((name, s) => {
      const row = rows.find((r) => (r.month ?? 'all') === month && seriesOf(r) === name);
      if (!row) return;
      const bar = el('rect', {
        x: x0 + s * barW,
        y: y(row.metPercent),
        width: barW - 2,
        height: Math.max(1, y(0) - y(row.metPercent)),
        class: `bar series-${s % 5}`,
        'data-series': name,
        'data-month': month,
        'data-met-percent': row.metPercent,
      });
      bar.append(el('title', {}, `${month} ${name}: ${row.metPercent}% met (${row.met} of ${row.total})`));
      svg.append(bar);
    });
  });
  // the legend: one swatch per series under the axis
  series.forEach((name, s) => {
    const x = PAD.left + s * 90;
    svg.append(el('rect', { x, y: HEIGHT - 18, width: 12, height: 12, class: `bar series-${s % 5}` }));
    svg.append(el('text', { x: x + 16, y: HEIGHT - 8, class: 'tick' }, name));
  });
  return svg;
}
