/**
 * Segregation of duties, enforced by the engine whoever calls it (API, library, admins included): a user
 * task whose header `segregationOfDuties` names process variables (e.g. `requester, implementer`) keeps
 * the users those variables held when the task was created off it. They may not complete it, claim it,
 * or be handed it by delegation or assignment.
 */
import type { TaskRow } from '../store/types';

/** Why `user` may not act on `task`, or undefined when segregation of duties allows it. */
export function segregationProblem(task: TaskRow, user: string, act: 'complete' | 'claim' | 'be assigned'): string | undefined {
  const excluded = task.excludedUsers?.find((e) => e.user === user);
  if (!excluded) return undefined;
  return `segregation of duties: ${user} is the ${excluded.role} here and may not ${act} task ${task.id} (${task.name ?? task.elementId})`;
}
