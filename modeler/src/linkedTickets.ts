/**
 * "Linked tickets" of a ticket or an instance (GET /api/process-instances/:id/links): the problem an
 * incident raised, the change that fixes a problem, and links agents made, each a link to the other
 * ticket. Agents and admins may link another ticket by its number (POST .../links; the server checks
 * that they may act on both tickets and records the link in both histories).
 */
import type { Instance, TicketLink } from '../../api/schemas';
import { api, qs } from './api';
import { errorText, h, toast } from './dom';

/** How a link reads from the ticket shown: "raised INC0000001" / "raised from", "caused by"... */
const LABELS: Record<TicketLink['kind'], { to: string; from: string }> = {
  raised: { to: 'raised', from: 'raised from' },
  related: { to: 'related to', from: 'related to' },
  'caused-by': { to: 'caused by', from: 'causes' },
  'fixed-by': { to: 'fixed by', from: 'fixes' },
};

export interface LinkedTickets {
  el: HTMLElement;
  /** Shows these links (the caller fetched them with the rest of the page). */
  show(links: TicketLink[]): void;
  /** Something is typed in the link form: a refresh must not be taken for a reason to rebuild the page. */
  busy(): boolean;
}

/** `href` opens another ticket in the same view; `canLink` shows the form that links one by its number. */
export function linkedTickets(instanceId: string, href: (id: string) => string, canLink: boolean, onLinked: () => void): LinkedTickets {
  const list = h('div', { id: 'linked-tickets' });
  const el = h('section', { 'aria-labelledby': 'linked-tickets-title', class: 'linked-tickets' }, h('h2', { id: 'linked-tickets-title' }, 'Linked tickets'), list);
  const number = h('input', { id: 'link-ticket-number', type: 'text', autocomplete: 'off', placeholder: 'e.g. PRB0000001' });
  if (canLink) el.append(linkForm(instanceId, number, onLinked));
  return {
    el,
    show(links) {
      list.replaceChildren(
        links.length
          ? h(
              'ul',
              {},
              links.map((l) =>
                h(
                  'li',
                  { 'data-link-kind': l.kind },
                  `${LABELS[l.kind][l.direction]} `,
                  // the server leaves out the process of a ticket the user may not see: its number, no link
                  l.processId
                    ? h('a', { href: href(l.instanceId), 'data-linked-id': l.instanceId }, l.businessKey ?? l.instanceId)
                    : h('span', { 'data-linked-id': l.instanceId }, l.businessKey ?? l.instanceId),
                  h('span', { class: 'muted' }, l.processId ? ` ${l.processId}, ${l.state}` : ' (not a ticket of yours)'),
                ),
              ),
            )
          : h('p', { class: 'muted' }, 'None.'),
      );
    },
    busy: () => number.value.trim() !== '',
  };
}

function linkForm(instanceId: string, number: HTMLInputElement, onLinked: () => void): HTMLElement {
  const kind = h(
    'select',
    { id: 'link-ticket-kind' },
    h('option', { value: 'related' }, 'related to'),
    h('option', { value: 'caused-by' }, 'caused by'),
    h('option', { value: 'fixed-by' }, 'fixed by'),
  );
  const message = h('p', { class: 'form-messages', role: 'alert', id: 'link-ticket-messages' });
  const button = h('button', { type: 'submit', class: 'secondary', id: 'link-ticket-submit' }, 'Link');
  const form = h(
    'form',
    { class: 'link-ticket' },
    h('div', { class: 'field' }, h('label', { for: kind.id }, 'This ticket is'), kind),
    h('div', { class: 'field' }, h('label', { for: number.id }, 'Ticket number'), number),
    button,
    message,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const key = number.value.trim();
    if (!key) return;
    message.replaceChildren();
    button.disabled = true;
    try {
      // ticket numbers are business keys: the ones the user may see are found by the instance search
      const { items } = await api.get<{ items: Instance[] }>(`/api/process-instances${qs({ businessKey: key, limit: '2' })}`);
      if (items.length !== 1) {
        message.textContent = items.length ? `${key} names more than one ticket.` : `No ticket ${key} that you may see.`;
        return;
      }
      await api.post(`/api/process-instances/${encodeURIComponent(instanceId)}/links`, { targetId: items[0].id, kind: kind.value });
      number.value = '';
      toast(`Linked ${key}.`);
      onLinked();
    } catch (err) {
      message.textContent = `Could not link ${key}: ${errorText(err)}`;
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
