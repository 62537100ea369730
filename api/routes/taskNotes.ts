/**
 * A task's work notes and attachments. Who may: those who may read the task read them, those who
 * may work it add to them (an agent only on tasks assigned or offered to them: api/routes/tasks.ts
 * taskFor); a refusal (403/404) changes nothing. Both are recorded in the instance's sealed history,
 * which the evidence pack lists, attachments with their SHA-256.
 */
import { Router } from 'express';
import type { AttachmentInfo } from '../../engine';
import { ApiError, badRequest } from '../errors';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';
import { inputOf } from '../validate';
import { taskFor } from './tasks';

const iso = (ms: number): string => new Date(ms).toISOString();
const attachmentView = (a: AttachmentInfo) => ({
  id: a.id,
  taskId: a.taskId,
  name: a.name,
  contentType: a.contentType,
  size: a.size,
  sha256: a.sha256,
  uploadedBy: a.uploadedBy,
  uploadedAt: iso(a.uploadedAt),
});
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function taskNotesRouter(ctx: ApiContext): Router {
  const router = Router();
  const { engine } = ctx;
  const limits = ctx.config.taskDesk;

  mount(router, ctx, OPERATIONS.listTaskNotes, async (_req, res) => {
    const { task } = await taskFor(engine, res, 'read');
    res.json({ items: (await engine.desk.notes(task)).map((n) => ({ ...n, at: iso(n.at) })) });
  });

  mount(router, ctx, OPERATIONS.addTaskNote, async (_req, res) => {
    const { text } = inputOf<never, never, { text: string }>(res).body;
    if (text.length > limits.maxNoteChars) throw badRequest(`a note may have at most ${limits.maxNoteChars} characters (TASK_NOTE_MAX_CHARS), this one has ${text.length}`);
    if (!text.trim()) throw badRequest('the note is empty');
    const { task, me } = await taskFor(engine, res, 'work');
    const note = await engine.desk.addNote(task, text, me.id);
    res.status(201).json({ ...note, at: iso(note.at) });
  });

  mount(router, ctx, OPERATIONS.listTaskAttachments, async (_req, res) => {
    const { task } = await taskFor(engine, res, 'read');
    res.json({ items: (await engine.desk.attachments(task)).map(attachmentView) });
  });

  mount(router, ctx, OPERATIONS.addTaskAttachment, async (_req, res) => {
    const { name, contentType, content } = inputOf<never, never, { name: string; contentType: string; content: string }>(res).body;
    const { task, me } = await taskFor(engine, res, 'work');
    if (!limits.attachmentTypes.includes(contentType)) throw badRequest(`content type ${contentType} is not allowed (ATTACHMENT_TYPES: ${limits.attachmentTypes.join(', ')})`);
    if (!BASE64.test(content)) throw badRequest('content is not base64');
    // base64 holds 3 bytes in 4 characters: refuse a large file before decoding it
    if (Math.floor((content.length * 3) / 4) - (content.match(/=*$/)?.[0].length ?? 0) > limits.maxAttachmentBytes) {
      throw new ApiError('PAYLOAD_TOO_LARGE', `an attachment may have at most ${limits.maxAttachmentBytes} bytes (ATTACHMENT_MAX_BYTES)`);
    }
    const info = await engine.desk.addAttachment(task, { name, contentType, content: Buffer.from(content, 'base64') }, me.id);
    res.status(201).json(attachmentView(info));
  });

  mount(router, ctx, OPERATIONS.downloadAttachment, async (_req, res) => {
    const a = await engine.desk.attachment(inputOf<{ id: string }>(res).params.id);
    await taskFor(engine, res, 'read', a.taskId);
    res.set('Content-Type', a.contentType);
    res.set('Content-Disposition', `attachment; filename="${a.name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(a.name)}`);
    res.set('X-Content-Type-Options', 'nosniff');
    res.send(Buffer.from(a.content, 'base64'));
  });

  return router;
}
