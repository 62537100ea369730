/**
 * The task page's work notes and attachments (GET/POST /api/tasks/:id/notes and /attachments): each a
 * list with its loading and error state (Retry), and a form for those who may work the task. Both are
 * recorded in the instance's history; attachments are downloaded with the token (GET /api/attachments/:id).
 */
import type { Attachment, TaskNote } from '../../api/schemas';
import { api } from './api';
import { download, errorText, h, toast, when } from './dom';

/** A list that loads, shows an error with Retry, and redraws after a change. */
function loadingList<T>(id: string, empty: string, load: () => Promise<T[]>, item: (x: T) => HTMLElement): { element: HTMLElement; reload: () => Promise<void> } {
  const list = h('ul', { class: 'activity', id });
  const status = h('p', { class: 'muted', role: 'status' });
  const retry = h('button', { type: 'button', class: 'secondary', hidden: true, 'data-retry': id }, 'Retry');
  async function reload(): Promise<void> {
    status.textContent = 'Loading…';
    status.className = 'muted';
    retry.hidden = true;
    try {
      const items = await load();
      list.replaceChildren(...items.map(item));
      status.textContent = items.length ? '' : empty;
    } catch (err) {
      status.textContent = `Could not load: ${errorText(err)}`;
      status.className = 'error';
      retry.hidden = false;
    }
  }
  retry.addEventListener('click', () => void reload());
  return { element: h('div', {}, list, status, retry), reload };
}

export function notesSection(taskId: string, mayWrite: boolean): HTMLElement {
  const path = `/api/tasks/${encodeURIComponent(taskId)}/notes`;
  const notes = loadingList<TaskNote>(
    'task-notes',
    'No notes yet.',
    async () => (await api.get<{ items: TaskNote[] }>(path)).items,
    (n) => h('li', {}, h('p', { class: 'note-meta' }, h('strong', {}, n.author), ` · ${when(n.at)}`), h('p', { class: 'note-text' }, n.text)),
  );
  const text = h('textarea', { id: 'note-text', rows: '3', maxlength: '4000', spellcheck: 'true' });
  const add = h('button', { type: 'button', class: 'secondary', id: 'add-note' }, 'Add note');
  add.addEventListener('click', async () => {
    if (!text.value.trim()) return toast('Write the note first.', 'error');
    add.disabled = true;
    try {
      await api.post(path, { text: text.value });
      text.value = '';
      toast('Note added (recorded in the history).');
      await notes.reload();
    } catch (err) {
      toast(`Could not add the note: ${errorText(err)}`, 'error');
    } finally {
      add.disabled = false;
    }
  });
  void notes.reload();
  return h(
    'section',
    { class: 'task-notes', 'aria-labelledby': 'notes-title' },
    h('h3', { id: 'notes-title' }, 'Work notes'),
    notes.element,
    mayWrite ? h('div', { class: 'field' }, h('label', { for: 'note-text' }, 'New note'), text) : '',
    mayWrite ? add : '',
  );
}

/** The file as base64, for the JSON upload. */
function base64Of(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsDataURL(file);
  });
}

const size = (n: number): string => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);

export function attachmentsSection(taskId: string, mayWrite: boolean): HTMLElement {
  const path = `/api/tasks/${encodeURIComponent(taskId)}/attachments`;
  const fetchFile = async (a: Attachment): Promise<void> => {
    try {
      download(a.name, await api.blob(`/api/attachments/${encodeURIComponent(a.id)}`));
    } catch (err) {
      toast(`Could not download ${a.name}: ${errorText(err)}`, 'error');
    }
  };
  const files = loadingList<Attachment>(
    'task-attachments',
    'No attachments.',
    async () => (await api.get<{ items: Attachment[] }>(path)).items,
    (a) =>
      h(
        'li',
        {},
        h('button', { type: 'button', class: 'link', 'data-attachment': a.name, onclick: () => void fetchFile(a) }, `Download ${a.name}`),
        h('span', { class: 'muted' }, ` ${size(a.size)} · ${a.contentType} · ${a.uploadedBy}, ${when(a.uploadedAt)}`),
        h('code', { class: 'hash', title: 'SHA-256' }, a.sha256.slice(0, 16) + '…'),
      ),
  );
  const input = h('input', { id: 'attachment-file', type: 'file' });
  const upload = h('button', { type: 'button', class: 'secondary', id: 'upload-attachment' }, 'Attach');
  upload.addEventListener('click', async () => {
    const file = input.files?.[0];
    if (!file) return toast('Choose a file first.', 'error');
    upload.disabled = true;
    try {
      await api.post(path, { name: file.name, contentType: file.type || 'application/octet-stream', content: await base64Of(file) });
      input.value = '';
      toast(`Attached ${file.name}.`);
      await files.reload();
    } catch (err) {
      toast(`Could not attach ${file.name}: ${errorText(err)}`, 'error');
    } finally {
      upload.disabled = false;
    }
  });
  void files.reload();
  return h(
    'section',
    { class: 'task-attachments', 'aria-labelledby': 'attachments-title' },
    h('h3', { id: 'attachments-title' }, 'Attachments'),
    files.element,
    mayWrite ? h('div', { class: 'field' }, h('label', { for: 'attachment-file' }, 'File to attach'), input) : '',
    mayWrite ? upload : '',
  );
}
