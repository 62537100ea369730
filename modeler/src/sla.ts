/** The SLA of a task in words: "due in 35 min", "3 h overdue", "paused" (the instance's SLA clock waits). */
import type { Task } from '../../api/schemas';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A duration as the largest whole unit that says it: 35 min, 3 h, 2 d. */
function span(ms: number): string {
  if (ms < HOUR) return `${Math.max(1, Math.round(ms / MINUTE))} min`;
  if (ms < DAY) return `${Math.round(ms / HOUR)} h`;
  return `${Math.round(ms / DAY)} d`;
}

export interface SlaLabel {
  text: string;
  /** CSS class: overdue, due-soon (past the follow-up date), paused, or '' */
  cls: string;
}

export function slaLabel(t: Pick<Task, 'state' | 'dueDate' | 'dueStage' | 'slaPaused'>, now = Date.now()): SlaLabel {
  if (t.state !== 'created') return { text: '—', cls: '' };
  if (t.slaPaused) return { text: 'paused', cls: 'paused' };
  if (!t.dueDate) return { text: '—', cls: '' };
  const left = Date.parse(t.dueDate) - now;
  if (left <= 0) return { text: `${span(-left)} overdue`, cls: 'overdue' };
  return { text: `due in ${span(left)}`, cls: t.dueStage === 'warning' ? 'due-soon' : '' };
}
