/**
 * Segregation of duties for approvals, enforced by the engine whoever calls it (API, library, admins
 * included): whoever requested or implements something may never approve it. A task is an approval when
 * its form id ends in `-approval` (the shipped `change-approval` and `request-approval`); the requester
 * and implementer are the process variables `requester` and `implementer` as the task saw them when it
 * was created.
 */
import type { TaskRow } from '../store/types';

export const APPROVAL_FORM_SUFFIX = '-approval';
const CONFLICTING_ROLES = ['requester', 'implementer'] as const;

/** Why `user` may not complete `task`, or undefined when segregation of duties allows it. */
export function segregationProblem(task: TaskRow, user: string): string | undefined {
  if (!task.formId?.endsWith(APPROVAL_FORM_SUFFIX)) return undefined;
  const role = CONFLICTING_ROLES.find((r) => (task.variables ?? {})[r] === user);
  if (!role) return undefined;
  const did = role === 'requester' ? 'requested this' : 'implements this';
  return `segregation of duties: ${user} ${did} and may not approve it (task ${task.id})`;
}
