/**
 * The open task: what it is about (key variables, SLA, a link to the instance's diagram and history),
 * its form and completion, delegation and assignment to a user picked from the directory, work notes and
 * attachments. After a failed completion (someone else completed it: 409, or the values were refused)
 * the task's state is loaded again, so the page shows what is true now.
 */
import '@bpmn-io/form-js/dist/assets/form-js.css';
import { Form } from '@bpmn-io/form-js';
import type { TaskDetail } from '../../api/schemas';
import { api, ApiError, can, type Me } from './api';
import { errorText, h, toast, when } from './dom';
import { submitted } from './formPanel';
import { slaLabel } from './sla';
import { attachmentsSection, notesSection } from './taskNotes';

/** Variables worth a line on the task page when the instance has them, with their labels. */
const KEY_VARIABLES: [string, string][] = [
  ['requester', 'Requester'],
  ['category', 'Category'],
  ['impact', 'Impact'],
  ['urgency', 'Urgency'],
  ['service', 'Service'],
];

export interface TaskPageHooks {
  /** The task changed (completed, delegated): the list and the badge refresh. */
  changed: () => void;
  /** The page closed the task (completed, delegated away). */
  closed: () => void;
}

export interface TaskPage {
  open(id: string, notice?: string): Promise<void>;
  /** Clears the page with a message (or the prompt to open a task). */
  clear(message?: HTMLElement): void;
  dispose(): void;
}

const text = (v: unknown): string => (v === null || v === undefined || v === '' ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export function taskPage(me: Me, detail: HTMLElement, hooks: TaskPageHooks): TaskPage {
  /** The form-js Form of the open task (form-js's types do not cover what is called here). */
  let form: any;
  let seq = 0;
  const title = (t: string) => h('h2', { id: 'task-detail-title' }, t);

  function clear(message?: HTMLElement): void {
    form?.destroy();
    form = undefined;
    detail.replaceChildren(title('Task'), message ?? h('p', { class: 'muted' }, 'Open a task to see its form.'));
  }

  function facts(task: TaskDetail): HTMLElement {
    const vars = (task.variables ?? {}) as Record<string, unknown>;
    const sla = slaLabel(task);
    const rows: [string, string | Node, string?][] = [
      ['Subject', text(task.subject), 'task-subject'],
      [
        'Ticket',
        // the ticket page: its actions (customer replied, priority...), diagram and history, open to the agents who work it
        can.work(me) ? h('a', { href: `#/tickets/${encodeURIComponent(task.processInstanceId)}`, id: 'task-ticket-link' }, text(task.businessKey)) : text(task.businessKey),
        'task-business-key',
      ],
      ['Priority', text(task.priority), 'task-priority'],
      ...KEY_VARIABLES.filter(([k]) => vars[k] !== undefined && vars[k] !== null).map(([k, label]): [string, string] => [label, text(vars[k])]),
      ['State', task.state, 'task-state'],
      ['Assignee', text(task.assignee), 'task-assignee'],
      ['Due', task.dueDate ? `${when(task.dueDate)} (${sla.text})` : sla.text, 'task-sla'],
      [
        'Instance',
        can.instances(me)
          ? h('a', { href: `#/instances/${encodeURIComponent(task.processInstanceId)}`, id: 'task-instance-link' }, `${task.processId} · diagram and history`)
          : `${task.processId} / ${task.processInstanceId}`,
      ],
    ];
    return h(
      'dl',
      { class: 'facts', id: 'task-facts' },
      rows.flatMap(([dt, dd, id]) => [h('dt', {}, dt), h('dd', { id }, dd)]),
    );
  }

  /**
   * A user picked from the directory's users who work tasks: the assignee (or an admin) delegates the
   * task to a substitute; an admin assigns an unassigned task. The server refuses unknown users (400).
   */
  function userPicker(task: TaskDetail, mode: 'delegate' | 'assign'): HTMLElement {
    const label = mode === 'delegate' ? 'Delegate to a substitute' : 'Assign to';
    const picker = h('select', { id: `${mode}-to`, disabled: true }, h('option', { value: '' }, 'Loading users…'));
    const button = h('button', { type: 'button', class: 'secondary', id: `${mode}-task`, disabled: true }, mode === 'delegate' ? 'Delegate' : 'Assign');
    const status = h('span', { class: 'muted', role: 'status' });
    void api
      .get<{ items: { id: string; groups: string[] }[] }>('/api/users/assignable')
      .then(({ items }) => {
        const others = items.filter((u) => u.id !== task.assignee);
        picker.replaceChildren(
          h('option', { value: '' }, mode === 'delegate' ? '— choose a substitute —' : '— choose a user —'),
          ...others.map((u) => h('option', { value: u.id }, u.groups.length ? `${u.id} (${u.groups.join(', ')})` : u.id)),
        );
        picker.disabled = button.disabled = false;
      })
      .catch((err) => {
        picker.replaceChildren(h('option', { value: '' }, 'Users unavailable'));
        status.textContent = `Could not load users: ${errorText(err)}`;
      });
    button.addEventListener('click', async () => {
      const to = picker.value;
      if (!to) return toast('Choose the user first.', 'error');
      const what = task.name ?? task.elementId;
      try {
        if (mode === 'assign') {
          await api.post(`/api/tasks/${encodeURIComponent(task.id)}/claim`, { assignee: to });
          toast(`Assigned ${what} to ${to}.`);
          hooks.changed();
          return open(task.id);
        }
        await api.post(`/api/tasks/${encodeURIComponent(task.id)}/delegate`, { to });
        toast(`Delegated ${what} to ${to}.`);
        // the task is the substitute's now, and may no longer be visible to the one who handed it on
        clear(h('p', { class: 'success', id: 'task-delegated' }, `Delegated “${what}” to ${to}.`));
        hooks.closed();
        hooks.changed();
      } catch (err) {
        toast(`Could not ${mode}: ${errorText(err)}`, 'error');
      }
    });
    return h('div', { class: 'field delegate' }, h('label', { for: `${mode}-to` }, label), picker, button, status);
  }

  async function open(id: string, notice?: string): Promise<void> {
    const mine = ++seq;
    form?.destroy();
    form = undefined;
    detail.replaceChildren(title('Task'), h('p', { role: 'status' }, 'Loading…'));
    let task: TaskDetail;
    try {
      task = await api.get<TaskDetail>(`/api/tasks/${encodeURIComponent(id)}`);
    } catch (err) {
      if (mine !== seq) return;
      const retry = h('button', { type: 'button', class: 'secondary', id: 'task-retry', onclick: () => void open(id, notice) }, 'Retry');
      detail.replaceChildren(title('Task'), h('p', { class: 'error', role: 'alert' }, errorText(err)), retry);
      return;
    }
    if (mine !== seq) return;
    const messages = h('div', { class: 'form-messages', role: 'alert', id: 'form-messages' }, notice ? h('p', { class: 'error' }, notice) : '');
    const container = h('div', { class: 'form-container', id: 'task-form' });
    const variablesArea = h('textarea', { id: 'task-variables', rows: '6', spellcheck: 'false' }, '{}');
    const isOpen = task.state === 'created';
    const excluded = task.excludedUsers?.find((e) => e.user === me.id);
    const mayAct = isOpen && !excluded && (!task.assignee || task.assignee === me.id || me.roles.includes('admin'));
    const mayWork = can.work(me);
    const completeBtn = h('button', { type: 'button', id: 'complete-task', disabled: !mayAct }, 'Complete');
    detail.replaceChildren(
      title(task.name ?? task.elementId),
      facts(task),
      excluded && isOpen
        ? h(
            'p',
            { class: 'error', id: 'task-segregation' },
            `Segregation of duties: you are the ${excluded.role} here, so you may not complete this task. Delegate it to a substitute if it is assigned to you.`,
          )
        : '',
      task.form ? container : isOpen ? h('div', { class: 'field' }, h('label', { for: 'task-variables' }, 'Variables to complete with (JSON)'), variablesArea) : '',
      messages,
      isOpen ? completeBtn : h('p', { class: 'muted', id: 'task-closed' }, `This task is ${task.state}.`),
      isOpen && task.assignee && (task.assignee === me.id || me.roles.includes('admin')) ? userPicker(task, 'delegate') : '',
      isOpen && !task.assignee && me.roles.includes('admin') ? userPicker(task, 'assign') : '',
      notesSection(task.id, mayWork),
      attachmentsSection(task.id, mayWork),
    );
    if (task.form) {
      form = new Form({ container });
      try {
        await form.importSchema(task.form, task.variables ?? {});
        if (!isOpen) form.setProperty?.('readOnly', true);
      } catch (err) {
        messages.textContent = `The form could not be shown: ${errorText(err)}`;
      }
    }
    completeBtn.addEventListener('click', () => void complete(task, { messages, variablesArea, completeBtn }));
  }

  /** Completes the open task with its form's data (or the JSON typed in), or says what is wrong. */
  async function complete(task: TaskDetail, ui: { messages: HTMLElement; variablesArea: HTMLTextAreaElement; completeBtn: HTMLButtonElement }): Promise<void> {
    const { messages, variablesArea, completeBtn } = ui;
    messages.replaceChildren();
    let variables: Record<string, unknown>;
    if (form) {
      // an empty optional field is left out, not sent as '' for the schema to refuse
      const data = submitted(form, messages);
      if (!data) return;
      variables = data;
    } else {
      try {
        variables = JSON.parse(variablesArea.value || '{}');
      } catch (err) {
        messages.textContent = `Variables are not valid JSON: ${errorText(err)}`;
        return;
      }
    }
    completeBtn.disabled = true;
    try {
      await api.post(`/api/tasks/${encodeURIComponent(task.id)}/complete`, { variables });
      toast(`Completed ${task.name ?? task.elementId}.`);
      clear(h('p', { class: 'success', id: 'task-completed' }, `Completed “${task.name ?? task.elementId}”.`));
      hooks.closed();
      hooks.changed();
    } catch (err) {
      await failed(task, err, { messages, completeBtn });
    }
  }

  /**
   * A refused completion: the values (400) keep what was typed and say what is wrong, with the task's
   * facts loaded again; anything else (409 completed by someone else, 403 claimed meanwhile) shows
   * the task as it is now, with the reason.
   */
  async function failed(task: TaskDetail, err: unknown, ui: { messages: HTMLElement; completeBtn: HTMLButtonElement }): Promise<void> {
    const reason = `Could not complete: ${errorText(err)}`;
    hooks.changed();
    if (!(err instanceof ApiError) || err.status !== 400) return open(task.id, reason);
    ui.completeBtn.disabled = false;
    ui.messages.append(h('p', { class: 'error' }, reason));
    if (err.details.length)
      ui.messages.append(
        h(
          'ul',
          {},
          err.details.map((d) => h('li', {}, `${String(d.instancePath ?? d.elementId ?? '')} ${d.message ?? ''}`)),
        ),
      );
    try {
      const now = await api.get<TaskDetail>(`/api/tasks/${encodeURIComponent(task.id)}`);
      if (now.state !== task.state || now.assignee !== task.assignee) return open(task.id, reason);
      document.getElementById('task-facts')?.replaceWith(facts({ ...now, variables: task.variables }));
    } catch {
      /* the reason is shown; the next refresh loads the task */
    }
  }

  return { open, clear, dispose: () => form?.destroy() };
}
