/** Audit (auditor, admin): search instances, the full history timeline, hash chain verification, export. */
import { api, type Me } from './api';
import { download, errorText, h, when } from './dom';
import { instanceFilters, instanceSearch } from './instancesView';

interface HistoryEvent {
  seq: number;
  at: string;
  type: string;
  elementId: string | null;
  actor: string;
  data: unknown;
  hash: string;
}

export function mount(main: HTMLElement, _me: Me, instanceId?: string): { dispose: () => void } {
  if (instanceId) {
    void showHistory(main, instanceId);
    return { dispose: () => undefined };
  }
  const { results, search } = instanceSearch('audit-results', 'audit-table', (i) => `#/audit/${encodeURIComponent(i.id)}`);
  main.append(h('section', { 'aria-labelledby': 'audit-title' }, h('h1', { id: 'audit-title' }, 'Audit'), h('p', {}, 'Find an instance to see its history.'), instanceFilters((q) => void search(q), 'audit'), results));
  void search({ processId: '', state: '', businessKey: '' });
  return { dispose: () => undefined };
}

async function showHistory(main: HTMLElement, id: string): Promise<void> {
  const verifyResult = h('div', { id: 'verify-result', class: 'verify', role: 'status', 'aria-live': 'polite' }, 'Not verified yet.');
  const tbody = h('tbody', {});
  const base = `/api/process-instances/${encodeURIComponent(id)}/history`;
  const verify = async (): Promise<void> => {
    verifyResult.className = 'verify';
    verifyResult.textContent = 'Verifying…';
    try {
      const r = await api.get<{ valid: boolean; events: number; brokenAt?: number; reason?: string }>(`${base}/verify`);
      verifyResult.className = `verify ${r.valid ? 'valid' : 'invalid'}`;
      const extra = r.valid ? '' : ` ${r.brokenAt !== undefined ? `Broken at event ${r.brokenAt}.` : ''} ${r.reason ?? ''}`;
      verifyResult.textContent = `Hash chain ${r.valid ? 'valid' : 'INVALID'}: ${r.events} event(s) checked.${extra}`;
    } catch (err) {
      verifyResult.className = 'verify invalid';
      verifyResult.textContent = `Verification failed: ${errorText(err)}`;
    }
  };
  const exportAs = async (format: 'csv' | 'json', what: 'history' | 'evidence' = 'history'): Promise<void> => {
    try {
      const url = what === 'history' ? base : `/api/process-instances/${encodeURIComponent(id)}/evidence`;
      const text = await api.text(`${url}${format === 'csv' ? '?format=csv' : ''}`);
      download(`${what}-${id}.${format}`, text, format === 'csv' ? 'text/csv' : 'application/json');
    } catch (err) {
      verifyResult.textContent = `Export failed: ${errorText(err)}`;
    }
  };
  main.append(
    h('p', {}, h('a', { href: '#/audit' }, '← Search')),
    h('h1', { id: 'history-title' }, `History of ${id}`),
    h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'History actions' },
      h('button', { type: 'button', id: 'verify-chain', onclick: () => void verify() }, 'Verify hash chain'),
      h('button', { type: 'button', class: 'secondary', id: 'export-csv', onclick: () => void exportAs('csv') }, 'Export CSV'),
      h('button', { type: 'button', class: 'secondary', id: 'export-json', onclick: () => void exportAs('json') }, 'Export JSON'),
      // who did what across the instance and the instances it called (approvals), every chain verified
      h('button', { type: 'button', class: 'secondary', id: 'export-evidence-csv', onclick: () => void exportAs('csv', 'evidence') }, 'Evidence pack (CSV)'),
      h('button', { type: 'button', class: 'secondary', id: 'export-evidence-json', onclick: () => void exportAs('json', 'evidence') }, 'Evidence pack (JSON)'),
    ),
    verifyResult,
    h('table', { class: 'data timeline', id: 'history-table' },
      h('caption', { class: 'visually-hidden' }, 'History events'),
      h('thead', {}, h('tr', {}, ['#', 'When', 'What', 'Element', 'Who', 'Data', 'Hash'].map((c) => h('th', { scope: 'col' }, c)))),
      tbody,
    ),
  );
  try {
    const { events } = await api.get<{ events: HistoryEvent[] }>(base);
    tbody.replaceChildren(...events.map((e) => h('tr', { 'data-type': e.type },
      h('th', { scope: 'row' }, String(e.seq)),
      h('td', {}, h('time', { datetime: e.at }, when(e.at))),
      h('td', {}, e.type),
      h('td', {}, e.elementId ?? '—'),
      h('td', {}, e.actor),
      h('td', {}, e.data === null || e.data === undefined ? '—' : h('code', { class: 'data-cell' }, JSON.stringify(e.data))),
      h('td', {}, h('code', { title: e.hash }, e.hash.slice(0, 12) + '…')),
    )));
  } catch (err) {
    tbody.replaceChildren(h('tr', {}, h('td', { colspan: '7', class: 'error' }, errorText(err))));
  }
  await verify();
}
