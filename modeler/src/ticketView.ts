/**
 * Tickets (agents, admins): #/tickets lists the active instances the user may act on (the API limits an
 * agent to those they started, have a task in or whose process grants their group); #/tickets/<id> is
 * one ticket: its state and data, its open tasks (links to the task page), its linked tickets
 * (linkedTickets.ts; an incident offers "Raise problem"), its actions (ticketActions.ts) and its path
 * and history (ticketHistory.ts). The ticket refreshes itself every few seconds and at once after an action.
 */
import './ticket.css';
import type { HistoryEvent, Instance, Task, TicketLink } from '../../api/schemas';
import { api, type Me, qs } from './api';
import { errorText, h, when } from './dom';
import { linkedTickets } from './linkedTickets';
import { ticketActions, type TicketActions } from './ticketActions';
import { ticketHistory, type TicketHistory } from './ticketHistory';

const POLL_MS = 3000;

/** What people call a ticket: its number (the business key the engine gives), else its incident id, else the instance id. */
const ticketKey = (i: Instance): string => {
  const v = i.variables as Record<string, unknown>;
  return i.businessKey ?? (typeof v.incidentId === 'string' ? v.incidentId : undefined) ?? i.id;
};
const subjectOf = (i: Instance): string => {
  const v = i.variables as Record<string, unknown>;
  return String(v.summary ?? v.title ?? v.catalogItem ?? '');
};

export function mount(main: HTMLElement, _me: Me, id?: string): { dispose: () => void } {
  return id ? showTicket(main, id) : showList(main);
}

function failure(what: string, err: unknown, retry: () => void): HTMLElement[] {
  return [h('p', { class: 'error', role: 'alert' }, `${what}: ${errorText(err)}`), h('button', { type: 'button', class: 'retry', onclick: retry }, 'Retry')];
}

function showList(main: HTMLElement): { dispose: () => void } {
  const body = h('div', { id: 'ticket-list' });
  main.append(h('h1', {}, 'Tickets'), h('p', { class: 'muted' }, 'Active tickets you may act on, newest first.'), body);
  let disposed = false;
  const load = async (): Promise<void> => {
    body.replaceChildren(h('p', { class: 'loading', role: 'status' }, 'Loading tickets…'));
    try {
      const { items } = await api.get<{ items: Instance[] }>(`/api/process-instances${qs({ state: 'active', limit: '200' })}`);
      if (disposed) return;
      if (!items.length) {
        body.replaceChildren(h('p', { class: 'muted' }, 'No active tickets. '), h('a', { href: '#/new' }, 'Create one'));
        return;
      }
      body.replaceChildren(
        h(
          'table',
          { class: 'data', id: 'ticket-table' },
          h('caption', { class: 'visually-hidden' }, 'Tickets'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Ticket', 'Process', 'Subject', 'Started by', 'Started'].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h(
            'tbody',
            {},
            [...items]
              .reverse()
              .map((i) =>
                h(
                  'tr',
                  {},
                  h('td', {}, h('a', { href: `#/tickets/${encodeURIComponent(i.id)}` }, ticketKey(i))),
                  h('td', {}, i.processId),
                  h('td', {}, subjectOf(i)),
                  h('td', {}, i.startedBy ?? '—'),
                  h('td', {}, when(i.startedAt)),
                ),
              ),
          ),
        ),
      );
    } catch (err) {
      if (!disposed) body.replaceChildren(...failure('Could not load the tickets', err, () => void load()));
    }
  };
  void load();
  return {
    dispose: () => {
      disposed = true;
    },
  };
}

function showTicket(main: HTMLElement, id: string): { dispose: () => void } {
  const title = h('h1', { id: 'ticket-title' }, 'Ticket');
  const body = h('div', { id: 'ticket-body' }, h('p', { class: 'loading', role: 'status' }, 'Loading the ticket…'));
  main.append(h('p', {}, h('a', { href: '#/tickets' }, '← All tickets')), title, body);
  let disposed = false;
  let actions: TicketActions | undefined;
  let history: TicketHistory | undefined;
  let shown = '';
  // one list for the page's lifetime: what is typed in its link form survives the refreshes
  const links = linkedTickets(
    id,
    (other) => `#/tickets/${encodeURIComponent(other)}`,
    true,
    () => void load(true),
  );
  const load = async (force = false): Promise<void> => {
    if (!force && (actions?.busy() || links.busy())) return; // a form is being filled in: keep what is typed
    try {
      const [instance, tasks, { events }, linked] = await Promise.all([
        api.get<Instance>(`/api/process-instances/${encodeURIComponent(id)}`),
        api.get<{ items: Task[] }>(`/api/tasks${qs({ processInstanceId: id, state: 'created' })}`),
        api.get<{ events: HistoryEvent[] }>(`/api/process-instances/${encodeURIComponent(id)}/history`),
        api.get<{ items: TicketLink[] }>(`/api/process-instances/${encodeURIComponent(id)}/links`),
      ]);
      const json = JSON.stringify([instance, tasks.items, events.length, linked.items]);
      if (disposed || (json === shown && !force)) return;
      shown = json;
      actions?.dispose();
      actions = ticketActions(instance.messageActions ?? [], () => void load(true));
      title.textContent = `${instance.processId} ${ticketKey(instance)}`;
      history?.dispose();
      history = ticketHistory(instance, events);
      links.show(linked.items);
      body.replaceChildren(h('div', { class: 'ticket-layout' }, details(instance, tasks.items, links.el), actions.el), history.el);
      await history.draw();
    } catch (err) {
      if (!disposed && !shown) body.replaceChildren(...failure('Could not load the ticket', err, () => void load(true)));
    }
  };
  const timer = window.setInterval(() => {
    if (!disposed && !document.hidden) void load();
  }, POLL_MS);
  void load(true);
  return {
    dispose: () => {
      disposed = true;
      window.clearInterval(timer);
      actions?.dispose();
      history?.dispose();
    },
  };
}

function details(instance: Instance, tasks: Task[], links: HTMLElement): HTMLElement {
  const variables = Object.entries(instance.variables as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
  return h(
    'div',
    { class: 'ticket-details' },
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'State'),
      h('dd', { id: 'ticket-state' }, h('span', { class: `state state-${instance.state}` }, instance.state)),
      h('dt', {}, 'Subject'),
      h('dd', { id: 'ticket-subject' }, subjectOf(instance) || '—'),
      h('dt', {}, 'Started by'),
      h('dd', {}, instance.startedBy ?? '—'),
      h('dt', {}, 'Started'),
      h('dd', {}, when(instance.startedAt)),
      h('dt', {}, 'Now at'),
      h('dd', { id: 'ticket-active' }, instance.activeElements.join(', ') || '—'),
    ),
    h(
      'section',
      { 'aria-labelledby': 'ticket-tasks-title' },
      h('h2', { id: 'ticket-tasks-title' }, 'Open tasks'),
      tasks.length
        ? h(
            'ul',
            { id: 'ticket-tasks' },
            tasks.map((t) =>
              h(
                'li',
                {},
                h('a', { href: `#/tasks/${encodeURIComponent(t.id)}`, 'data-element': t.elementId }, t.name ?? t.elementId),
                ` (${t.assignee ?? t.candidateGroups?.join(', ') ?? ''})`,
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'None.'),
    ),
    links,
    // a recurring or unexplained incident: its problem is raised from it and linked to it
    instance.processId === 'incident'
      ? h('p', {}, h('a', { class: 'button secondary', id: 'raise-problem', href: `#/new/problem/from/${encodeURIComponent(instance.id)}` }, 'Raise problem'))
      : '',
    h(
      'details',
      { class: 'ticket-variables' },
      h('summary', {}, `Data (${variables.length} variables)`),
      h(
        'table',
        { class: 'data', id: 'ticket-variables' },
        h('caption', { class: 'visually-hidden' }, 'Variables'),
        h(
          'tbody',
          {},
          variables.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, typeof v === 'string' ? v : JSON.stringify(v)))),
        ),
      ),
    ),
  );
}
