/**
 * Audit (auditor, admin): search instances; one instance read-only (its diagram with the path taken, no
 * control that changes anything), the full history timeline (or only what people did), hash chain
 * verification, export.
 */
import type { HistoryEvent, Instance } from '../../api/schemas';
import { api, type Me } from './api';
import { download, errorText, h, when } from './dom';
import { instanceDiagram, instanceFilters, instanceSearch } from './instancesView';
import { loadInto } from './loadState';

/** What people did (task claims, completions, delegations and votes, manual changes and repairs), as opposed to what the engine did. */
const HUMAN_TYPES = new Set([
  'task.claimed',
  'task.unclaimed',
  'task.delegated',
  'task.completed',
  'variables.set',
  'instance.migrated',
  'instance.modified',
  'instance.terminated',
  'incident.resolved',
]);
/** Messages count when someone published them; what the engine does itself (a throw event, an end event that terminates) never counts. */
const isHumanAction = (e: Pick<HistoryEvent, 'type' | 'actor'>): boolean => (HUMAN_TYPES.has(e.type) || e.type === 'message.correlated') && e.actor !== 'engine';

export function mount(main: HTMLElement, _me: Me, instanceId?: string): { dispose: () => void } {
  if (instanceId) {
    let viewer: { destroy: () => void } | undefined;
    void showHistory(main, instanceId).then((v) => {
      viewer = v;
    });
    return { dispose: () => viewer?.destroy() };
  }
  const { results, search } = instanceSearch('audit-results', 'audit-table', (i) => `#/audit/${encodeURIComponent(i.id)}`);
  main.append(
    h(
      'section',
      { 'aria-labelledby': 'audit-title' },
      h('h1', { id: 'audit-title' }, 'Audit'),
      h('p', {}, 'Find an instance to see its history.'),
      instanceFilters((q) => void search(q), 'audit'),
      results,
    ),
  );
  void search({ processId: '', state: '', businessKey: '' });
  return { dispose: () => undefined };
}

function historyRow(e: HistoryEvent): HTMLElement {
  return h(
    'tr',
    { 'data-type': e.type },
    h('th', { scope: 'row' }, String(e.seq)),
    h('td', {}, h('time', { datetime: e.at }, when(e.at))),
    h('td', {}, e.type),
    h('td', {}, e.elementId ?? '—'),
    h('td', {}, e.actor),
    h('td', {}, e.data === null || e.data === undefined ? '—' : h('code', { class: 'data-cell' }, JSON.stringify(e.data))),
    h('td', {}, h('code', { title: e.hash }, e.hash.slice(0, 12) + '…')),
  );
}

/** The history page of one instance; the diagram's viewer is returned so that leaving the page destroys it. */
async function showHistory(main: HTMLElement, id: string): Promise<{ destroy: () => void } | undefined> {
  const verifyResult = h('div', { id: 'verify-result', class: 'verify', role: 'status', 'aria-live': 'polite' }, 'Not verified yet.');
  const title = h('h1', { id: 'history-title' }, `History of ${id}`);
  const facts = h('dl', { class: 'facts', id: 'audit-facts' });
  // a figure, not an img: the bpmn-js canvas inside takes the keyboard focus (an img may hold no control)
  const diagram = h('div', { class: 'viewer', id: 'audit-diagram', role: 'figure', 'aria-label': 'Process diagram with the path taken (read-only)' });
  const timeline = h('div', { id: 'history-timeline' });
  const humanOnly = h('input', { type: 'checkbox', id: 'human-only' });
  const base = `/api/process-instances/${encodeURIComponent(id)}/history`;
  let events: HistoryEvent[] = [];
  const renderTimeline = (): Node =>
    h(
      'table',
      { class: 'data timeline', id: 'history-table' },
      h('caption', { class: 'visually-hidden' }, humanOnly.checked ? 'History events: human actions and approvals' : 'History events'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['#', 'When', 'What', 'Element', 'Who', 'Data', 'Hash'].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h('tbody', {}, (humanOnly.checked ? events.filter(isHumanAction) : events).map(historyRow)),
    );
  humanOnly.addEventListener('change', () => {
    if (events.length) timeline.replaceChildren(renderTimeline());
  });
  const verify = async (): Promise<void> => {
    verifyResult.className = 'verify';
    verifyResult.textContent = 'Verifying…';
    try {
      const r = await api.get<{ valid: boolean; events: number; sealedHead?: { seq: number; keyId: string }; problems: { kind: string; message: string }[] }>(`${base}/verify`);
      verifyResult.className = `verify ${r.valid ? 'valid' : 'invalid'}`;
      const sealed = r.sealedHead ? ` Sealed at event ${r.sealedHead.seq} (key ${r.sealedHead.keyId}).` : '';
      // every way the history was tampered with, by name: an auditor reads what happened
      verifyResult.replaceChildren(
        `History ${r.valid ? 'valid' : 'INVALID'}: ${r.events} event(s) checked.${sealed}`,
        ...(r.problems.length ? [h('ul', { id: 'verify-problems' }, ...r.problems.map((p) => h('li', { 'data-kind': p.kind }, p.message)))] : []),
      );
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
    title,
    h(
      'div',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'History actions' },
      h('button', { type: 'button', id: 'verify-chain', onclick: () => void verify() }, 'Verify hash chain'),
      h('button', { type: 'button', class: 'secondary', id: 'export-csv', onclick: () => void exportAs('csv') }, 'Export CSV'),
      h('button', { type: 'button', class: 'secondary', id: 'export-json', onclick: () => void exportAs('json') }, 'Export JSON'),
      // who did what across the instance and the instances it called (approvals), every chain verified
      h('button', { type: 'button', class: 'secondary', id: 'export-evidence-csv', onclick: () => void exportAs('csv', 'evidence') }, 'Evidence pack (CSV)'),
      h('button', { type: 'button', class: 'secondary', id: 'export-evidence-json', onclick: () => void exportAs('json', 'evidence') }, 'Evidence pack (JSON)'),
    ),
    verifyResult,
    h('div', { class: 'instance-layout' }, diagram, h('div', { class: 'instance-side' }, facts)),
    h('p', { class: 'legend' }, h('span', { class: 'swatch active' }), ' active ', h('span', { class: 'swatch taken' }), ' taken path; numbers: times completed'),
    h('h2', {}, 'History'),
    h('div', { class: 'field inline' }, humanOnly, h('label', { for: 'human-only' }, 'Human actions and approvals only')),
    timeline,
  );
  let instance: Instance | undefined;
  try {
    instance = await api.get<Instance>(`/api/process-instances/${encodeURIComponent(id)}`);
    // the business key is what people search and talk about: it names the page
    const name = instance.businessKey ?? instance.id;
    title.textContent = `History of ${name} (${instance.processId} v${instance.version})`;
    document.title = `${name} · Audit · ProcessDesk`;
    facts.append(
      h('dt', {}, 'Ticket number / business key'),
      h('dd', { id: 'audit-business-key' }, instance.businessKey ?? '—'),
      h('dt', {}, 'Instance'),
      h('dd', {}, instance.id),
      h('dt', {}, 'State'),
      h('dd', {}, h('span', { class: `state state-${instance.state}` }, instance.state)),
      h('dt', {}, 'Started'),
      h('dd', {}, when(instance.startedAt)),
      h('dt', {}, 'Ended'),
      h('dd', {}, when(instance.endedAt)),
    );
  } catch (err) {
    facts.append(h('dd', { class: 'error', role: 'alert' }, `Instance unavailable: ${errorText(err)}`));
  }
  await loadInto(
    timeline,
    async () => (await api.get<{ events: HistoryEvent[] }>(base)).events,
    (loaded) => {
      events = loaded;
      return renderTimeline();
    },
    { what: 'the history' },
  );
  let viewer: { destroy: () => void } | undefined;
  if (instance) {
    try {
      viewer = await instanceDiagram(diagram, instance, events);
    } catch (err) {
      diagram.append(h('p', { class: 'error', role: 'alert' }, `Diagram unavailable: ${errorText(err)}`));
    }
  }
  await verify();
  return viewer;
}
