/**
 * The form builder: form-js's FormEditor in a dialog, for the forms of the process being modelled
 * (list, new, edit, delete; a deployed form can be copied in to edit it). The forms are kept with the
 * diagram (in its draft too) and deployed with it; a user task names one in its properties (Form › Form ID).
 */
import '@bpmn-io/form-js/dist/assets/form-js.css';
import '@bpmn-io/form-js/dist/assets/form-js-editor.css';
import { FormEditor } from '@bpmn-io/form-js';
import { api } from './api';
import type { FormFile } from './drafts';
import { errorText, h } from './dom';

/** What a form id may be: it is what `zeebe:formDefinition formId` names and the file is called. */
const FORM_ID = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

const blankForm = (id: string): Record<string, unknown> => ({ id, type: 'default', components: [] });

/**
 * Opens the builder on `forms` (form id -> file), which it changes in place; `changed` is called after
 * each saved, added or deleted form.
 */
export function openFormBuilder(forms: Map<string, FormFile>, changed: () => void): void {
  const list = h('ul', { class: 'form-list', id: 'form-list', 'aria-label': 'Forms of this process' });
  const newId = h('input', { id: 'new-form-id', autocomplete: 'off', spellcheck: 'false', maxlength: 255 });
  const deployed = h('div', { id: 'deployed-forms' });
  const editing = h('h3', { id: 'form-editing' }, 'No form open');
  const editorHost = h('div', { class: 'form-editor', id: 'form-editor' });
  const error = h('p', { class: 'error', role: 'alert', id: 'form-builder-error' });
  const save = h('button', { type: 'button', id: 'save-form', disabled: true }, 'Save form');
  const close = h('button', { type: 'button', class: 'secondary', id: 'close-form-builder' }, 'Close');
  const dialog = h(
    'dialog',
    { class: 'pd-dialog wide', 'aria-labelledby': 'form-builder-title' },
    h('h2', { id: 'form-builder-title' }, 'Forms of this process'),
    h(
      'div',
      { class: 'form-builder' },
      h(
        'div',
        { class: 'form-builder-side' },
        list,
        h(
          'form',
          { class: 'field', onsubmit: (e: Event) => (e.preventDefault(), addForm()) },
          h('label', { for: 'new-form-id' }, 'New form id'),
          h('div', { class: 'field inline' }, newId, h('button', { type: 'submit', id: 'new-form' }, 'New form')),
        ),
        deployed,
      ),
      h('div', { class: 'form-builder-main' }, editing, editorHost, error, h('div', { class: 'dialog-actions' }, save, close)),
    ),
  );
  document.body.append(dialog);
  const editor = new FormEditor({ container: editorHost });
  let current: string | undefined;

  const renderList = (): void => {
    list.replaceChildren();
    if (!forms.size) list.append(h('li', { class: 'muted' }, 'No forms yet.'));
    for (const [id, file] of [...forms].sort(([a], [b]) => a.localeCompare(b))) {
      list.append(
        h(
          'li',
          { 'data-form': id },
          h('span', {}, `${id} `, h('span', { class: 'muted' }, file.name)),
          ' ',
          h('button', { type: 'button', class: 'secondary', 'aria-label': `Edit form ${id}`, onclick: () => void edit(id) }, 'Edit'),
          ' ',
          h('button', { type: 'button', class: 'secondary', 'aria-label': `Delete form ${id}`, onclick: () => remove(id) }, 'Delete'),
        ),
      );
    }
  };

  async function edit(id: string): Promise<void> {
    error.textContent = '';
    const file = forms.get(id);
    if (!file) return;
    try {
      await editor.importSchema(JSON.parse(file.content));
      current = id;
      editing.textContent = `Editing ${id}`;
      save.disabled = false;
    } catch (err) {
      error.textContent = `Could not open ${id}: ${errorText(err)}`;
    }
  }

  function addForm(schema?: Record<string, unknown>, givenId?: string): void {
    const id = givenId ?? newId.value.trim();
    error.textContent = '';
    if (!FORM_ID.test(id)) {
      error.textContent = 'A form id starts with a letter or _ and holds only letters, digits, _ . and -.';
      newId.focus();
      return;
    }
    if (forms.has(id)) {
      error.textContent = `This process has a form ${id} already: edit it.`;
      return;
    }
    forms.set(id, { name: `${id}.form`, content: JSON.stringify({ ...(schema ?? blankForm(id)), id }, null, 2) });
    newId.value = '';
    renderList();
    changed();
    void edit(id);
  }

  function remove(id: string): void {
    if (!window.confirm(`Delete the form ${id} from this process?`)) return;
    forms.delete(id);
    if (current === id) {
      current = undefined;
      editor.clear();
      editing.textContent = 'No form open';
      save.disabled = true;
    }
    renderList();
    changed();
  }

  save.addEventListener('click', () => {
    if (!current) return;
    // the id is the one the list knows it by: the editor's General › ID field may not rename it here
    const schema = { ...editor.saveSchema(), id: current };
    forms.set(current, { name: `${current}.form`, content: JSON.stringify(schema, null, 2) });
    changed();
    editing.textContent = `Editing ${current} (saved with the diagram)`;
  });

  /** The deployed forms, to copy one into this process and edit it (deploying it replaces it, for its owners). */
  async function listDeployed(): Promise<void> {
    deployed.replaceChildren(h('p', { class: 'loading muted' }, 'Loading deployed forms…'));
    try {
      const { items } = await api.get<{ items: { id: string }[] }>('/api/forms');
      const select = h(
        'select',
        { id: 'deployed-form' },
        items.map((f) => h('option', { value: f.id }, f.id)),
      );
      const copy = async (): Promise<void> => {
        try {
          addForm(JSON.parse(await api.text(`/api/forms/${encodeURIComponent(select.value)}`)), select.value);
        } catch (err) {
          error.textContent = `Could not load ${select.value}: ${errorText(err)}`;
        }
      };
      deployed.replaceChildren(
        h('label', { for: 'deployed-form' }, 'Deployed forms'),
        items.length
          ? h('div', { class: 'field inline' }, select, h('button', { type: 'button', class: 'secondary', id: 'copy-deployed-form', onclick: () => void copy() }, 'Edit here'))
          : h('p', { class: 'muted' }, 'None deployed.'),
      );
    } catch (err) {
      deployed.replaceChildren(
        h('p', { class: 'error', role: 'alert' }, `Could not list the deployed forms: ${errorText(err)} `),
        h('button', { type: 'button', class: 'secondary', id: 'deployed-forms-retry', onclick: () => void listDeployed() }, 'Retry'),
      );
    }
  }

  const done = (): void => {
    editor.destroy();
    dialog.remove();
  };
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', done);
  renderList();
  void listDeployed();
  dialog.showModal();
  newId.focus();
}
