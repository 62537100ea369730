/**
 * The change calendar (admins and the agents of group change-managers): a week of planned changes
 * (GET /api/change-calendar), each with its window, configuration item, type, risk, implementer and
 * whether it waits for its start, and the blackouts in that week. Previous and next week move the
 * range; the change opens as its ticket.
 */
import type { ChangeCalendar } from '../../api/schemas';
import { api, type Me } from './api';
import { h, when } from './dom';
import { loadInto } from './loadState';

const DAY = 86_400_000;

/** Midnight (local time) of today: the first day shown. */
function today(): number {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

type Change = ChangeCalendar['changes'][number];

function stage(c: Change): string {
  if (c.activeElements.includes('WaitForPlannedStart')) return 'waiting for its start';
  if (c.activeElements.includes('ImplementChange')) return 'being implemented';
  return c.activeElements.join(', ') || '—';
}

export function mount(main: HTMLElement, _me: Me): { dispose: () => void } {
  let from = today();
  const range = h('p', { id: 'calendar-range', class: 'muted', 'aria-live': 'polite' });
  const box = h('div', { id: 'change-calendar' });

  const row = (c: Change): HTMLElement =>
    h(
      'tr',
      { 'data-instance-id': c.instanceId },
      h('td', {}, h('time', { datetime: c.plannedStart }, when(c.plannedStart))),
      h('td', {}, h('time', { datetime: c.plannedEnd }, when(c.plannedEnd))),
      h('th', { scope: 'row' }, h('a', { href: `#/tickets/${encodeURIComponent(c.instanceId)}` }, c.title ?? c.instanceId)),
      h('td', {}, c.configurationItem ?? '—'),
      h('td', {}, c.changeType ?? '—'),
      h('td', {}, c.riskLevel ?? '—'),
      h('td', {}, c.implementer ?? '—'),
      h('td', {}, stage(c), c.overridden ? h('span', { class: 'badge override', title: 'scheduled over a blackout or another change (emergency override)' }, ' override') : null),
    );

  const render = (cal: ChangeCalendar): Node[] => {
    const blackouts = cal.blackouts.length
      ? h(
          'section',
          { 'aria-labelledby': 'blackouts-title', class: 'blackouts' },
          h('h2', { id: 'blackouts-title' }, 'Blackouts'),
          h(
            'ul',
            {},
            cal.blackouts.map((b) => h('li', {}, h('time', { datetime: b.from }, when(b.from)), ' – ', h('time', { datetime: b.to }, when(b.to)), `: ${b.reason}`)),
          ),
        )
      : h('p', { class: 'muted', id: 'no-blackouts' }, 'No blackout this week.');
    const changes = cal.changes.length
      ? h(
          'table',
          { class: 'data compact', id: 'planned-changes' },
          h('caption', { class: 'visually-hidden' }, 'Planned changes'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Start', 'End', 'Change', 'Configuration item', 'Type', 'Risk', 'Implementer', 'Status'].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h('tbody', {}, cal.changes.map(row)),
        )
      : h('p', { class: 'muted', id: 'no-changes' }, 'No change planned this week.');
    const truncated = cal.truncated ? h('p', { class: 'error', role: 'alert' }, 'There are more open changes than the server reads: some are missing.') : null;
    return [blackouts, h('h2', {}, 'Planned changes'), changes, truncated].filter((n): n is HTMLElement => n !== null);
  };

  const load = (): Promise<void> => {
    const to = from + 7 * DAY;
    range.textContent = `${new Date(from).toLocaleDateString()} – ${new Date(to - 1).toLocaleDateString()}`;
    const q = new URLSearchParams({ from: new Date(from).toISOString(), to: new Date(to).toISOString() });
    return loadInto(box, () => api.get<ChangeCalendar>(`/api/change-calendar?${q}`), render, { what: 'the change calendar' });
  };
  const move = (days: number): void => {
    from = days === 0 ? today() : from + days * DAY;
    void load();
  };

  main.append(
    h(
      'section',
      { 'aria-labelledby': 'calendar-title' },
      h('h1', { id: 'calendar-title' }, 'Change calendar'),
      h(
        'div',
        { class: 'toolbar', role: 'toolbar', 'aria-label': 'Week' },
        h('button', { type: 'button', class: 'secondary', id: 'previous-week', onclick: () => move(-7) }, 'Previous week'),
        h('button', { type: 'button', class: 'secondary', id: 'this-week', onclick: () => move(0) }, 'This week'),
        h('button', { type: 'button', class: 'secondary', id: 'next-week', onclick: () => move(7) }, 'Next week'),
      ),
      range,
      box,
    ),
  );
  void load();
  return { dispose: () => undefined };
}
