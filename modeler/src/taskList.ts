/**
 * The task table: sortable columns (the server sorts: GET /api/tasks?sort=), numbered pages past the
 * first hundred with the total count, the SLA in words, claim/unclaim, and its loading and error
 * states (with Retry). Refreshes itself every few seconds, redrawing only what changed.
 */
import type { Task } from '../../api/schemas';
import { api, type Me, qs } from './api';
import { errorText, h, toast } from './dom';
import { loadError } from './loadState';
import { slaLabel } from './sla';
import type { TaskQuery } from './taskFilters';

export const POLL_MS = 3000;

interface Column {
  label: string;
  /** The API's sort field, for sortable columns. */
  sort?: string;
}
const COLUMNS: Column[] = [
  { label: 'Task', sort: 'name' },
  { label: 'About', sort: 'subject' },
  { label: 'Ticket', sort: 'businessKey' },
  { label: 'Process' },
  { label: 'Assignee' },
  { label: 'Priority', sort: 'priority' },
  { label: 'SLA', sort: 'dueDate' },
  { label: 'State' },
  { label: 'Actions' },
];

export interface TaskListHooks {
  /** The filters and sort to show. */
  query: () => TaskQuery;
  /** The user sorted by a column (`sort`, `-field`: descending) or chose a page size (`limit`). */
  update: (patch: TaskQuery) => void;
  /** The open task, highlighted. */
  openId: () => string | undefined;
  /** A claim or release changed task `id`: the list, the open task and the badge refresh. */
  changed: (id: string) => void;
}

export interface TaskList {
  element: HTMLElement;
  /** Loads the page again; `reset` goes back to page 1 (new filters). */
  refresh(options?: { reset?: boolean; force?: boolean }): Promise<void>;
  dispose(): void;
}

export function taskList(me: Me, hooks: TaskListHooks): TaskList {
  let page = 1;
  let pages = 1;
  let lastJson = '';
  let disposed = false;
  const headRow = h('tr', {});
  const tbody = h('tbody', {});
  const table = h('table', { class: 'data', id: 'task-table' }, h('caption', { class: 'visually-hidden' }, 'Tasks'), h('thead', {}, headRow), tbody);
  const status = h('p', { class: 'muted', id: 'tasks-status', role: 'status' });
  const prev = h('button', { type: 'button', class: 'secondary', id: 'tasks-prev', onclick: () => void go(page - 1) }, 'Previous page');
  const next = h('button', { type: 'button', class: 'secondary', id: 'tasks-next', onclick: () => void go(page + 1) }, 'Next page');
  const position = h('span', { id: 'tasks-position', 'aria-live': 'polite' });
  const pageSize = h(
    'select',
    { id: 'tasks-page-size' },
    ['25', '50', '100'].map((n) => h('option', { value: n }, n)),
  );
  pageSize.addEventListener('change', () => hooks.update({ limit: pageSize.value }));
  const updated = h('p', { class: 'muted', id: 'tasks-updated' });
  const pager = h('div', { class: 'toolbar pager' }, prev, position, next, h('label', { for: 'tasks-page-size' }, 'Per page'), pageSize);

  function drawHead(sort: string): void {
    const desc = sort.startsWith('-');
    const field = sort.replace(/^-/, '');
    headRow.replaceChildren(
      ...COLUMNS.map((c) => {
        if (!c.sort) return h('th', { scope: 'col' }, c.label);
        const active = c.sort === field;
        const button = h(
          'button',
          {
            type: 'button',
            class: 'link sort',
            'data-sort': c.sort,
            onclick: () => hooks.update({ sort: active && !desc ? `-${c.sort}` : c.sort! }),
          },
          c.label,
          active ? (desc ? ' ▼' : ' ▲') : '',
        );
        return h('th', { scope: 'col', 'aria-sort': active ? (desc ? 'descending' : 'ascending') : 'none' }, button);
      }),
    );
  }

  async function act(t: Task, action: 'claim' | 'unclaim'): Promise<void> {
    try {
      await api.post(`/api/tasks/${encodeURIComponent(t.id)}/${action}`, {});
      toast(`${action === 'claim' ? 'Claimed' : 'Released'} ${t.name ?? t.elementId}.`);
      hooks.changed(t.id);
    } catch (err) {
      toast(`Could not ${action}: ${errorText(err)}`, 'error');
    }
  }

  function row(t: Task): HTMLTableRowElement {
    const label = t.name ?? t.elementId;
    const sla = slaLabel(t);
    const actions = h(
      'td',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          'data-action': 'open',
          'aria-label': `Open ${label}`,
          onclick: () => {
            location.hash = `#/tasks/${encodeURIComponent(t.id)}`;
          },
        },
        'Open',
      ),
    );
    if (t.state === 'created' && !t.assignee)
      actions.append(h('button', { type: 'button', class: 'secondary', 'data-action': 'claim', 'aria-label': `Claim ${label}`, onclick: () => void act(t, 'claim') }, 'Claim'));
    if (t.state === 'created' && t.assignee === me.id)
      actions.append(
        h('button', { type: 'button', class: 'secondary', 'data-action': 'unclaim', 'aria-label': `Unclaim ${label}`, onclick: () => void act(t, 'unclaim') }, 'Unclaim'),
      );
    return h(
      'tr',
      { 'data-task-id': t.id, class: t.id === hooks.openId() ? 'selected' : '' },
      h('th', { scope: 'row' }, label),
      h('td', { class: 'subject' }, t.subject ?? '—'),
      h('td', {}, t.businessKey ?? '—'),
      h('td', {}, t.processId),
      h('td', {}, t.assignee ?? '—'),
      h('td', { class: 'priority' }, t.priority === null ? '—' : String(t.priority)),
      h('td', { class: `sla ${sla.cls}`, title: t.dueDate ? `Due ${new Date(t.dueDate).toLocaleString()}` : undefined }, sla.text),
      h('td', {}, h('span', { class: `state state-${t.state}` }, t.state)),
      actions,
    );
  }

  async function go(to: number): Promise<void> {
    page = Math.min(Math.max(1, to), pages);
    await refresh({ force: true });
    (page > 1 ? prev : next).focus();
  }

  async function refresh(options: { reset?: boolean; force?: boolean } = {}): Promise<void> {
    if (options.reset) page = 1;
    const q = hooks.query();
    if (q.limit && q.limit !== pageSize.value) pageSize.value = q.limit;
    const sort = q.sort ?? 'dueDate';
    drawHead(sort);
    if (options.force) {
      status.textContent = 'Loading tasks…';
      table.setAttribute('aria-busy', 'true');
    }
    let body: { items: Task[]; total: number; pageSize: number };
    try {
      body = await api.get(`/api/tasks${qs({ ...q, sort, limit: pageSize.value, page: String(page) })}`);
    } catch (err) {
      if (disposed) return;
      // the same error block, with its Retry, as every list that loads (loadState.ts)
      status.textContent = '';
      updated.replaceChildren(loadError('tasks', err, () => void refresh({ force: true })));
      table.removeAttribute('aria-busy');
      return;
    }
    if (disposed) return;
    table.removeAttribute('aria-busy');
    pages = Math.max(1, Math.ceil(body.total / body.pageSize));
    if (page > pages) return go(pages);
    const first = body.total ? (page - 1) * body.pageSize + 1 : 0;
    status.textContent = body.total ? `Tasks ${first}–${first + body.items.length - 1} of ${body.total}` : '';
    position.textContent = `Page ${page} of ${pages}`;
    prev.disabled = page <= 1;
    next.disabled = page >= pages;
    updated.textContent = `Updated ${new Date().toLocaleTimeString()} (refreshes every ${POLL_MS / 1000} s).`;
    const json = JSON.stringify(body) + hooks.openId() + sort;
    if (!options.force && json === lastJson) return;
    lastJson = json;
    // keep the keyboard focus on the same row's button across a redraw
    const focused = document.activeElement as HTMLElement | null;
    const focusKey = focused?.closest('tr')?.getAttribute('data-task-id') + '|' + focused?.getAttribute('data-action');
    tbody.replaceChildren(...(body.items.length ? body.items.map(row) : [h('tr', {}, h('td', { colspan: String(COLUMNS.length), class: 'muted' }, 'No tasks match.'))]));
    const [id, action] = focusKey.split('|');
    (tbody.querySelector(`tr[data-task-id="${CSS.escape(id)}"] [data-action="${CSS.escape(action)}"]`) as HTMLElement | null)?.focus();
  }

  const timer = window.setInterval(() => {
    if (!disposed && !document.hidden) void refresh();
  }, POLL_MS);

  return {
    element: h('div', { class: 'task-table-wrap' }, h('div', { class: 'table-scroll' }, table), status, pager, updated),
    refresh,
    dispose: () => {
      disposed = true;
      window.clearInterval(timer);
    },
  };
}
