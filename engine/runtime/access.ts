/**
 * Who may act on what, for callers the engine is told about (the API passes the signed-in user):
 * starting a process (`processdesk.startableBy`), and acting on an instance as an agent: an agent may
 * act on an instance they started, one where they have or had a task (assigned, offered to them or to
 * one of their groups), or one whose process grants one of their groups (`processdesk.visibleToGroups`).
 * Admins, workers, designers and auditors are not limited here (their routes are, by role).
 */
import type { ProcessPolicy } from '../bpmn/model';
import type { InstanceRow, Store } from '../store/types';
import { EngineError } from './errors';

/** The signed-in user behind a command. */
export interface Caller {
  id: string;
  roles: readonly string[];
  groups: readonly string[];
}

/** An agent and nothing more: the one role whose reach is per instance. */
export function isAgentOnly(caller: Caller): boolean {
  return caller.roles.includes('agent') && !caller.roles.some((r) => r === 'admin' || r === 'worker' || r === 'designer' || r === 'auditor');
}

/** Refuses a start the process does not allow this caller. */
export function checkMayStart(processId: string, policy: ProcessPolicy | undefined, caller: Caller): void {
  const allowed = policy?.startableBy;
  if (!allowed || caller.roles.includes('admin')) return;
  const ok = allowed.some((a) => (a.startsWith('group:') ? caller.groups.includes(a.slice(6)) : caller.roles.includes(a)));
  if (!ok) {
    throw new EngineError(
      'FORBIDDEN',
      allowed.length ? `process ${processId} may be started by ${allowed.join(', ')} only` : `process ${processId} is started by the processes that call it, not directly`,
    );
  }
}

/** Whether an agent may act on (read, message) this instance. */
export async function agentMayActOn(store: Store, row: InstanceRow, policy: ProcessPolicy | undefined, caller: Caller): Promise<boolean> {
  if (row.startedBy === caller.id) return true;
  if (policy?.visibleToGroups.some((g) => caller.groups.includes(g))) return true;
  const tasks = await store.listTasks({ instanceId: row.id, visibleTo: { user: caller.id, groups: [...caller.groups] }, limit: 1 });
  return tasks.items.length > 0;
}
