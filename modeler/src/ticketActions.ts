/**
 * Ticket actions: the messages the server offers the signed-in user for an instance now
 * (`messageActions` of GET /api/process-instances/:id: customer replied, priority changed, confirm,
 * reopen...), as buttons. Each opens its small form (the form the catching element declares, else one
 * text field per variable it maps) and sends the message as the signed-in user (POST /api/messages).
 */
import type { Instance } from '../../api/schemas';
import { api } from './api';
import { h, toast } from './dom';
import { generatedForm, showForm, showRefusal, type FormPanel } from './formPanel';

type MessageAction = NonNullable<Instance['messageActions']>[number];

export interface TicketActions {
  el: HTMLElement;
  /** Whether an action's form is open (the ticket page then holds its refresh, not to lose what is typed). */
  busy: () => boolean;
  dispose: () => void;
}

export function ticketActions(actions: MessageAction[], onSent: () => void): TicketActions {
  let panel: FormPanel | undefined;
  const area = h('div', { class: 'action-panel', id: 'action-panel' });
  const close = (): void => {
    panel?.destroy();
    panel = undefined;
    area.replaceChildren();
  };
  const open = async (action: MessageAction): Promise<void> => {
    close();
    const messages = h('div', { class: 'form-messages', role: 'alert', id: 'action-messages' });
    const container = h('div', { class: 'form-container', id: 'action-form' });
    const send = h('button', { type: 'button', id: 'action-send' }, `Send “${action.label}”`);
    const cancel = h('button', { type: 'button', class: 'secondary', onclick: close }, 'Cancel');
    const form = action.form ?? (action.fields.length ? generatedForm(`${action.elementId}-generated`, action.fields) : null);
    area.replaceChildren(
      h('h3', { id: 'action-title', tabindex: '-1' }, action.label),
      form ? container : h('p', { class: 'muted' }, 'This action carries no data.'),
      messages,
      h('div', { class: 'toolbar' }, send, cancel),
    );
    const current = form ? await showForm(container, messages, form) : undefined;
    panel = current;
    send.addEventListener('click', async () => {
      const variables = current ? current.submit() : {};
      if (!variables) return;
      send.disabled = true;
      try {
        await api.post('/api/messages', { name: action.name, correlationKey: action.correlationKey, variables });
        toast(`Sent “${action.label}”.`);
        close();
        onSent();
      } catch (err) {
        send.disabled = false;
        showRefusal(messages, 'Not sent', err);
      }
    });
    // keyboard users land on the opened form (its title; focusing a form-js select would open its list)
    (area.querySelector('#action-title') as HTMLElement | null)?.focus();
  };
  const el = h(
    'section',
    { class: 'ticket-actions', 'aria-labelledby': 'actions-title' },
    h('h2', { id: 'actions-title' }, 'Actions'),
    actions.length
      ? h(
          'div',
          { class: 'toolbar', id: 'action-buttons' },
          actions.map((a) => h('button', { type: 'button', class: 'secondary', 'data-action': a.name, onclick: () => void open(a) }, a.label)),
        )
      : h('p', { class: 'muted', id: 'no-actions' }, 'Nothing to send now: the ticket waits for no message you may send.'),
    area,
  );
  return { el, busy: () => !!panel || area.childElementCount > 0, dispose: close };
}
