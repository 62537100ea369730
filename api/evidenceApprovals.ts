/**
 * The approvals of an evidence pack: for every vote (the seats of a multi-instance task with the header
 * onePerPerson, e.g. the approval process's Vote), read from the sealed history: who had a seat (users,
 * or a group whose members could cast it), who was kept out and why (segregation of duties), every
 * delegation (who handed which seat to whom, when), and every vote cast (seat, the person who cast it,
 * decision, comment, when). An auditor answers "did two different people approve?" from this alone.
 */
import type { HistoryEvent } from '../engine';
import { iso } from './views';

export interface ApprovalEvidence {
  instanceId: string;
  processId: string;
  elementId: string;
  /** The seats offered: a user, or `group <id>` for a group seat any member may take. */
  seats: { taskId: string; seat: string }[];
  /** People segregation of duties kept off the seats, with the variable that named them. */
  excluded: { user: string; role: string }[];
  delegations: { taskId: string; seat: string; from: string | null; to: string; by: string; at: string }[];
  votes: { taskId: string; seat: string; voter: string; decision: unknown; comment: unknown; at: string }[];
}

interface Created {
  waitId?: string;
  assignee?: string;
  candidateGroups?: string[];
  excludedUsers?: { user: string; role: string }[];
  seatGroup?: string;
}

export function approvalsOf(instance: { id: string; processId: string }, events: HistoryEvent[]): ApprovalEvidence[] {
  const groups = new Map<string, ApprovalEvidence>();
  const seatOf = new Map<string, { group: ApprovalEvidence; seat: string }>();
  for (const e of events) {
    if (e.type !== 'task.created') continue;
    const data = (e.data ?? {}) as Created;
    if (!data.seatGroup || !data.waitId) continue;
    let group = groups.get(data.seatGroup);
    if (!group) {
      group = { instanceId: instance.id, processId: instance.processId, elementId: e.elementId ?? '', seats: [], excluded: [], delegations: [], votes: [] };
      groups.set(data.seatGroup, group);
    }
    const taskId = `${instance.id}.${data.waitId}`;
    const seat = data.assignee ?? (data.candidateGroups?.length ? `group ${data.candidateGroups.join(', ')}` : 'nobody');
    group.seats.push({ taskId, seat });
    seatOf.set(taskId, { group, seat });
    for (const x of data.excludedUsers ?? []) {
      if (!group.excluded.some((y) => y.user === x.user && y.role === x.role)) group.excluded.push(x);
    }
  }
  for (const e of events) {
    const data = (e.data ?? {}) as { taskId?: string; waitId?: string; from?: string | null; assignee?: string; variables?: Record<string, unknown> };
    if (e.type === 'task.delegated' && data.taskId && seatOf.has(data.taskId)) {
      const { group, seat } = seatOf.get(data.taskId)!;
      group.delegations.push({ taskId: data.taskId, seat, from: data.from ?? null, to: String(data.assignee), by: e.actor, at: iso(e.at)! });
    } else if (e.type === 'task.completed' && data.waitId) {
      const taskId = `${instance.id}.${data.waitId}`;
      const found = seatOf.get(taskId);
      if (found)
        found.group.votes.push({ taskId, seat: found.seat, voter: e.actor, decision: data.variables?.decision ?? null, comment: data.variables?.comment ?? null, at: iso(e.at)! });
    }
  }
  return [...groups.values()];
}
