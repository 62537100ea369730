/**
 * One person, one seat: the instances of a multi-instance user task with the header `onePerPerson`
 * (the votes of one approval) form a seat group. A person may hold (claim, be assigned or delegated)
 * or complete at most one seat of a group, whatever their roles: an admin who may act on any task still
 * casts one vote, and someone asked by name and as a group member still votes once.
 */
import type { Store, TaskRow } from '../store/types';

/** Why `user` may not take `task`, or undefined. */
export async function seatProblem(store: Store, task: TaskRow, user: string, act: 'complete' | 'claim' | 'be given'): Promise<string | undefined> {
  if (!task.seatGroup) return undefined;
  let cursor: string | undefined;
  do {
    const page = await store.listTasks({ instanceId: task.instanceId, limit: 1000, cursor });
    const other = page.items.find(
      (t) => t.seatGroup === task.seatGroup && t.id !== task.id && ((t.state === 'created' && t.assignee === user) || (t.state === 'completed' && t.completedBy === user)),
    );
    if (other) {
      const what = other.state === 'completed' ? 'completed' : 'holds';
      return `one person, one seat: ${user} already ${what} task ${other.id} of the same ${task.name ?? task.elementId} and may not ${act} task ${task.id}`;
    }
    cursor = page.next;
  } while (cursor);
  return undefined;
}
