/**
 * "New" asks for the process's name and id instead of starting every diagram as Process_1: the id must be
 * an XML name (what BPMN ids are) and must not be a deployed process of someone else (its next version
 * would be refused at deploy, after the work is done).
 */
import { api, type Me } from './api';
import { errorText, h } from './dom';

const NCNAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

interface DeployedProcess {
  processId: string;
  owners: string[];
}

/** Whether `me` may deploy the next version of a process with these owners (as engine/runtime/ownership.ts decides). */
const owns = (owners: string[], me: Me): boolean => me.roles.includes('admin') || owners.some((o) => (o.startsWith('group:') ? me.groups.includes(o.slice(6)) : o === me.id));

/** An id from a name: letters, digits and dashes, starting with a letter. */
const idFrom = (name: string): string =>
  name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^[^A-Za-z]+|-+$/g, '')
    .toLowerCase();

/** Why `id` cannot be the new process's id, or undefined when it can. */
async function idProblem(id: string, me: Me): Promise<string | undefined> {
  if (!NCNAME.test(id)) return 'The id must start with a letter or _ and hold only letters, digits, _ . and - (an XML name).';
  const { items } = await api.get<{ items: DeployedProcess[] }>('/api/processes');
  const deployed = items.find((p) => p.processId === id);
  if (deployed && !owns(deployed.owners, me)) return `${id} is a deployed process of ${deployed.owners.join(', ') || 'the admins'}: choose another id.`;
  return undefined;
}

/** Shows the dialog; resolves with the name and id, or undefined when cancelled. */
export function askNewProcess(me: Me): Promise<{ id: string; name: string } | undefined> {
  const name = h('input', { id: 'new-process-name', name: 'name', required: true, maxlength: 255, autocomplete: 'off' });
  const id = h('input', { id: 'new-process-id', name: 'id', required: true, maxlength: 255, autocomplete: 'off', spellcheck: 'false' });
  const error = h('p', { class: 'error', role: 'alert', id: 'new-process-error' });
  let idTyped = false;
  name.addEventListener('input', () => {
    if (!idTyped) id.value = idFrom(name.value);
  });
  id.addEventListener('input', () => {
    idTyped = true;
  });
  const cancel = h('button', { type: 'button', class: 'secondary', id: 'new-process-cancel' }, 'Cancel');
  const form = h(
    'form',
    { method: 'dialog' },
    h('h2', { id: 'new-process-title' }, 'New process'),
    h('div', { class: 'field' }, h('label', { for: 'new-process-name' }, 'Name'), name),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'new-process-id' }, 'Id'),
      id,
      h('span', { class: 'muted' }, 'Used by the API and in instance lists; cannot change once deployed.'),
    ),
    error,
    h('div', { class: 'dialog-actions' }, h('button', { type: 'submit', id: 'new-process-create' }, 'Create'), cancel),
  );
  const dialog = h('dialog', { class: 'pd-dialog', 'aria-labelledby': 'new-process-title' }, form);
  document.body.append(dialog);
  return new Promise((resolve) => {
    const done = (value: { id: string; name: string } | undefined): void => {
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    cancel.addEventListener('click', () => done(undefined));
    dialog.addEventListener('cancel', () => done(undefined));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.textContent = '';
      const chosen = { id: id.value.trim(), name: name.value.trim() };
      if (!chosen.name) {
        error.textContent = 'Give the process a name.';
        name.focus();
        return;
      }
      try {
        const problem = await idProblem(chosen.id, me);
        if (problem) {
          error.textContent = problem;
          id.focus();
          return;
        }
      } catch (err) {
        error.textContent = `Could not check the id: ${errorText(err)}`;
        return;
      }
      done(chosen);
    });
    dialog.showModal();
    name.focus();
  });
}
