/**
 * Tasks (agents; admins too): the filtered, sorted, paged task list with saved views on the left
 * (taskFilters.ts, taskList.ts), the open task on the right (taskPage.ts).
 */
import './tasks.css';
import type { Me } from './api';
import { h } from './dom';
import { tasksChanged } from './taskBadge';
import { DEFAULT_QUERY, filterBar, savedViews, type TaskQuery } from './taskFilters';
import { taskList } from './taskList';
import { taskPage } from './taskPage';

/** The filters and sort of the list, kept while the app runs: opening a task (a new route) keeps them. */
let kept: { user: string; query: TaskQuery } | undefined;

export function mount(main: HTMLElement, me: Me, openId?: string): { dispose: () => void } {
  let query: TaskQuery = kept?.user === me.id ? kept.query : { ...DEFAULT_QUERY };
  let open = openId;
  const detail = h('section', { class: 'task-detail', id: 'task-detail', 'aria-labelledby': 'task-detail-title' });
  const keep = (): void => {
    kept = { user: me.id, query };
  };
  const changed = (id?: string): void => {
    void list.refresh({ force: true });
    if (id && id === open) void page.open(id);
    tasksChanged();
  };
  const filters = filterBar(me, (f) => {
    query = { ...f, sort: query.sort, limit: query.limit };
    keep();
    void list.refresh({ reset: true, force: true });
  });
  const list = taskList(me, {
    query: () => query,
    update: (patch) => {
      query = { ...query, ...patch };
      keep();
      void list.refresh({ reset: true, force: true });
    },
    openId: () => open,
    changed,
  });
  const views = savedViews(
    () => query,
    (q) => {
      query = { ...DEFAULT_QUERY, ...Object.fromEntries(Object.entries(q).map(([k, v]) => [k, String(v)])) };
      keep();
      filters.set(query);
      void list.refresh({ reset: true, force: true });
    },
  );
  const page = taskPage(me, detail, {
    changed: () => changed(),
    closed: () => {
      open = undefined;
      history.replaceState(null, '', '#/tasks');
    },
  });
  main.append(
    h(
      'div',
      { class: 'split' },
      h('section', { class: 'task-list', 'aria-labelledby': 'tasks-title' }, h('h1', { id: 'tasks-title' }, 'Tasks'), filters.element, views, list.element),
      detail,
    ),
  );
  filters.set(query);
  void list.refresh({ force: true });
  if (openId) void page.open(openId);
  else page.clear();
  return {
    dispose: () => {
      list.dispose();
      page.dispose();
    },
  };
}
