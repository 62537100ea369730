/**
 * New ticket (#/new): what the signed-in user may start (GET /api/startable-processes: New incident,
 * change, request and any other process open to them), and #/new/<processId>: its start form. Creating
 * starts the instance with the form's data (POST /api/process-instances; the server checks it against the
 * process's variable schema and records the signed-in user as starter) and links to the new ticket.
 * #/new/<processId>/from/<instanceId> raises it from another ticket (a problem from an incident): the
 * server links the two (`raisedFrom`).
 */
import './ticket.css';
import type { Instance, StartableProcess } from '../../api/schemas';
import { api, type Me } from './api';
import { errorText, h, toast } from './dom';
import { showForm, showRefusal, type FormPanel } from './formPanel';

const SHIPPED = ['incident', 'change', 'request', 'problem'];

const newLabel = (p: StartableProcess): string => (SHIPPED.includes(p.processId) ? `New ${p.processId}` : `New ${p.name ?? p.processId}`);

export function mount(main: HTMLElement, _me: Me, route?: string): { dispose: () => void } {
  const [processId, raisedFrom] = (route ?? '').split('/from/') as [string, string | undefined];
  let panel: FormPanel | undefined;
  let disposed = false;
  const body = h('div', { id: 'new-ticket' });
  main.append(h('h1', {}, 'New ticket'), body);
  const load = async (): Promise<void> => {
    body.replaceChildren(h('p', { class: 'loading', role: 'status' }, 'Loading what you may start…'));
    let items: StartableProcess[];
    try {
      items = (await api.get<{ items: StartableProcess[] }>('/api/startable-processes')).items;
    } catch (err) {
      if (disposed) return;
      body.replaceChildren(
        h('p', { class: 'error', role: 'alert' }, `Could not load what you may start: ${errorText(err)}`),
        h('button', { type: 'button', id: 'new-retry', onclick: () => void load() }, 'Retry'),
      );
      return;
    }
    if (disposed) return;
    const chosen = processId ? items.find((p) => p.processId === processId) : undefined;
    if (!processId) body.replaceChildren(menu(items));
    else if (!chosen)
      body.replaceChildren(
        h('p', { class: 'error', role: 'alert' }, `You may not start ${processId}, or it is not deployed.`),
        h('a', { href: '#/new' }, 'Everything you may start'),
      );
    else panel = await startForm(body, chosen, () => disposed, raisedFrom);
  };
  void load();
  return {
    dispose: () => {
      disposed = true;
      panel?.destroy();
    },
  };
}

/** The New menu: the shipped ticket kinds first, then the other processes by id. */
function menu(items: StartableProcess[]): HTMLElement {
  if (!items.length) return h('p', { class: 'muted' }, 'There is nothing you may start.');
  const rank = (p: StartableProcess): number => (SHIPPED.includes(p.processId) ? SHIPPED.indexOf(p.processId) : SHIPPED.length);
  const sorted = [...items].sort((a, b) => rank(a) - rank(b) || a.processId.localeCompare(b.processId));
  return h(
    'ul',
    { class: 'new-menu', id: 'new-menu' },
    sorted.map((p) =>
      h(
        'li',
        {},
        h('a', { class: 'button', href: `#/new/${encodeURIComponent(p.processId)}`, 'data-process': p.processId }, newLabel(p)),
        h('span', { class: 'muted' }, ` ${p.name ?? p.processId} (version ${p.version})${p.form ? '' : ', no start form'}`),
      ),
    ),
  );
}

/** The start form of one process and its Create button; after creation, the new ticket and a link to it. */
async function startForm(body: HTMLElement, p: StartableProcess, gone: () => boolean, raisedFrom?: string): Promise<FormPanel | undefined> {
  const messages = h('div', { class: 'form-messages', role: 'alert', id: 'start-messages' });
  const container = h('div', { class: 'form-container', id: 'start-form' });
  const create = h('button', { type: 'button', id: 'start-submit' }, 'Create');
  body.replaceChildren(
    h('p', {}, h('a', { href: '#/new' }, '← Everything you may start')),
    h('h2', { id: 'start-title' }, newLabel(p)),
    raisedFrom ? h('p', { id: 'start-raised-from' }, 'Raised from ', h('a', { href: `#/tickets/${encodeURIComponent(raisedFrom)}` }, 'this ticket'), ': the two are linked.') : '',
    p.form ? container : h('p', { class: 'muted' }, 'This process asks for nothing at start.'),
    messages,
    h('div', { class: 'toolbar' }, create),
  );
  const panel = p.form ? await showForm(container, messages, p.form) : undefined;
  create.addEventListener('click', async () => {
    const variables = panel ? panel.submit() : {};
    if (!variables) return;
    create.disabled = true;
    try {
      const instance = await api.post<Instance>('/api/process-instances', { processId: p.processId, variables, ...(raisedFrom ? { raisedFrom } : {}) });
      if (gone()) return;
      const ticket = instance.businessKey ?? instance.id;
      body.replaceChildren(
        h('h2', {}, newLabel(p)),
        h('p', { class: 'success', id: 'start-done', role: 'status' }, `Created ${p.name ?? p.processId} ${ticket}.`),
        h(
          'p',
          {},
          h('a', { href: `#/tickets/${encodeURIComponent(instance.id)}`, id: 'start-ticket-link' }, `Open ticket ${ticket}`),
          ' · ',
          h('a', { href: '#/new' }, 'Create another'),
        ),
      );
      toast(`Created ${ticket}.`);
    } catch (err) {
      create.disabled = false;
      showRefusal(messages, 'Could not create it', err);
    }
  });
  return panel;
}
