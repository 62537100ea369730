/**
 * Ticket numbers and links between tickets (processes/README.md, "Ticket numbers and links").
 *
 * A process that declares `processdesk.ticketPrefix` is numbered by the engine: each instance's business
 * key is the prefix and a number of at least seven digits (INC0000001, ... INC12345678), the next one of
 * the prefix's counter, taken in the same commit as the instance (Executor.start). Two processes with one
 * prefix share its counter, so a number is never given twice. The number is also the start variable
 * `ticketNumber`, for FEEL (the incident takes it as its correlation key).
 */
import type { InstanceRow, LinkKind, LinkRow } from '../store/types';

export function ticketNumber(prefix: string, number: number): string {
  return `${prefix}${String(number).padStart(7, '0')}`;
}

/** One link per ordered pair of tickets. */
export function linkId(fromId: string, toId: string): string {
  return `${fromId}>${toId}`;
}

export function newLink(from: Pick<InstanceRow, 'id' | 'businessKey'>, to: Pick<InstanceRow, 'id' | 'businessKey'>, kind: LinkKind, by: string, at: number): LinkRow {
  return { id: linkId(from.id, to.id), fromId: from.id, toId: to.id, kind, fromKey: from.businessKey, toKey: to.businessKey, createdAt: at, createdBy: by };
}

/** The link from the ticket a new one is raised from (its caller, or the ticket an agent named). */
export function raisedLink(from: InstanceRow | undefined, fromId: string, to: InstanceRow, by: string, at: number): LinkRow {
  return newLink({ id: fromId, businessKey: from?.businessKey }, to, 'raised', by, at);
}

/** The data of the `ticket.linked` history event an instance records for a link: the other end and the kind. */
export function linkedEvent(link: LinkRow, instanceId: string): Record<string, unknown> {
  const outgoing = link.fromId === instanceId;
  return {
    kind: link.kind,
    direction: outgoing ? 'to' : 'from',
    instanceId: outgoing ? link.toId : link.fromId,
    businessKey: (outgoing ? link.toKey : link.fromKey) ?? null,
  };
}
