/** The one table `npm run bench` prints: a row per measured value, with its target and PASS/MISS. */
import type { Row } from './common';

export type Status = 'PASS' | 'MISS' | 'n/a' | '';

export function status(row: Row): Status {
  if (row.value === null || !Number.isFinite(row.value)) return row.target ? 'n/a' : row.note ? 'n/a' : '';
  if (!row.target) return '';
  const m = /^(>=|<=|<|>)\s*([\d.]+)$/.exec(row.target.trim());
  if (!m) return '';
  const limit = Number(m[2]);
  const ok = m[1] === '>=' ? row.value >= limit : m[1] === '<=' ? row.value <= limit : m[1] === '<' ? row.value < limit : row.value > limit;
  return ok ? 'PASS' : 'MISS';
}

function formatValue(row: Row): string {
  if (row.value === null || !Number.isFinite(row.value)) return 'n/a';
  return `${row.value}${row.unit ? ` ${row.unit}` : ''}`;
}

export function renderTable(rows: Row[]): string {
  const header = ['section', 'metric', 'measured', 'target', 'status'];
  const lines = rows.map((r) => [
    r.section,
    r.metric,
    formatValue(r),
    r.target ? `${r.target}${r.unit && r.unit !== 'x' ? ` ${r.unit}` : r.unit === 'x' ? 'x' : ''}` : '',
    status(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const out = [fmt(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmt)];
  const notes = [...new Set(rows.filter((r) => r.note).map((r) => `n/a: ${r.note}`))];
  return [...out, ...notes].join('\n');
}
