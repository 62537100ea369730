/**
 * The task list's filters (state, process, priority, candidate group, assignee, due window, free text
 * over subject and business key) and the user's saved views, stored server-side (GET/POST/DELETE
 * /api/task-views): choosing a view restores its filters and sort.
 */
import type { TaskView } from '../../api/schemas';
import { api, type Me } from './api';
import { errorText, h, toast } from './dom';

/** The list's query as the API takes it (GET /api/tasks) and a saved view keeps it. */
export type TaskQuery = Partial<Record<'state' | 'processId' | 'priority' | 'candidateGroup' | 'assignee' | 'due' | 'q' | 'sort' | 'limit', string>>;

export const DEFAULT_QUERY: TaskQuery = { state: 'created', sort: 'dueDate', limit: '50' };
const FILTER_KEYS = ['state', 'processId', 'priority', 'candidateGroup', 'assignee', 'due', 'q'] as const;

const field = (id: string, label: string, control: HTMLElement) => h('div', { class: 'field' }, h('label', { for: id }, label), control);
const select = (id: string, options: [string, string][]) =>
  h(
    'select',
    { id },
    options.map(([value, text]) => h('option', { value }, text)),
  );

export interface FilterBar {
  element: HTMLElement;
  /** Shows a query's filters (a saved view chosen). */
  set(q: TaskQuery): void;
}

/** The filter controls; `changed` gets the filters whenever one changes (text: after typing stops). */
export function filterBar(me: Me, changed: (filters: TaskQuery) => void): FilterBar {
  const controls = {
    state: select('filter-state', [
      ['created', 'Open'],
      ['completed', 'Completed'],
      ['canceled', 'Canceled'],
    ]),
    processId: select('filter-process', [['', 'Any process']]),
    priority: h('input', { id: 'filter-priority', type: 'number', min: '0', max: '1000', inputmode: 'numeric', class: 'narrow' }),
    candidateGroup: h('input', { id: 'filter-group', type: 'text', list: 'filter-group-options', autocomplete: 'off', class: 'narrow' }),
    assignee: select('filter-assignee', [
      ['', 'Anyone'],
      [me.id, 'Me'],
    ]),
    due: select('filter-due', [
      ['', 'Any time'],
      ['overdue', 'Overdue'],
      ['day', 'Due within a day'],
      ['week', 'Due within a week'],
    ]),
    q: h('input', { id: 'filter-text', type: 'search', autocomplete: 'off', placeholder: 'Subject or ticket number' }),
  };
  const groups = h(
    'datalist',
    { id: 'filter-group-options' },
    me.groups.map((g) => h('option', { value: g })),
  );
  const read = (): TaskQuery => {
    const q: TaskQuery = {};
    for (const k of FILTER_KEYS) if (controls[k].value.trim()) q[k] = controls[k].value.trim();
    return q;
  };
  let typing: number | undefined;
  for (const k of FILTER_KEYS) {
    const c = controls[k];
    if (k === 'q' || k === 'priority' || k === 'candidateGroup') {
      c.addEventListener('input', () => {
        window.clearTimeout(typing);
        typing = window.setTimeout(() => changed(read()), 300);
      });
    } else c.addEventListener('change', () => changed(read()));
  }
  void api
    .get<{ items: { processId: string; name: string | null }[] }>('/api/processes')
    .then(({ items }) => controls.processId.append(...items.map((p) => h('option', { value: p.processId }, p.name ? `${p.name} (${p.processId})` : p.processId))))
    .catch(() => undefined); // the filter still works without the names: "Any process"
  const element = h(
    'div',
    { class: 'filters', role: 'search', 'aria-label': 'Filter tasks' },
    field('filter-state', 'State', controls.state),
    field('filter-process', 'Process', controls.processId),
    field('filter-priority', 'Priority', controls.priority),
    field('filter-group', 'Candidate group', controls.candidateGroup),
    groups,
    field('filter-assignee', 'Assignee', controls.assignee),
    field('filter-due', 'Due', controls.due),
    field('filter-text', 'Search', controls.q),
  );
  return {
    element,
    set(q) {
      for (const k of FILTER_KEYS) {
        const c = controls[k];
        if (c instanceof HTMLSelectElement && q[k] && ![...c.options].some((o) => o.value === q[k])) c.append(h('option', { value: q[k]! }, q[k]!));
        c.value = q[k] ?? (k === 'state' ? 'created' : '');
      }
    },
  };
}

/** The saved views: choose one, save the current filters and sort under a name, delete the chosen one. */
export function savedViews(current: () => TaskQuery, apply: (q: TaskQuery) => void): HTMLElement {
  let views: TaskView[] = [];
  const choose = h('select', { id: 'saved-view' }, h('option', { value: '' }, '—'));
  const status = h('span', { class: 'muted', id: 'saved-views-status', role: 'status' });
  const name = h('input', { id: 'view-name', type: 'text', maxlength: '255', autocomplete: 'off', class: 'narrow' });
  const save = h('button', { type: 'button', class: 'secondary', id: 'save-view' }, 'Save view');
  const remove = h('button', { type: 'button', class: 'secondary', id: 'delete-view', disabled: true }, 'Delete view');
  const retry = h('button', { type: 'button', class: 'secondary', id: 'saved-views-retry', hidden: true }, 'Retry');

  async function load(select?: string): Promise<void> {
    status.textContent = 'Loading views…';
    retry.hidden = true;
    try {
      views = (await api.get<{ items: TaskView[] }>('/api/task-views')).items;
      choose.replaceChildren(h('option', { value: '' }, views.length ? '— choose a view —' : 'No saved views'), ...views.map((v) => h('option', { value: v.id }, v.name)));
      choose.value = select ?? '';
      remove.disabled = !choose.value;
      status.textContent = '';
    } catch (err) {
      status.textContent = `Could not load your views: ${errorText(err)}`;
      retry.hidden = false;
    }
  }
  choose.addEventListener('change', () => {
    remove.disabled = !choose.value;
    const view = views.find((v) => v.id === choose.value);
    if (view) apply(view.query as TaskQuery);
  });
  save.addEventListener('click', async () => {
    if (!name.value.trim()) {
      toast('Give the view a name.', 'error');
      name.focus();
      return;
    }
    try {
      const query = Object.fromEntries(Object.entries(current()).map(([k, v]) => [k, k === 'priority' || k === 'limit' ? Number(v) : v]));
      const view = await api.post<TaskView>('/api/task-views', { name: name.value.trim(), query });
      toast(`Saved the view “${view.name}”.`);
      name.value = '';
      await load(view.id);
    } catch (err) {
      toast(`Could not save the view: ${errorText(err)}`, 'error');
    }
  });
  remove.addEventListener('click', async () => {
    const view = views.find((v) => v.id === choose.value);
    if (!view) return;
    try {
      await api.delete(`/api/task-views/${encodeURIComponent(view.id)}`);
      toast(`Deleted the view “${view.name}”.`);
      await load();
    } catch (err) {
      toast(`Could not delete the view: ${errorText(err)}`, 'error');
    }
  });
  retry.addEventListener('click', () => void load());
  void load();
  return h('div', { class: 'filters saved-views' }, field('saved-view', 'Saved view', choose), remove, field('view-name', 'Name for the current view', name), save, status, retry);
}
