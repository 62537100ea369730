/**
 * Who a `notify` job tells. Its `to` header is a comma-separated list; each entry is
 *   - `customer`: the person the ticket is for (the instance's `reportedBy`, else `requester`);
 *   - the name of one of the job's variables (or a field of one, `approvalPlan.eligible`) holding a user
 *     or group id, or a list of them (`requester`, `escalationGroup`...);
 *   - else a user or group id (`incident-managers`).
 * No `to`: the instance's `assignmentGroup`, else its `assignee`. A user is their directory e-mail; a
 * group is its address in NOTIFY_CONFIG `groups`, else its members' e-mails; for a P1 (`priority` 1)
 * the group's on-call person of the moment (NOTIFY_CONFIG `onCall`) is told as well.
 */
import type { Directory, JobRow } from '../../engine';
import { onCallAt } from './onCall';
import type { NotifySettings } from './settings';

export interface Recipients {
  /** E-mail addresses, each once. */
  emails: string[];
  /** The on-call users told because of a P1, for the log and the job's result. */
  onCall: string[];
  /** Entries that named nobody with an address. */
  unresolved: string[];
}

/** A variable, or a field of one (`approvalPlan.eligible`). */
function valueAt(vars: Record<string, unknown>, path: string): unknown {
  let v: unknown = vars;
  for (const part of path.split('.')) v = v !== null && typeof v === 'object' && Object.hasOwn(v, part) ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

const ids = (value: unknown): string[] => (typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

export function recipientsOf(job: Pick<JobRow, 'customHeaders' | 'variables'>, directory: Directory, settings: NotifySettings, now: number): Recipients {
  const vars = job.variables ?? {};
  const entries = (job.customHeaders.to ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const names: string[] = [];
  if (!entries.length) names.push(...ids(vars.assignmentGroup ?? vars.assignee));
  for (const entry of entries) {
    if (entry === 'customer') names.push(...ids(vars.reportedBy ?? vars.requester));
    else if (valueAt(vars, entry) !== undefined) names.push(...ids(valueAt(vars, entry)));
    else names.push(entry);
  }
  const emails = new Set<string>();
  const onCall = new Set<string>();
  const unresolved: string[] = [];
  const p1 = vars.priority === 1;
  for (const name of new Set(names)) {
    const found: string[] = [];
    const user = directory.user(name);
    if (user?.email) found.push(user.email);
    if (settings.groups[name]) found.push(settings.groups[name]);
    else for (const m of directory.members(name)) if (directory.user(m)?.email) found.push(directory.user(m)!.email!);
    const rota = settings.onCall[name];
    if (p1 && rota) {
      const who = onCallAt(rota, now);
      const address = who ? directory.user(who)?.email : undefined;
      if (who && address) {
        found.push(address);
        onCall.add(who);
      }
    }
    if (!found.length) unresolved.push(name);
    for (const address of found) emails.add(address);
  }
  return { emails: [...emails], onCall: [...onCall], unresolved };
}
