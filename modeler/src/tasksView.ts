/** Task list (agents; admins too): my and my groups' open tasks, claim/unclaim, the task's form, complete. */
import '@bpmn-io/form-js/dist/assets/form-js.css';
import { Form } from '@bpmn-io/form-js';
import { api, ApiError, type Me, qs } from './api';
import { errorText, h, toast, when } from './dom';

interface Task {
  id: string;
  elementId: string;
  name: string | null;
  /** What the task is about (user task header `subject`). */
  subject?: string | null;
  processInstanceId: string;
  processId: string;
  state: 'created' | 'completed' | 'canceled';
  assignee: string | null;
  candidateGroups: string[];
  candidateUsers: string[];
  dueDate: string | null;
  createdAt: string;
  priority: number | null;
  formId: string | null;
  /** Users segregation of duties keeps off the task (the engine refuses them whatever the page does). */
  excludedUsers?: { user: string; role: string }[];
  dueStage?: 'ok' | 'warning' | 'breached' | null;
}

interface TaskDetail extends Task {
  form: unknown | null;
  variables: Record<string, unknown>;
}

const POLL_MS = 3000;

export function mount(main: HTMLElement, me: Me, openId?: string): { dispose: () => void } {
  const stateSelect = h('select', { id: 'task-state' },
    h('option', { value: 'created', selected: true }, 'Open'),
    h('option', { value: 'completed' }, 'Completed'),
    h('option', { value: 'canceled' }, 'Canceled'),
  );
  const mine = h('input', { id: 'only-mine', type: 'checkbox' });
  const tbody = h('tbody', {});
  const table = h('table', { class: 'data', id: 'task-table' },
    h('caption', { class: 'visually-hidden' }, 'Tasks'),
    h('thead', {}, h('tr', {}, ['Task', 'About', 'Process', 'Assignee', 'Groups', 'Due', 'State', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
    tbody,
  );
  const updated = h('p', { class: 'muted', id: 'tasks-updated', 'aria-live': 'off' });
  const detail = h('section', { class: 'task-detail', id: 'task-detail', 'aria-labelledby': 'task-detail-title' },
    h('h2', { id: 'task-detail-title' }, 'Task'),
    h('p', { class: 'muted' }, 'Open a task to see its form.'),
  );
  main.append(
    h('div', { class: 'split' },
      h('section', { class: 'task-list', 'aria-labelledby': 'tasks-title' },
        h('h1', { id: 'tasks-title' }, 'Tasks'),
        h('div', { class: 'filters' },
          h('div', { class: 'field' }, h('label', { for: 'task-state' }, 'State'), stateSelect),
          h('div', { class: 'field inline' }, mine, h('label', { for: 'only-mine' }, 'Only assigned to me')),
        ),
        table,
        updated,
      ),
      detail,
    ),
  );

  let lastJson = '';
  let openTaskId: string | undefined = openId;
  let form: any;
  let disposed = false;

  async function act(task: Task, action: 'claim' | 'unclaim'): Promise<void> {
    try {
      await api.post(`/api/tasks/${encodeURIComponent(task.id)}/${action}`, {});
      toast(`${action === 'claim' ? 'Claimed' : 'Released'} ${task.name ?? task.elementId}.`);
      await refresh(true);
      if (openTaskId === task.id) await openTask(task.id);
    } catch (err) {
      toast(`Could not ${action}: ${errorText(err)}`, 'error');
    }
  }

  /** The assignee (or an admin) hands the task to a substitute; the engine refuses excluded users. */
  function delegateControl(task: Task): HTMLElement {
    const input = h('input', { id: 'delegate-to', type: 'text', autocomplete: 'off', placeholder: 'user id' });
    const button = h('button', { type: 'button', class: 'secondary', id: 'delegate-task' }, 'Delegate');
    button.addEventListener('click', async () => {
      const to = input.value.trim();
      if (!to) return toast('Give the user id of the substitute.', 'error');
      try {
        await api.post(`/api/tasks/${encodeURIComponent(task.id)}/delegate`, { to });
        toast(`Delegated ${task.name ?? task.elementId} to ${to}.`);
        // the task is the substitute's now, and may no longer be visible to the one who handed it on
        form?.destroy();
        form = undefined;
        openTaskId = undefined;
        detail.replaceChildren(h('h2', { id: 'task-detail-title' }, 'Task'), h('p', { class: 'success', id: 'task-delegated' }, `Delegated “${task.name ?? task.elementId}” to ${to}.`));
        history.replaceState(null, '', '#/tasks');
        await refresh(true);
      } catch (err) {
        toast(`Could not delegate: ${errorText(err)}`, 'error');
      }
    });
    return h('div', { class: 'field delegate' }, h('label', { for: 'delegate-to' }, 'Delegate to a substitute'), input, button);
  }

  function row(t: Task): HTMLTableRowElement {
    // the server's stage: past the follow-up date (the SLA warning) is due soon, past the due date overdue
    const stage = t.dueStage === 'breached' ? { cls: 'overdue', text: ' (overdue)' } : t.dueStage === 'warning' ? { cls: 'due-soon', text: ' (due soon)' } : { cls: '', text: '' };
    const label = t.name ?? t.elementId;
    const actions = h('td', { class: 'actions' },
      h('button', { type: 'button', 'data-action': 'open', 'aria-label': `Open ${label}`, onclick: () => { location.hash = `#/tasks/${encodeURIComponent(t.id)}`; } }, 'Open'),
    );
    if (t.state === 'created' && !t.assignee) actions.append(h('button', { type: 'button', class: 'secondary', 'data-action': 'claim', 'aria-label': `Claim ${label}`, onclick: () => void act(t, 'claim') }, 'Claim'));
    if (t.state === 'created' && t.assignee === me.id) actions.append(h('button', { type: 'button', class: 'secondary', 'data-action': 'unclaim', 'aria-label': `Unclaim ${label}`, onclick: () => void act(t, 'unclaim') }, 'Unclaim'));
    return h('tr', { 'data-task-id': t.id, class: t.id === openTaskId ? 'selected' : '' },
      h('th', { scope: 'row' }, label),
      h('td', { class: 'subject' }, t.subject ?? '—'),
      h('td', {}, t.processId),
      h('td', {}, t.assignee ?? '—'),
      h('td', {}, t.candidateGroups.join(', ') || '—'),
      h('td', { class: stage.cls }, t.dueDate ? when(t.dueDate) + stage.text : '—'),
      h('td', {}, h('span', { class: `state state-${t.state}` }, t.state)),
      actions,
    );
  }

  async function refresh(force = false): Promise<void> {
    try {
      const query = qs({ state: stateSelect.value, assignee: mine.checked ? me.id : undefined, limit: '100' });
      const { items } = await api.get<{ items: Task[] }>(`/api/tasks${query}`);
      items.sort((a, b) => (a.dueDate ?? '9999').localeCompare(b.dueDate ?? '9999') || a.createdAt.localeCompare(b.createdAt));
      const json = JSON.stringify(items) + openTaskId;
      updated.textContent = `Updated ${new Date().toLocaleTimeString()} (refreshes every ${POLL_MS / 1000} s).`;
      if (!force && json === lastJson) return;
      lastJson = json;
      const focused = document.activeElement as HTMLElement | null;
      const focusKey = focused?.closest('tr')?.getAttribute('data-task-id') + '|' + focused?.getAttribute('data-action');
      tbody.replaceChildren(...(items.length ? items.map(row) : [h('tr', {}, h('td', { colspan: '8', class: 'muted' }, 'No tasks.'))]));
      const [id, action] = focusKey.split('|');
      (tbody.querySelector(`tr[data-task-id="${CSS.escape(id)}"] [data-action="${CSS.escape(action)}"]`) as HTMLElement | null)?.focus();
    } catch (err) {
      updated.textContent = `Could not load tasks: ${errorText(err)}`;
    }
  }

  async function openTask(id: string): Promise<void> {
    openTaskId = id;
    form?.destroy();
    form = undefined;
    detail.replaceChildren(h('h2', { id: 'task-detail-title' }, 'Task'), h('p', {}, 'Loading…'));
    let task: TaskDetail;
    try {
      task = await api.get<TaskDetail>(`/api/tasks/${encodeURIComponent(id)}`);
    } catch (err) {
      detail.replaceChildren(h('h2', { id: 'task-detail-title' }, 'Task'), h('p', { class: 'error', role: 'alert' }, errorText(err)));
      return;
    }
    const messages = h('div', { class: 'form-messages', role: 'alert', id: 'form-messages' });
    const container = h('div', { class: 'form-container', id: 'task-form' });
    const variablesArea = h('textarea', { id: 'task-variables', rows: '6', spellcheck: 'false' }, '{}');
    const open = task.state === 'created';
    const excluded = task.excludedUsers?.find((e) => e.user === me.id);
    const mayAct = open && !excluded && (!task.assignee || task.assignee === me.id || me.roles.includes('admin'));
    const completeBtn = h('button', { type: 'button', id: 'complete-task', disabled: !mayAct }, 'Complete');
    const delegation = open && task.assignee && (task.assignee === me.id || me.roles.includes('admin')) ? delegateControl(task) : '';
    detail.replaceChildren(
      h('h2', { id: 'task-detail-title' }, task.name ?? task.elementId),
      task.subject ? h('p', { class: 'subject', id: 'task-subject' }, task.subject) : '',
      h('dl', { class: 'facts' },
        h('dt', {}, 'Process'), h('dd', {}, `${task.processId} / ${task.processInstanceId}`),
        h('dt', {}, 'State'), h('dd', {}, task.state),
        h('dt', {}, 'Assignee'), h('dd', {}, task.assignee ?? '—'),
        h('dt', {}, 'Due'), h('dd', {}, when(task.dueDate)),
      ),
      excluded && open
        ? h('p', { class: 'error', id: 'task-segregation' }, `Segregation of duties: you are the ${excluded.role} here, so you may not complete this task. Delegate it to a substitute if it is assigned to you.`)
        : '',
      task.form ? container : h('div', { class: 'field' }, h('label', { for: 'task-variables' }, 'Variables to complete with (JSON)'), variablesArea),
      messages,
      open ? completeBtn : h('p', { class: 'muted' }, `This task is ${task.state}.`),
      delegation,
    );
    if (task.form) {
      form = new Form({ container });
      try {
        await form.importSchema(task.form, task.variables ?? {});
        if (!open) form.setProperty?.('readOnly', true);
      } catch (err) {
        messages.textContent = `The form could not be shown: ${errorText(err)}`;
      }
    }
    completeBtn.addEventListener('click', async () => {
      messages.replaceChildren();
      let variables: Record<string, unknown>;
      if (form) {
        const { data, errors } = form.submit();
        const invalid = Object.entries(errors ?? {}).filter(([, list]) => (list as string[]).length);
        if (invalid.length) {
          const registry = form.get('formFieldRegistry');
          const labelOf = (id: string): string => {
            const f = registry?.get(id);
            return f?.label || f?.key || id;
          };
          messages.append(h('p', { class: 'error' }, `Please correct ${invalid.length} field(s):`), h('ul', {}, invalid.map(([k, list]) => h('li', {}, `${labelOf(k)}: ${(list as string[]).join(', ')}`))));
          return;
        }
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
        form?.destroy();
        form = undefined;
        openTaskId = undefined;
        detail.replaceChildren(h('h2', { id: 'task-detail-title' }, 'Task'), h('p', { class: 'success', id: 'task-completed' }, `Completed “${task.name ?? task.elementId}”.`));
        history.replaceState(null, '', '#/tasks');
        await refresh(true);
      } catch (err) {
        completeBtn.disabled = false;
        messages.append(h('p', { class: 'error' }, `Could not complete: ${errorText(err)}`));
        if (err instanceof ApiError && err.details.length) {
          messages.append(h('ul', {}, err.details.map((d) => h('li', {}, `${String(d.instancePath ?? d.elementId ?? '')} ${d.message ?? ''}`))));
        }
      }
    });
    await refresh(true);
  }

  stateSelect.addEventListener('change', () => void refresh(true));
  mine.addEventListener('change', () => void refresh(true));
  const timer = window.setInterval(() => {
    if (!disposed && !document.hidden) void refresh();
  }, POLL_MS);
  void refresh(true);
  if (openId) void openTask(openId);

  return {
    dispose: () => {
      disposed = true;
      window.clearInterval(timer);
      form?.destroy();
    },
  };
}
