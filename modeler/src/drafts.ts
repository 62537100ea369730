/**
 * Drafts in the modeler: the diagram (with the forms built or attached for it) is saved on the server as
 * the user's draft of its process id a few seconds after each change, so closing the tab or the browser
 * loses nothing; the modeler offers the drafts again when it opens. Until the diagram is deployed (or
 * opened anew) its changes count as unsaved: closing the tab asks first (`beforeunload`), and so does the
 * modeler before it leaves or replaces the diagram (DraftKeeper.confirmDiscard).
 */
import { api, type ApiError } from './api';
import { errorText, h, when } from './dom';

export interface FormFile {
  name: string;
  content: string;
}

export interface DraftContent {
  processId: string;
  name?: string;
  xml: string;
  forms: FormFile[];
}

interface DraftSummary {
  processId: string;
  name: string | null;
  size: number;
  updatedAt: string;
}

/** How long after the last change the draft is saved. */
const SAVE_DELAY_MS = 2000;

export class DraftKeeper {
  private timer: number | undefined;
  private unsaved = false;
  /** The process id the current draft is saved under (the user may rename the process). */
  private savedAs: string | undefined;
  private readonly onUnload = (e: BeforeUnloadEvent): void => {
    if (!this.unsaved) return;
    e.preventDefault();
    e.returnValue = ''; // older browsers need it set to ask
  };

  constructor(
    private readonly snapshot: () => Promise<DraftContent | undefined>,
    private readonly report: (text: string, kind: 'info' | 'error') => void,
  ) {
    window.addEventListener('beforeunload', this.onUnload);
  }

  /** Whether the diagram has changes that are not deployed. */
  get dirty(): boolean {
    return this.unsaved;
  }

  /** A change: the draft is saved once the user pauses. */
  changed(): void {
    this.unsaved = true;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.save(), SAVE_DELAY_MS);
  }

  /** Saves the draft now (a pending save included). */
  async save(): Promise<void> {
    window.clearTimeout(this.timer);
    this.timer = undefined;
    const draft = await this.snapshot();
    if (!draft) return;
    try {
      await api.put(`/api/drafts/${encodeURIComponent(draft.processId)}`, { name: draft.name || undefined, xml: draft.xml, forms: draft.forms });
      // renamed since the last save: the draft under the old id is this one's past
      if (this.savedAs && this.savedAs !== draft.processId) await api.delete(`/api/drafts/${encodeURIComponent(this.savedAs)}`).catch(() => undefined);
      this.savedAs = draft.processId;
      this.report(`Draft saved ${new Date().toLocaleTimeString()}`, 'info');
    } catch (err) {
      const status = (err as ApiError).status;
      this.report(`Draft not saved${status === 413 ? ' (too large)' : ''}: ${errorText(err)}`, 'error');
    }
  }

  /** A diagram opened or deployed: nothing unsaved; its draft (if any) is kept under `processId`. */
  reset(processId?: string): void {
    window.clearTimeout(this.timer);
    this.timer = undefined;
    this.unsaved = false;
    this.savedAs = processId;
    this.report('', 'info');
  }

  /** Asks before unsaved changes are left behind; true when there are none or the user agrees. */
  confirmDiscard(action: string): boolean {
    if (!this.unsaved) return true;
    return window.confirm(`The diagram has changes that are not deployed (a draft of them is kept). ${action} anyway?`);
  }

  dispose(): void {
    window.clearTimeout(this.timer);
    window.removeEventListener('beforeunload', this.onUnload);
  }
}

/**
 * The notice of the user's drafts when the modeler opens: each one can be resumed or discarded. Loading
 * and failure are shown, with a Retry.
 */
export function showDrafts(container: HTMLElement, resume: (draft: DraftContent) => void): void {
  const list = async (): Promise<void> => {
    container.replaceChildren(h('p', { class: 'loading muted' }, 'Looking for drafts…'));
    let items: DraftSummary[];
    try {
      items = (await api.get<{ items: DraftSummary[] }>('/api/drafts')).items;
    } catch (err) {
      container.replaceChildren(
        h(
          'p',
          { class: 'error', role: 'alert' },
          `Could not look for drafts: ${errorText(err)} `,
          h('button', { type: 'button', class: 'secondary', id: 'drafts-retry', onclick: () => void list() }, 'Retry'),
        ),
      );
      return;
    }
    if (!items.length) {
      container.replaceChildren();
      return;
    }
    container.replaceChildren(
      h(
        'section',
        { class: 'drafts-notice', 'aria-labelledby': 'drafts-title' },
        h('h2', { id: 'drafts-title' }, 'Unsaved drafts'),
        h(
          'ul',
          {},
          items.map((d) =>
            h(
              'li',
              { 'data-draft': d.processId },
              h('strong', {}, d.name ?? d.processId),
              ` (${d.processId}), saved ${when(d.updatedAt)} `,
              h('button', { type: 'button', id: `resume-draft-${d.processId}`, onclick: () => void open(d.processId) }, 'Resume'),
              ' ',
              h('button', { type: 'button', class: 'secondary', id: `discard-draft-${d.processId}`, onclick: () => void discard(d.processId) }, 'Discard'),
            ),
          ),
        ),
      ),
    );
  };
  const open = async (processId: string): Promise<void> => {
    try {
      const draft = await api.get<DraftContent & { name: string | null }>(`/api/drafts/${encodeURIComponent(processId)}`);
      resume({ processId: draft.processId, name: draft.name ?? undefined, xml: draft.xml, forms: draft.forms });
      container.replaceChildren();
    } catch (err) {
      container.prepend(h('p', { class: 'error', role: 'alert' }, `Could not open the draft of ${processId}: ${errorText(err)}`));
    }
  };
  const discard = async (processId: string): Promise<void> => {
    if (!window.confirm(`Discard the draft of ${processId}? Its changes are lost.`)) return;
    try {
      await api.delete(`/api/drafts/${encodeURIComponent(processId)}`);
    } catch (err) {
      container.prepend(h('p', { class: 'error', role: 'alert' }, `Could not discard the draft of ${processId}: ${errorText(err)}`));
      return;
    }
    await list();
  };
  void list();
}
