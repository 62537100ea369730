/**
 * The service desk's side of tasks: the task list's search, saved task list views, and a task's work
 * notes and attachments. Notes and attachments are recorded in the instance's history (events
 * `task.note` and `task.attachment`, sealed with the rest of the chain), so the evidence pack lists
 * them; an attachment's bytes are kept in the store, its SHA-256 in the history record.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { AttachmentRow, Store, TaskRow, TaskSearch, TaskViewRow } from '../store/types';
import { conflict, invalid, notFound } from './errors';
import type { Clock, Executor } from './executor';
import { persisted } from './snapshot';

export interface TaskNote {
  seq: number;
  at: number;
  author: string;
  text: string;
}

export type AttachmentInfo = Omit<AttachmentRow, 'content'>;

/** What a task update changes; absent fields stay, `null` dates are cleared. */
export interface TaskChanges {
  dueDate?: number | null;
  followUpDate?: number | null;
  priority?: number;
  candidateGroups?: string[];
  candidateUsers?: string[];
}

export class TaskDesk {
  constructor(
    private readonly store: Store,
    private readonly executor: Executor,
    private readonly clock: Clock,
  ) {}

  searchTasks(q: TaskSearch): Promise<{ items: TaskRow[]; total: number }> {
    return this.store.searchTasks(q);
  }

  /**
   * Whether each instance's SLA clock is paused: the shipped processes keep it in `slaClock`
   * (processes/incident.bpmn pauses it while waiting on the customer: running false). Null without one.
   */
  async slaPaused(instanceIds: string[]): Promise<Map<string, boolean | null>> {
    const paused = new Map<string, boolean | null>();
    for (const id of new Set(instanceIds)) {
      const clock = (await this.store.getInstance(id))?.variables.slaClock as { running?: unknown } | undefined;
      paused.set(id, clock && typeof clock === 'object' ? clock.running === false : null);
    }
    return paused;
  }

  listViews(owner: string): Promise<TaskViewRow[]> {
    return this.store.listTaskViews(owner);
  }

  async saveView(owner: string, name: string, query: Record<string, unknown>): Promise<TaskViewRow> {
    const view: TaskViewRow = { id: randomUUID(), owner, name, query, createdAt: this.clock() };
    await this.store.saveTaskView(view);
    return view;
  }

  /** Deletes the view if `owner` owns it: another user's view is as unknown as a missing one (404). */
  async deleteView(id: string, owner: string): Promise<void> {
    if (!(await this.store.deleteTaskView(id, owner))) throw notFound(`task view ${id}`);
  }

  /**
   * Changes an open task's dates, priority or candidates (what Camunda's user task update changes):
   * the task row and a `task.updated` history event with the changes, in one command. `null` clears a
   * date. Who may change what is the caller's to check (the API lets only admins change candidates).
   */
  async updateTask(id: string, changes: TaskChanges, actor: string): Promise<TaskRow> {
    const task = await this.store.getTask(id);
    if (!task) throw notFound(`task ${id}`);
    if (changes.priority !== undefined && !(Number.isInteger(changes.priority) && changes.priority >= 0 && changes.priority <= 100)) throw invalid('priority is 0 to 100');
    let updated: TaskRow | undefined;
    await this.executor.execute(task.instanceId, actor, async () => {
      const current = await this.store.getTask(id);
      if (!current || current.state !== 'created') throw conflict(`task ${id} is already ${current?.state ?? 'gone'}`);
      const next: TaskRow = { ...current };
      if (changes.dueDate !== undefined) next.dueDate = changes.dueDate ?? undefined;
      if (changes.followUpDate !== undefined) next.followUpDate = changes.followUpDate ?? undefined;
      if (changes.priority !== undefined) next.priority = changes.priority;
      if (changes.candidateGroups !== undefined) next.candidateGroups = [...changes.candidateGroups];
      if (changes.candidateUsers !== undefined) next.candidateUsers = [...changes.candidateUsers];
      updated = next;
      return { event: null, extras: { tasks: [next], history: [{ type: 'task.updated', elementId: current.elementId, data: { taskId: id, ...changes } }] } };
    });
    return updated!;
  }

  /** Appends one event to the instance's history; its seq and time come from the commit, not a re-read of the history. */
  private async record(task: TaskRow, actor: string, type: string, data: Record<string, unknown>): Promise<{ seq: number; at: number }> {
    let at = 0;
    const { row } = await this.executor.execute(task.instanceId, actor, async (_row, when) => {
      at = when;
      return { event: null, extras: { history: [{ type, elementId: task.elementId, data: { taskId: task.id, ...data } }] } };
    });
    return { seq: persisted(row).history.seq, at };
  }

  async addNote(task: TaskRow, text: string, actor: string): Promise<TaskNote> {
    const { seq, at } = await this.record(task, actor, 'task.note', { text });
    return { seq, at, author: actor, text };
  }

  async notes(task: TaskRow): Promise<TaskNote[]> {
    return (await this.store.getHistory(task.instanceId))
      .filter((e) => e.type === 'task.note' && (e.data as { taskId?: string }).taskId === task.id)
      .map((e) => ({ seq: e.seq, at: e.at, author: e.actor, text: String((e.data as { text?: unknown }).text) }));
  }

  /**
   * Stores the file, then records it in the history: a record never names bytes that are not stored
   * (a crash between the two leaves a stored file that the history does not list, and nobody sees).
   */
  async addAttachment(task: TaskRow, file: { name: string; contentType: string; content: Buffer }, actor: string): Promise<AttachmentInfo> {
    const row: AttachmentRow = {
      id: randomUUID(),
      taskId: task.id,
      instanceId: task.instanceId,
      name: file.name,
      contentType: file.contentType,
      size: file.content.length,
      sha256: createHash('sha256').update(file.content).digest('hex'),
      content: file.content.toString('base64'),
      uploadedBy: actor,
      uploadedAt: this.clock(),
    };
    await this.store.saveAttachment(row);
    const { content: _content, ...info } = row;
    await this.record(task, actor, 'task.attachment', { attachmentId: row.id, name: row.name, contentType: row.contentType, size: row.size, sha256: row.sha256 });
    return info;
  }

  /** The attachments of a task that its instance's history records. */
  async attachments(task: TaskRow): Promise<AttachmentInfo[]> {
    const recorded = new Set(
      (await this.store.getHistory(task.instanceId)).filter((e) => e.type === 'task.attachment').map((e) => (e.data as { attachmentId?: string }).attachmentId),
    );
    return (await this.store.listAttachments(task.instanceId)).filter((a) => a.taskId === task.id && recorded.has(a.id));
  }

  async attachment(id: string): Promise<AttachmentRow> {
    const a = await this.store.getAttachment(id);
    if (!a) throw notFound(`attachment ${id}`);
    return a;
  }
}
