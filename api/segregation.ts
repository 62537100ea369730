/**
 * Segregation of duties for approvals: whoever requested something may never approve it, whatever
 * their role (admins included). A task is an approval when its form id ends in `-approval` (the shipped
 * `change-approval` and `request-approval`); the requester is the process variable `requester` as the
 * task saw it when it was created. Enforced when a task is completed (403 otherwise).
 */
import type { TaskRow } from '../engine';

export const APPROVAL_FORM_SUFFIX = '-approval';

/** Why `user` may not complete `task`, or undefined when segregation of duties allows it. */
export function segregationProblem(task: TaskRow, user: string): string | undefined {
  if (!task.formId?.endsWith(APPROVAL_FORM_SUFFIX)) return undefined;
  const requester = (task.variables ?? {}).requester;
  if (typeof requester !== 'string' || requester !== user) return undefined;
  return `segregation of duties: ${user} requested this and may not approve it (task ${task.id})`;
}
