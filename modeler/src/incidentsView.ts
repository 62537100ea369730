/**
 * Incidents across all instances (designer, auditor, admin): open incidents grouped by process and error
 * message with their counts; admins and process owners retry a selection or a whole group at once
 * (POST /api/incidents/retry) and read per incident whether it was retried, failed again (with the new
 * error) or refused. Auditors see the same list without any control.
 */
import { api, ApiError, can, type Me } from './api';
import { errorText, h, when } from './dom';
import { loadInto } from './loadState';

interface Incident {
  id: string;
  processInstanceId: string;
  processId?: string;
  elementId: string;
  type: string;
  message: string;
  state: string;
  createdAt: string;
}

interface RetryResult {
  id: string;
  outcome: 'retried' | 'failedAgain' | 'refused';
  message?: string;
}

/** Tells the navigation to count the open incidents again. */
export const INCIDENTS_CHANGED = 'processdesk:incidents-changed';

function groupsOf(items: Incident[]): { key: string; processId: string; message: string; items: Incident[] }[] {
  const groups = new Map<string, { key: string; processId: string; message: string; items: Incident[] }>();
  for (const i of items) {
    const processId = i.processId ?? '?';
    const key = `${processId}\u0000${i.message}`;
    if (!groups.has(key)) groups.set(key, { key, processId, message: i.message, items: [] });
    groups.get(key)!.items.push(i);
  }
  return [...groups.values()].sort((a, b) => b.items.length - a.items.length || a.processId.localeCompare(b.processId));
}

/**
 * Sends the ids in requests of at most `size`; when the server allows fewer (413 with its maximum in the
 * details), the rest goes in requests of that size.
 */
async function retryAll(ids: string[]): Promise<RetryResult[]> {
  const results: RetryResult[] = [];
  let size = 100;
  for (let at = 0; at < ids.length;) {
    try {
      const answer = await api.post<{ results: RetryResult[] }>('/api/incidents/retry', { ids: ids.slice(at, at + size) });
      results.push(...answer.results);
      at += size;
    } catch (err) {
      const max = err instanceof ApiError && err.status === 413 ? Number(err.details[0]?.max) : NaN;
      if (Number.isInteger(max) && max >= 1 && max < size) size = max;
      else throw err;
    }
  }
  return results;
}

function outcomeText(r: RetryResult): string {
  if (r.outcome === 'retried') return 'retried';
  if (r.outcome === 'failedAgain') return `failed again: ${r.message ?? ''}`;
  return `refused: ${r.message ?? ''}`;
}

export function mount(main: HTMLElement, me: Me): { dispose: () => void } {
  const mayRetry = can.retryIncidents(me);
  const instanceLink = (id: string): string => (can.instances(me) ? `#/instances/${encodeURIComponent(id)}` : `#/audit/${encodeURIComponent(id)}`);
  const list = h('div', { id: 'incident-groups' });
  const report = h('div', { id: 'retry-results', role: 'status', 'aria-live': 'polite' });
  const selected = new Set<string>();
  const retrySelected = h('button', { type: 'button', id: 'retry-selected', disabled: true, onclick: () => void retry([...selected]) }, 'Retry selected');
  const updateSelection = (): void => {
    retrySelected.disabled = selected.size === 0;
    retrySelected.textContent = selected.size ? `Retry selected (${selected.size})` : 'Retry selected';
  };

  const retry = async (ids: string[]): Promise<void> => {
    if (!ids.length) return;
    report.className = '';
    report.textContent = `Retrying ${ids.length} incident(s)…`;
    try {
      const results = await retryAll(ids);
      const count = (o: RetryResult['outcome']): number => results.filter((r) => r.outcome === o).length;
      report.className = count('failedAgain') || count('refused') ? 'retry-report warn' : 'retry-report ok';
      report.replaceChildren(
        h('p', {}, `${count('retried')} retried, ${count('failedAgain')} failed again, ${count('refused')} refused.`),
        h('ul', {}, ...results.map((r) => h('li', { class: `outcome-${r.outcome}`, 'data-incident-id': r.id }, h('code', {}, r.id), ` ${outcomeText(r)}`))),
      );
    } catch (err) {
      report.className = 'retry-report error';
      report.replaceChildren(h('p', { role: 'alert' }, `Retry failed: ${errorText(err)}`));
    }
    selected.clear();
    updateSelection();
    window.dispatchEvent(new Event(INCIDENTS_CHANGED));
    await load();
  };

  const row = (i: Incident): HTMLElement => {
    const box = h('input', { type: 'checkbox', id: `select-${i.id}`, 'data-incident-id': i.id, 'aria-label': `Select incident ${i.id} of instance ${i.processInstanceId}` });
    box.addEventListener('change', () => {
      if (box.checked) selected.add(i.id);
      else selected.delete(i.id);
      updateSelection();
    });
    return h(
      'tr',
      { 'data-incident-id': i.id },
      mayRetry ? h('td', {}, box) : null,
      h('th', { scope: 'row' }, h('a', { href: instanceLink(i.processInstanceId) }, i.processInstanceId)),
      h('td', {}, i.elementId),
      h('td', {}, i.type),
      h('td', {}, h('time', { datetime: i.createdAt }, when(i.createdAt))),
    );
  };

  const render = (items: Incident[]): Node[] => {
    if (!items.length) return [h('p', { class: 'muted' }, 'No open incidents.')];
    return groupsOf(items).map((g, n) =>
      h(
        'section',
        { class: 'incident-group', 'aria-labelledby': `group-${n}`, 'data-process-id': g.processId },
        h(
          'h2',
          { id: `group-${n}` },
          h('span', { class: 'count', 'aria-label': `${g.items.length} incidents` }, String(g.items.length)),
          ` ${g.processId}: `,
          h('span', { class: 'group-message' }, g.message),
        ),
        mayRetry
          ? h('button', { type: 'button', class: 'secondary retry-group', onclick: () => void retry(g.items.map((i) => i.id)) }, `Retry all ${g.items.length} of this group`)
          : null,
        h(
          'table',
          { class: 'data compact' },
          h('caption', { class: 'visually-hidden' }, `Incidents of ${g.processId}: ${g.message}`),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              mayRetry ? h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Select')) : null,
              ['Instance', 'Element', 'Type', 'Since'].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h('tbody', {}, g.items.map(row)),
        ),
      ),
    );
  };

  const load = (): Promise<void> => loadInto(list, async () => (await api.get<{ items: Incident[] }>('/api/incidents?state=open')).items, render, { what: 'incidents' });

  main.append(
    h(
      'section',
      { 'aria-labelledby': 'incidents-title' },
      h('h1', { id: 'incidents-title' }, 'Incidents'),
      h(
        'p',
        { class: 'muted' },
        mayRetry ? 'Open incidents by process and error. Retry a selection or a whole group; each result is listed below.' : 'Open incidents by process and error.',
      ),
      mayRetry ? h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Incident actions' }, retrySelected) : null,
      report,
      list,
    ),
  );
  void load();
  return { dispose: () => undefined };
}
