/**
 * SLA report (designers, auditors, admins): the share of response and resolution targets met per
 * priority (or assignment group) and month, from GET /api/reports/sla, as a bar chart and a table, with
 * the same numbers as CSV for a spreadsheet.
 */
import { api, type Me } from './api';
import { h } from './dom';
import { loadInto } from './loadState';
import { barChart, seriesOf, type ChartRow } from './slaChart';
import './slaReport.css';

interface ReportRow extends ChartRow {
  kind: 'response' | 'resolution';
  breached: number;
}

interface Report {
  from: string;
  to: string;
  records: number;
  rows: ReportRow[];
}

const monthStart = (d: Date): string => `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;

export function mount(main: HTMLElement, _me: Me): { dispose: () => void } {
  const now = new Date();
  const from = h('input', { type: 'month', id: 'sla-from', value: monthStart(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 5, 1))) });
  const to = h('input', { type: 'month', id: 'sla-to', value: monthStart(now) });
  const kind = h('select', { id: 'sla-kind' }, h('option', { value: 'resolution' }, 'Resolution'), h('option', { value: 'response' }, 'Response'));
  // any deployed process may write SLA records: the report can keep to one
  const process = h('select', { id: 'sla-process' }, h('option', { value: '' }, 'All processes'));
  const by = h('select', { id: 'sla-by' }, h('option', { value: 'priority' }, 'Priority'), h('option', { value: 'group' }, 'Assignment group'));
  const csv = h('a', { id: 'sla-csv', class: 'button secondary', download: 'sla-report.csv' }, 'Download CSV');
  const result = h('div', { id: 'sla-result' });
  let seq = 0;

  const query = (): string => {
    // months are whole: from the first day of `from` to the first day after `to` (UTC)
    const [fy, fm] = from.value.split('-').map(Number);
    const [ty, tm] = to.value.split('-').map(Number);
    const params = new URLSearchParams({
      from: new Date(Date.UTC(fy, fm - 1, 1)).toISOString(),
      to: new Date(Date.UTC(ty, tm, 1)).toISOString(),
      groupBy: `${by.value},month`,
    });
    if (process.value) params.set('processId', process.value);
    return params.toString();
  };

  const render = (report: Report): Node[] => {
    const rows = report.rows.filter((r) => r.kind === kind.value);
    if (!rows.length) return [h('p', { class: 'muted', id: 'sla-empty' }, 'No SLA targets were completed in these months.')];
    const title = `${kind.value === 'response' ? 'Response' : 'Resolution'} targets met per ${by.value === 'priority' ? 'priority' : 'assignment group'} and month`;
    return [
      h('figure', { class: 'sla-figure' }, barChart(rows, title), h('figcaption', {}, `${title} (${rows.reduce((n, r) => n + r.total, 0)} targets)`)),
      h(
        'table',
        { class: 'data compact', id: 'sla-table' },
        h('caption', { class: 'visually-hidden' }, title),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Month', by.value === 'priority' ? 'Priority' : 'Group', 'Targets', 'Met', 'Breached', '% met'].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          rows.map((r) =>
            h(
              'tr',
              { 'data-month': r.month ?? '', 'data-series': seriesOf(r) },
              h('th', { scope: 'row' }, r.month ?? ''),
              h('td', {}, seriesOf(r)),
              h('td', {}, String(r.total)),
              h('td', {}, String(r.met)),
              h('td', {}, String(r.breached)),
              h('td', { class: 'met-percent' }, `${r.metPercent}%`),
            ),
          ),
        ),
      ),
    ];
  };

  const load = (): void => {
    const mine = ++seq;
    const q = query();
    csv.setAttribute('href', `/api/reports/sla?${q}&format=csv`);
    void loadInto(result, () => api.get<Report>(`/api/reports/sla?${q}`), render, { what: 'the SLA report', current: () => mine === seq });
  };
  for (const input of [from, to, kind, by, process]) input.addEventListener('change', load);
  // the processes to choose from; the report loads at once for all of them meanwhile
  void api
    .get<{ items: { processId: string; name: string | null }[] }>('/api/processes')
    .then(({ items }) => process.append(...items.map((p) => h('option', { value: p.processId }, p.name ? `${p.name} (${p.processId})` : p.processId))))
    .catch(() => undefined);

  main.append(
    h(
      'section',
      { 'aria-labelledby': 'sla-title' },
      h('h1', { id: 'sla-title' }, 'SLA report'),
      h(
        'p',
        { class: 'muted' },
        'Share of SLA targets met, from the targets completed in the months chosen. A target breached once counts as breached, even after a priority change.',
      ),
      h(
        'div',
        { class: 'toolbar sla-filters', role: 'group', 'aria-label': 'Report filters' },
        h('label', { for: 'sla-from' }, 'From ', from),
        h('label', { for: 'sla-to' }, 'To ', to),
        h('label', { for: 'sla-kind' }, 'Target ', kind),
        h('label', { for: 'sla-by' }, 'Per ', by),
        h('label', { for: 'sla-process' }, 'Process ', process),
        csv,
      ),
      result,
    ),
  );
  load();
  return { dispose: () => undefined };
}
