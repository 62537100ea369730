/**
 * A ticket's path and history for the people who work it (the API answers an agent only for tickets
 * they may act on): the diagram with the path taken and where it waits (instancesView's viewer), and
 * the ticket's events, newest first, with who did what.
 */
import type { HistoryEvent, Instance } from '../../api/schemas';
import { h, when } from './dom';
import { instanceDiagram } from './instancesView';

/** The most recent events the ticket page lists; the auditors' pages show the whole sealed history. */
const SHOWN = 100;

export interface TicketHistory {
  el: HTMLElement;
  /** Draws the diagram once the section is in the page (the viewer measures its container). */
  draw: () => Promise<void>;
  dispose: () => void;
}

export function ticketHistory(instance: Instance, events: HistoryEvent[]): TicketHistory {
  const diagram = h('div', { class: 'viewer', id: 'ticket-diagram', role: 'figure', 'aria-label': 'Process diagram with the path taken' });
  const recent = events.slice(-SHOWN).reverse();
  const el = h(
    'section',
    { class: 'ticket-history', 'aria-labelledby': 'ticket-history-title' },
    h('h2', { id: 'ticket-history-title' }, 'Path and history'),
    diagram,
    h(
      'table',
      { class: 'data', id: 'ticket-events' },
      h('caption', { class: 'visually-hidden' }, 'History of the ticket, newest first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['When', 'Who', 'What', 'Element'].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        recent.map((e) => h('tr', { 'data-type': e.type }, h('td', {}, when(e.at)), h('td', {}, e.actor), h('td', {}, e.type), h('td', {}, e.elementId ?? ''))),
      ),
    ),
    events.length > SHOWN ? h('p', { class: 'muted' }, `The latest ${SHOWN} of ${events.length} events.`) : null,
  );
  let viewer: { destroy: () => void } | undefined;
  let disposed = false;
  return {
    el,
    draw: async () => {
      const drawn = await instanceDiagram(diagram, instance, events);
      if (disposed) drawn.destroy();
      else viewer = drawn;
    },
    dispose: () => {
      disposed = true;
      viewer?.destroy();
    },
  };
}
