/**
 * The command path (docs/architecture.md, "The command path"): load the snapshot, apply the event to the instance's
 * context (the compiled process's pure step: the statechart moves the tokens), collect the effects,
 * commit snapshot + history + rows + outbox in one transaction with an optimistic revision check,
 * retry on conflict. Nothing is acknowledged before the commit.
 */
import { changedFrozen } from '../compile/copyOnWrite';
import type { Effect, MachineEvent } from '../compile/state';
import type { Ownership } from '../compile/step';
import { registerJson } from '../store/jsonText';
import {
  ConflictError,
  type CommitBatch,
  type IncidentRow,
  type InstanceRow,
  type JobRow,
  type LinkRow,
  type OutboxEntry,
  type Store,
  type TaskRow,
  type TimerRow,
} from '../store/types';
import type { DefinitionCache, LoadedDefinition } from './definitions';
import { emptyParts, toBatch, translate } from './effects';
import { conflict, notFound } from './errors';
import { GENESIS_HASH, HistoryWriter } from './history';
import type { InstanceCache } from './instanceCache';
import type { HeadSealer } from './headSealer';
import { activeElements, instanceState, persisted, rootVariables, type PersistedInstance } from './snapshot';
import { snapshotJson } from './snapshotJson';
import { linkedEvent, raisedLink, ticketNumber } from './tickets';

const MAX_ATTEMPTS = 8;
/**
 * Numbered starts of one prefix run one after another in a process, so only another process can take
 * the number a start read; each such race costs one attempt.
 */
const MAX_TICKET_ATTEMPTS = 50;

/** What a command changes besides the machine: rows it settles itself and history it records. */
export interface CommandExtras {
  tasks?: TaskRow[];
  jobs?: JobRow[];
  timers?: TimerRow[];
  incidents?: IncidentRow[];
  /** History recorded before the machine's own events. */
  history?: { type: string; elementId?: string; data?: unknown }[];
  consumedMessages?: string[];
  jobIncidents?: { add?: string[]; remove?: string[] };
  /** Links between tickets this command records; each also records a `ticket.linked` history event. */
  links?: LinkRow[];
  /** Outbox entries of the command itself (not of the token game): committed with it, dispatched after. */
  outbox?: OutboxEntry[];
}

/** What a command wants to do, decided against the freshly loaded instance row. */
export interface CommandPlan {
  event: MachineEvent | null;
  extras?: CommandExtras;
  /** Nothing to do (e.g. a timer another process fired already). */
  skip?: boolean;
  /** A migration: the event runs with this definition's graph, which the instance runs from then on. */
  definitionKey?: string;
}

export interface StartOptions {
  id: string;
  variables: Record<string, unknown>;
  businessKey?: string;
  startEvent?: string;
  parent?: { instanceId: string; waitId: string };
  actor: string;
  /** Who the instance counts as started by; default `actor` (a call activity passes its caller's starter). */
  startedBy?: string;
  /** The ticket it is raised from (besides a parent, which it is raised from as well): linked in its start commit. */
  raisedFrom?: string;
}

export type Clock = () => number;

/**
 * Applies an event to the instance `def` runs, from its persisted snapshot (or from scratch). Only the
 * context is read back: snapshots of every earlier format (an XState actor's persisted snapshot of a
 * machine with a region per flow node, then of one `running` state) hold the same context.
 */
function runMachine(
  def: LoadedDefinition,
  snapshot: PersistedInstance['machine'] | undefined,
  event: MachineEvent,
  ownership: Ownership,
): { snapshot: PersistedInstance['machine']; effects: Effect[] } {
  let result;
  try {
    // the event's values are copied in: the context (frozen once kept, instanceCache.ts) never holds the caller's objects
    result = def.compiled.step(snapshot?.context, structuredClone(event), ownership);
  } catch (err) {
    if (changedFrozen(err)) throw err;
    throw new Error(`the process machine failed on ${event.type}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
  // only the context is stored: nothing reads the `status` and `value` that earlier formats wrote beside it
  return { snapshot: { context: result.context }, effects: result.effects };
}

export class Executor {
  /** Commands on one instance run one after another inside this process (other processes: revisions). */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: Store,
    private readonly definitions: DefinitionCache,
    private readonly clock: Clock,
    private readonly sealer: HeadSealer,
    private readonly onCommitted: (batch: CommitBatch) => void,
    private readonly cache: InstanceCache,
  ) {}

  private serialize<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return next;
  }

  /**
   * What `look` makes of an instance as committed last, without a command: of its kept row when this
   * engine committed it last and no command holds it (no snapshot read and parsed), else of the store's
   * row; undefined when there is no such instance. A kept row is `shared`: frozen, and changed by the
   * next command, so `look` hands out copies of what it takes from it.
   */
  async read<T>(instanceId: string, look: (row: InstanceRow, shared: boolean) => T): Promise<T | undefined> {
    const kept = await this.cache.read(instanceId, (row) => look(row, true));
    if (kept) return kept.value;
    const row = await this.store.getInstance(instanceId);
    return row ? look(row, false) : undefined;
  }

  /**
   * Creates an instance; if `opts.id` already exists (a re-dispatched start) the existing row is returned.
   * A process with a ticket prefix gets the next number as its business key, taken in the start's commit.
   */
  async start(def: LoadedDefinition, opts: StartOptions): Promise<InstanceRow> {
    const prefix = def.compiled.model.policy?.ticketPrefix;
    if (!prefix) return this.serialize(opts.id, () => this.startOnce(def, opts));
    return this.serialize(`ticket:${prefix}`, () =>
      this.serialize(opts.id, async () => {
        for (let attempt = 1; ; attempt++) {
          const ticket = { prefix, number: (await this.store.lastTicketNumber(prefix)) + 1 };
          const row = await this.startOnce(def, opts, ticket);
          if (row) return row;
          if (attempt >= MAX_TICKET_ATTEMPTS) throw conflict(`no ${prefix} ticket number could be taken after ${attempt} attempts: too many concurrent starts`);
        }
      }),
    );
  }

  /** One attempt of a start: the instance row, or undefined when another commit took `ticket`'s number. */
  private async startOnce(def: LoadedDefinition, opts: StartOptions): Promise<InstanceRow>;
  private async startOnce(def: LoadedDefinition, opts: StartOptions, ticket: { prefix: string; number: number }): Promise<InstanceRow | undefined>;
  private async startOnce(def: LoadedDefinition, opts: StartOptions, ticket?: { prefix: string; number: number }): Promise<InstanceRow | undefined> {
    const existing = await this.store.getInstance(opts.id);
    if (existing) return existing;
    const businessKey = ticket ? ticketNumber(ticket.prefix, ticket.number) : opts.businessKey;
    const at = this.clock();
    const startedBy = opts.startedBy ?? opts.actor;
    const { snapshot, effects } = runMachine(
      def,
      undefined,
      {
        type: 'START',
        at,
        actor: opts.actor,
        instanceId: opts.id,
        definitionKey: def.row.key,
        // the number is also a variable, for FEEL (a subject, a correlation key); the business key is the record
        variables: ticket ? { ...opts.variables, ticketNumber: businessKey } : opts.variables,
        startEvent: opts.startEvent,
        hasParent: !!opts.parent,
        startedBy,
      },
      'owned',
    );
    const rejected = effects.find((e) => e.type === 'rejected');
    if (rejected) throw conflict(rejected.reason);
    const row: InstanceRow = {
      id: opts.id,
      processId: def.row.processId,
      version: def.row.version,
      definitionKey: def.row.key,
      businessKey,
      state: 'active',
      rev: 1,
      snapshot: undefined,
      variables: {},
      activeElements: [],
      parentInstanceId: opts.parent?.instanceId,
      parentWaitId: opts.parent?.waitId,
      startedAt: at,
      startedBy,
    };
    const history = new HistoryWriter(opts.id, 0, GENESIS_HASH);
    // a ticket started by a call activity is raised from its caller; the ticket an agent raised it from is named
    const from = new Set([ticket ? opts.parent?.instanceId : undefined, opts.raisedFrom].filter((id): id is string => !!id));
    const links: LinkRow[] = [];
    for (const id of from) links.push(raisedLink(await this.store.getInstance(id), id, row, startedBy, at));
    try {
      return await this.commit(row, null, snapshot, effects, history, [], { links }, at, opts.actor, ticket);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      // the same start committed first elsewhere (a start re-dispatched, a timer fired by two processes)
      const existing = await this.store.getInstance(opts.id);
      if (existing) return existing;
      if (!ticket) throw err;
      return undefined; // the number was taken: the caller tries the next one
    }
  }

  /**
   * Applies an event (or, with `event` null, only the extras: history and rows) to an instance.
   * `prepare` runs against the freshly loaded row on every attempt and may throw to refuse.
   */
  async execute(
    instanceId: string,
    actor: string,
    build: (row: InstanceRow, at: number) => Promise<CommandPlan>,
  ): Promise<{ row: InstanceRow; effects: Effect[]; skipped?: boolean }> {
    return this.serialize(instanceId, async () => {
      for (let attempt = 1; ; attempt++) {
        // the row this engine committed last, while nobody committed since, else the store's (a kept row is
        // taken out: an attempt after a conflict or a reread reads the store)
        const cached = await this.cache.take(instanceId);
        const row = cached ?? (await this.store.getInstance(instanceId));
        if (!row) throw notFound(`process instance ${instanceId}`);
        const at = this.clock();
        const { event, extras = {}, skip, definitionKey } = await build(row, at);
        if (skip) return { row, effects: [], skipped: true };
        const def = await this.definitions.get(definitionKey ?? row.definitionKey);
        const state = persisted(row);
        let machine = state.machine;
        let effects: Effect[] = [];
        if (event) {
          try {
            // a row just read is this command's alone (changed in place); a cached one is shared and frozen
            ({ snapshot: machine, effects } = runMachine(def, state.machine, event, cached ? 'shared' : 'owned'));
          } catch (err) {
            if (!cached || !changedFrozen(err)) throw err;
            this.cache.reread();
            attempt--; // not a conflict: the attempts are kept for those
            continue;
          }
          const rejected = effects.find((e) => e.type === 'rejected');
          if (rejected) throw conflict(rejected.reason);
        }
        const history = new HistoryWriter(instanceId, state.history.seq, state.history.hash);
        for (const h of extras.history ?? []) history.append(h.type, at, actor, h.elementId, h.data);
        let jobIncidents = state.jobIncidents.filter((id) => !(extras.jobIncidents?.remove ?? []).includes(id));
        jobIncidents = [...jobIncidents, ...(extras.jobIncidents?.add ?? [])];
        try {
          const base = definitionKey ? { ...row, definitionKey: def.row.key, version: def.row.version } : row;
          const committed = await this.commit(base, row.rev, machine, effects, history, jobIncidents, extras, at, actor);
          return { row: committed, effects };
        } catch (err) {
          if (err instanceof ConflictError && attempt < MAX_ATTEMPTS) continue;
          throw err;
        }
      }
    });
  }

  private async commit(
    base: InstanceRow,
    expectedRev: number | null,
    machine: PersistedInstance['machine'],
    effects: Effect[],
    history: HistoryWriter,
    jobIncidents: string[],
    extras: CommandExtras,
    at: number,
    actor: string,
    ticket?: CommitBatch['ticket'],
  ): Promise<InstanceRow> {
    const ctx = machine.context;
    const instance: InstanceRow = { ...base, rev: expectedRev === null ? 1 : expectedRev + 1, snapshot: undefined };
    const parts = emptyParts();
    for (const t of extras.tasks ?? []) parts.tasks.set(t.id, t);
    for (const j of extras.jobs ?? []) parts.jobs.set(j.key, j);
    for (const t of extras.timers ?? []) parts.timers.set(t.id, t);
    for (const i of extras.incidents ?? []) parts.incidents.set(i.id, i);
    (extras.outbox ?? []).forEach((entry, n) => parts.outbox.push({ ...entry, id: `${instance.id}.x${n}@${instance.rev}`, createdAt: at }));
    await translate(effects, { instance, store: this.store, at, actor, history, parts });
    for (const link of extras.links ?? []) history.append('ticket.linked', at, actor, undefined, linkedEvent(link, instance.id));
    jobIncidents = jobIncidents.filter((id) => !parts.jobIncidentsRemoved.includes(id));
    instance.state = instanceState(ctx, jobIncidents);
    const ended = instance.state === 'completed' || instance.state === 'terminated';
    Object.assign(instance, { variables: rootVariables(ctx), activeElements: activeElements(ctx), endedAt: ended ? (base.endedAt ?? at) : undefined });
    const snapshot: PersistedInstance = { machine, history: history.last, jobIncidents };
    instance.snapshot = snapshot;
    // serialized here, reusing the text of every part the command left unchanged (snapshotJson.ts)
    const text = snapshotJson(snapshot);
    registerJson(snapshot, text.json);
    // sealed together with the heads of the commands committing beside it (headSealer.ts)
    instance.head = await this.sealer.seal(instance, history.last);
    const batch: CommitBatch = { ...toBatch(instance, expectedRev, history, parts, extras.consumedMessages), ticket, links: extras.links };
    await this.store.commit(batch);
    this.cache.put({ ...instance }, text);
    this.onCommitted(batch);
    return instance;
  }
}
