/**
 * Process owners: who may change a process and act on its instances as its owner.
 *
 * - A process version's owners are those its diagram declares (`processdesk.owners`: user ids and
 *   `group:<id>`) or, when it declares none, the user who deployed it. A form, decision or schema
 *   belongs to the owners of the processes deployed with it (or, deployed alone, to its deployer).
 * - Deploying a new version of a process, or new content under an existing form, decision or schema
 *   id, takes being one of the current owners: otherwise any designer could take over another team's
 *   process (its next version decides who approves) or swap the decision that sets its priorities.
 * - Canceling an instance and retrying its incidents take owning the latest version of its process.
 *
 * Admins always may, and so may the deployment of the shipped processes at start (no caller). Rows
 * deployed before ownership existed have no owners: admins only, until an admin deploys a version
 * that declares them.
 */
import type { DefinitionRow, ResourceRow } from '../store/types';
import type { Caller } from './access';
import { EngineError } from './errors';

/** Who deployed what the server deploys itself at start (shipped processes). */
export const SYSTEM_DEPLOYER = 'system';

export function isOwner(owners: readonly string[] | undefined, caller: Caller): boolean {
  if (caller.roles.includes('admin')) return true;
  return (owners ?? []).some((o) => (o.startsWith('group:') ? caller.groups.includes(o.slice(6)) : o === caller.id));
}

/** The owners of a new process version: as declared, else its deployer (nobody but admins for the start deployment). */
export function processOwners(declared: readonly string[] | undefined, caller: Caller | undefined): string[] {
  if (declared?.length) return [...declared];
  return caller ? [caller.id] : [];
}

const ownersText = (owners: readonly string[] | undefined): string => (owners?.length ? owners.join(', ') : 'admins only');

/** Refuses a deployment that would replace processes or resources the caller does not own. */
export function checkMayReplace(caller: Caller | undefined, processes: DefinitionRow[], resources: ResourceRow[]): void {
  if (!caller) return;
  const refused = [
    ...processes.filter((d) => !isOwner(d.owners, caller)).map((d) => `process ${d.processId} (owners: ${ownersText(d.owners)})`),
    ...resources.filter((r) => !isOwner(r.owners, caller)).map((r) => `${r.id} (owners: ${ownersText(r.owners)})`),
  ];
  if (refused.length) {
    throw new EngineError('FORBIDDEN', `${caller.id} may not replace ${refused.join('; ')}: only their owners or an admin deploy new versions of them; nothing was deployed`);
  }
}

/** Refuses an owner's action (cancel, retry) on an instance of a process the caller does not own. */
export function checkOwnsProcess(latest: DefinitionRow, caller: Caller, action: string): void {
  if (isOwner(latest.owners, caller)) return;
  throw new EngineError('FORBIDDEN', `${caller.id} may not ${action}: process ${latest.processId} is owned by ${ownersText(latest.owners)}`);
}
