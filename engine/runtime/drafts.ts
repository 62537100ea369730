/**
 * The modeler's drafts: a user's unsaved diagram (and the forms built with it) per process id, kept by
 * the server so that closing the tab loses nothing. Only ever read and written for the signed-in user
 * the API names; a deployment by that user clears the drafts of the processes it deployed
 * (Engine.deploy). Size and count limits are the API's (api/routes/drafts.ts).
 */
import type { DraftForm, DraftRow, DraftSummary, Store } from '../store/types';
import type { Clock } from './executor';
import { invalid } from './errors';

/** An XML NCName (what a BPMN process id must be), ASCII letters and the usual punctuation. */
const NCNAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export interface DraftInput {
  processId: string;
  name?: string;
  xml: string;
  forms: DraftForm[];
}

export const draftSize = (d: Pick<DraftInput, 'xml' | 'forms'>): number => d.xml.length + d.forms.reduce((n, f) => n + f.name.length + f.content.length, 0);

export class Drafts {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  get(userId: string, processId: string): Promise<DraftRow | undefined> {
    return this.store.getDraft(userId, processId);
  }

  list(userId: string): Promise<DraftSummary[]> {
    return this.store.listDrafts(userId);
  }

  async save(userId: string, input: DraftInput): Promise<DraftRow> {
    if (!NCNAME.test(input.processId)) throw invalid(`process id ${JSON.stringify(input.processId)} is not an XML name (a letter or _, then letters, digits, _ . -)`);
    const row: DraftRow = {
      id: `${input.processId}@${userId}`,
      userId,
      processId: input.processId,
      ...(input.name ? { name: input.name } : {}),
      xml: input.xml,
      forms: input.forms,
      size: draftSize(input),
      updatedAt: this.clock(),
    };
    await this.store.saveDraft(row);
    return row;
  }

  delete(userId: string, processId: string): Promise<boolean> {
    return this.store.deleteDraft(userId, processId);
  }
}
