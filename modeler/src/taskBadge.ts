/**
 * The count of open tasks for me and my groups beside "Tasks" in the navigation (GET /api/tasks with
 * mine=true: the total, one row read). Updated when the navigation is drawn and when a page changes
 * tasks (the event `processdesk:tasks-changed`).
 */
import { api } from './api';
import { h } from './dom';

const CHANGED = 'processdesk:tasks-changed';

export function tasksChanged(): void {
  window.dispatchEvent(new Event(CHANGED));
}

let current: { link: HTMLElement; seq: number } | undefined;

const badgeOf = (link: HTMLElement): Element | null | undefined => link.parentElement?.querySelector('.nav-badge');

async function update(): Promise<void> {
  if (!current) return;
  const target = current;
  const seq = ++target.seq;
  try {
    const { total } = await api.get<{ total: number }>('/api/tasks?state=created&mine=true&limit=1');
    if (seq !== target.seq || current !== target) return;
    badgeOf(target.link)?.remove();
    target.link.setAttribute('aria-label', `Tasks, ${total} open for you and your groups`);
    // beside the link, not in it: the link's text stays "Tasks"; its label says the count
    if (total > 0) target.link.after(h('span', { class: 'nav-badge', id: 'tasks-badge', 'aria-hidden': 'true' }, total > 999 ? '999+' : String(total)));
  } catch {
    // no count is better than a wrong one; the Tasks page says what went wrong
    badgeOf(target.link)?.remove();
  }
}

/** Shows the badge on the navigation's Tasks link (drawn anew on each navigation). */
export function showTaskBadge(link: HTMLElement): void {
  current = { link, seq: 0 };
  void update();
}

window.addEventListener(CHANGED, () => void update());
