/**
 * Links between tickets made by agents (POST /api/process-instances/:id/links): who may link is whoever
 * may act on both tickets; each ticket's sealed history records the link (`ticket.linked`), and a
 * ticket has at most `limits.maxLinksPerTicket` links, so one request never grows a list without end.
 * Links a process makes (a change raised from a problem, a problem raised from an incident) are
 * written with the start of the raised ticket (Executor.start).
 */
import type { Limits } from '../expr/limits';
import type { InstanceRow, LinkKind, LinkRow, Store } from '../store/types';
import type { Caller } from './access';
import { conflict, invalid, notFound } from './errors';
import type { Clock, Executor } from './executor';
import { linkId, newLink } from './tickets';

/** The kinds an agent may give a link (`raised` is the processes' own). */
const AGENT_LINK_KINDS = ['related', 'caused-by', 'fixed-by'] as const satisfies readonly LinkKind[];

export class TicketLinks {
  constructor(
    private readonly store: Store,
    private readonly executor: Executor,
    private readonly clock: Clock,
    private readonly limits: Limits,
    /** Refuses (FORBIDDEN) a caller who may not act on the instance; NOT_FOUND for an unknown one. */
    private readonly checkMayActOn: (id: string, caller: Caller) => Promise<void>,
  ) {}

  /** The links from and to a ticket, oldest first (at most the per-ticket limit). */
  list(instanceId: string): Promise<LinkRow[]> {
    return this.store.listLinks(instanceId, this.limits.maxLinksPerTicket);
  }

  /** Refuses a link the limit does not allow: either ticket has as many links as it may have. */
  async checkRoom(instanceId: string): Promise<void> {
    const max = this.limits.maxLinksPerTicket;
    if ((await this.store.listLinks(instanceId, max)).length >= max) throw invalid(`ticket ${instanceId} has ${max} links, the most a ticket may have (MAX_LINKS_PER_TICKET)`);
  }

  /**
   * Links `fromId` to `toId`: both must exist and the caller must be allowed to act on both. Recorded in
   * the first ticket's commit (the link row and its history event), then in the second's history.
   */
  async link(fromId: string, toId: string, kind: LinkKind, caller: Caller): Promise<LinkRow> {
    if (!(AGENT_LINK_KINDS as readonly string[]).includes(kind)) throw invalid(`links are ${AGENT_LINK_KINDS.join(', ')} (got ${kind})`);
    if (fromId === toId) throw invalid('a ticket cannot be linked to itself');
    const from = await this.existing(fromId);
    const to = await this.existing(toId);
    await this.checkMayActOn(fromId, caller);
    await this.checkMayActOn(toId, caller);
    const link = newLink(from, to, kind, caller.id, this.clock());
    // Checked inside the command of the pair's first ticket by id, whichever way the link goes: commands on
    // one ticket run one after another, so two requests for one pair cannot both find it unlinked (in this
    // process; requests to two processes at once may record it twice).
    const [first, second] = fromId < toId ? [fromId, toId] : [toId, fromId];
    await this.record(first, link, caller.id, async () => {
      const pair = [linkId(fromId, toId), linkId(toId, fromId)];
      if ((await this.list(first)).some((l) => pair.includes(l.id))) throw conflict(`${from.businessKey ?? fromId} and ${to.businessKey ?? toId} are linked already`);
      await this.checkRoom(fromId);
      await this.checkRoom(toId);
    });
    await this.record(second, link, caller.id);
    return link;
  }

  /** Records `link` in one ticket's history (and writes its row, once: a second write leaves it), after `check`. */
  async record(instanceId: string, link: LinkRow, actor: string, check?: () => Promise<void>): Promise<void> {
    await this.executor.execute(instanceId, actor, async () => {
      await check?.();
      return { event: null, extras: { links: [link] } };
    });
  }

  private async existing(id: string): Promise<InstanceRow> {
    const row = await this.store.getInstance(id);
    if (!row) throw notFound(`process instance ${id}`);
    return row;
  }
}
