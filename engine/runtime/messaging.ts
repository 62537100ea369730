/**
 * Messages and signals. A message correlates to at most one waiting subscription per instance, is
 * buffered for its time to live so instances that wait later still get it (once each), and is
 * deduplicated by an optional messageId. Message and signal start events start new instances.
 *
 * A message that means something only in one state of an instance (a customer's reply to a question,
 * a reopen of a resolved ticket: `processdesk.correlation = waiting` on the element that waits for it)
 * is never buffered: a reply that came early would otherwise end the next, unrelated wait. It reaches
 * exactly one instance waiting for it now, or it is refused (CONFLICT, nothing delivered, nothing kept):
 * when none waits, and when several wait for the same key (one reply never resumes two tickets); it
 * never starts an instance. The sender learns which instance it reached (`instances`).
 */
import { randomUUID } from 'node:crypto';
import { referencedNames } from '../expr/feel';
import type { Limits } from '../expr/limits';
import type { MessageRow, Store, SubscriptionRow } from '../store/types';
import { agentMayActOn, isAgentOnly, type Caller } from './access';
import type { DefinitionCache, LoadedDefinition } from './definitions';
import { EngineError, conflict, invalid } from './errors';
import type { Clock, Executor } from './executor';
import { identityError, withStarter } from './identity';

/** Camunda's default: a published message lives one hour unless told otherwise. */
export const DEFAULT_MESSAGE_TTL_MS = 60 * 60 * 1000;

export interface PublishResult {
  messageKey: string;
  /** How many instances the message was delivered to now (waiting ones and newly started ones). */
  correlated: number;
  /** Their ids, waiting ones first. */
  instances: string[];
  startedInstances: string[];
  duplicate?: boolean;
}

/**
 * Checks an agent's message variables against the form of the element that catches it (the API holds the
 * form rules, api/forms.ts); throws to refuse. Called after the agent's other checks, before delivery.
 */
export type MessageFormCheck = (formId: string, variables: Record<string, unknown>) => Promise<void>;

function notWaitedFor(name: string, correlationKey: string, waiting: number): EngineError {
  const why = waiting
    ? `${waiting} instances wait for ${name} with key "${correlationKey}": it reaches exactly one`
    : `no instance waits for ${name} with key "${correlationKey}" now`;
  return conflict(`${why}; ${name} is correlated only while an instance waits for it, never buffered: nothing was delivered`);
}

/** Refuses a message or signal that would set identity variables of a process it starts (nothing moved yet). */
function checkStarts(starts: { def: LoadedDefinition }[], variables: Record<string, unknown>, by: 'message' | 'signal'): void {
  for (const { def } of starts) {
    const refused = identityError(def.compiled.model.policy, variables, by);
    if (refused) throw refused;
  }
}

const ignorableConflict = (err: unknown): boolean => err instanceof EngineError && (err.code === 'CONFLICT' || err.code === 'NOT_FOUND');

export class Messaging {
  /** Per definition key, the messages its elements take only while waiting (processdesk.correlation). */
  private readonly waitingOnlyNames = new Map<string, Set<string>>();

  constructor(
    private readonly store: Store,
    private readonly executor: Executor,
    private readonly definitions: DefinitionCache,
    private readonly clock: Clock,
    private readonly newId: (seed?: string) => string,
    private readonly limits: Pick<Limits, 'maxMessageTtlMs'>,
  ) {}

  /**
   * Publishes a message. With a `caller` who is only an agent, the message must be one the process
   * lets agents publish (processdesk.publishers), to instances the agent may act on, carrying only the
   * variables the catching element maps, valid for its form (`checkForm`, when the element declares
   * one); it correlates now or not at all (no buffering). Every target is checked before anything is
   * delivered: a refusal leaves every instance untouched.
   */
  async publish(
    req: { name: string; correlationKey?: string; variables?: Record<string, unknown>; timeToLiveMs?: number; messageId?: string },
    actor: string,
    caller?: Caller,
    checkForm?: MessageFormCheck,
  ): Promise<PublishResult> {
    if (!req.name) throw invalid('a message needs a name');
    if ((req.timeToLiveMs ?? 0) > this.limits.maxMessageTtlMs) {
      throw invalid(`a message lives at most ${this.limits.maxMessageTtlMs} ms (maxMessageTtlMs), not ${req.timeToLiveMs}`);
    }
    const agent = caller && isAgentOnly(caller) ? caller : undefined;
    if (agent) {
      if (req.timeToLiveMs) throw invalid('messages of agents correlate at once or not at all: no timeToLive');
      const targets = await this.findSubscriptions(req.name, req.correlationKey ?? '');
      if (!targets.length) {
        if ((await this.startEventsFor('message', req.name)).length) throw new EngineError('FORBIDDEN', `agents may not start processes by message (${req.name})`);
        throw conflict(`no instance ${agent.id} may act on waits for message ${req.name} with key "${req.correlationKey ?? ''}"`);
      }
      req = { ...req, timeToLiveMs: 0 };
    }
    const waitingOnly = await this.correlatedOnlyWhileWaiting(req.name);
    if (waitingOnly) {
      if (req.timeToLiveMs) throw invalid(`${req.name} is correlated only while an instance waits for it (processdesk.correlation): no timeToLive`);
      if (req.messageId) throw invalid(`${req.name} is never buffered, so no messageId is kept for it: retry safely with the Idempotency-Key header`);
    }
    const targets = await this.findSubscriptions(req.name, req.correlationKey ?? '');
    await this.checkTargets(targets, req.variables, agent, checkForm);
    // As for signals: a start event the message names is checked before anything is delivered or kept.
    const starts = waitingOnly ? [] : await this.startEventsFor('message', req.name);
    checkStarts(starts, req.variables ?? {}, 'message');
    if (waitingOnly) {
      const waiting = new Set(targets.map((s) => s.instanceId));
      if (waiting.size !== 1) throw notWaitedFor(req.name, req.correlationKey ?? '', waiting.size);
      req = { ...req, timeToLiveMs: 0 };
    }
    const now = this.clock();
    const message: MessageRow = {
      id: randomUUID(),
      name: req.name,
      correlationKey: req.correlationKey ?? '',
      variables: req.variables ?? {},
      messageId: req.messageId,
      publishedAt: now,
      expiresAt: now + Math.max(0, req.timeToLiveMs ?? DEFAULT_MESSAGE_TTL_MS),
    };
    const buffered = message.expiresAt > now || !!message.messageId;
    if (buffered && !(await this.store.bufferMessage(message))) {
      return { messageKey: message.id, correlated: 0, instances: [], startedInstances: [], duplicate: true };
    }
    const reached: string[] = [];
    const subs = await this.findSubscriptions(message.name, message.correlationKey);
    const byInstance = new Map<string, SubscriptionRow[]>();
    for (const s of subs) byInstance.set(s.instanceId, [...(byInstance.get(s.instanceId) ?? []), s]);
    for (const [instanceId, candidates] of byInstance) {
      if (await this.deliver(instanceId, candidates, message, buffered, actor)) reached.push(instanceId);
    }
    // The one waiting instance moved on between the check and the delivery: nothing was delivered.
    if (waitingOnly && !reached.length) throw notWaitedFor(message.name, message.correlationKey, 0);
    const startedInstances = await this.startByMessage(message, starts, actor);
    return { messageKey: message.id, correlated: reached.length + startedInstances.length, instances: [...reached, ...startedInstances], startedInstances };
  }

  /** True when an element of a deployed process (latest versions) catches this message only while waiting. */
  private async correlatedOnlyWhileWaiting(name: string): Promise<boolean> {
    for (const row of await this.store.listLatestDefinitions()) {
      let names = this.waitingOnlyNames.get(row.key);
      if (!names) {
        // a deployed version never changes: its names are read once
        const { model } = (await this.definitions.get(row.key)).compiled;
        names = new Set(Object.values(model.nodes).flatMap((n) => (n.correlation === 'waiting' && n.event?.kind === 'message' ? [n.event.messageName] : [])));
        this.waitingOnlyNames.set(row.key, names);
      }
      if (names.has(name)) return true;
    }
    return false;
  }

  private findSubscriptions(name: string, correlationKey: string): Promise<SubscriptionRow[]> {
    return this.store.findSubscriptions('message', name, correlationKey);
  }

  /**
   * Refuses the publication (nothing delivered) when a target does not take it: identity variables
   * never; for an agent also elements not open to agents, instances the agent may not act on,
   * variables the catching element does not map, and variables its form refuses.
   */
  private async checkTargets(subs: SubscriptionRow[], variables: Record<string, unknown> | undefined, agent: Caller | undefined, checkForm?: MessageFormCheck): Promise<void> {
    for (const sub of subs) {
      const row = await this.store.getInstance(sub.instanceId);
      if (!row) continue;
      const { model } = (await this.definitions.get(row.definitionKey)).compiled;
      const node = model.nodes[sub.elementId];
      const refused = identityError(model.policy, variables, 'message');
      if (refused) throw refused;
      if (!agent) continue;
      if (!node?.publishers?.includes('agent')) {
        throw new EngineError('FORBIDDEN', `agents may not publish ${sub.name} to ${model.id} (${sub.elementId} takes it from workers and admins only)`);
      }
      if (!(await agentMayActOn(this.store, row, model.policy, agent))) throw new EngineError('FORBIDDEN', `${agent.id} may not act on instance ${row.id}`);
      const mapped = new Set((node.outputs ?? []).flatMap((o) => referencedNames(o.source)));
      const extra = Object.keys(variables ?? {}).filter((k) => !mapped.has(k));
      if (extra.length) {
        throw invalid(`${sub.elementId} does not take ${extra.join(', ')} from a message (it maps ${[...mapped].join(', ') || 'nothing'})`, { properties: extra });
      }
      if (node.formId && checkForm) await checkForm(node.formId, variables ?? {});
    }
  }

  /** Delivers a message to the first of an instance's subscriptions that still waits. */
  private async deliver(instanceId: string, candidates: SubscriptionRow[], message: MessageRow, buffered: boolean, actor: string): Promise<boolean> {
    for (const sub of candidates) {
      try {
        await this.executor.execute(instanceId, actor, async (_row, at) => ({
          event: { type: 'MESSAGE', waitId: sub.waitId, variables: message.variables, at, actor },
          extras: buffered ? { consumedMessages: [message.id] } : undefined,
        }));
        return true;
      } catch (err) {
        if (!ignorableConflict(err)) throw err;
      }
    }
    return false;
  }

  private async startByMessage(message: MessageRow, starts: { def: LoadedDefinition; id: string }[], actor: string): Promise<string[]> {
    const started: string[] = [];
    for (const { def, id } of starts) {
      // As in Camunda: while an instance started with this correlation key is active, no second one starts.
      // The key becomes the instance's business key, which is how the running one is found.
      const businessKey = message.correlationKey || undefined;
      if (businessKey && (await this.hasRunningInstance(def.row.processId, businessKey))) continue;
      const instance = await this.executor.start(def, {
        id: this.newId(`${message.id}.${def.row.processId}`),
        variables: withStarter(def.compiled.model.policy, message.variables, actor),
        startEvent: id,
        actor,
        businessKey,
      });
      started.push(instance.id);
    }
    return started;
  }

  private async hasRunningInstance(processId: string, businessKey: string): Promise<boolean> {
    for (const state of ['active', 'incident'] as const) {
      if ((await this.store.listInstances({ processId, businessKey, state, limit: 1 })).items.length) return true;
    }
    return false;
  }

  /** A message subscription was just opened: hand it the oldest buffered message it has not had and may take. */
  async matchBuffered(instanceId: string, waitId: string, name: string, correlationKey: string | undefined): Promise<void> {
    const messages = await this.store.findBufferedMessages(name, correlationKey ?? '', instanceId, this.clock());
    if (!messages.length) return;
    const row = await this.store.getInstance(instanceId);
    if (!row) return;
    // Identity variables never come by message: one that names this process's is passed over (it stays
    // buffered for processes that have none), as publish() refuses it for instances already waiting.
    const { policy } = (await this.definitions.get(row.definitionKey)).compiled.model;
    const message = messages.find((m) => !identityError(policy, m.variables, 'message'));
    if (!message) return;
    const sub = { waitId } as SubscriptionRow;
    await this.deliver(instanceId, [sub], message, true, 'engine');
  }

  /** `thrownBy`: the instance that threw it, which caught it itself already (compile/run.ts throwSignal). */
  async broadcastSignal(name: string, variables: Record<string, unknown>, actor: string, thrownBy?: string): Promise<{ delivered: number; startedInstances: string[] }> {
    if (!name) throw invalid('a signal needs a name');
    const subs = (await this.store.findSubscriptions('signal', name)).filter((s) => s.instanceId !== thrownBy);
    const starts = await this.startEventsFor('signal', name);
    // Identity variables are never set by a signal: checked on every target before anything is delivered.
    for (const sub of subs) {
      const row = await this.store.getInstance(sub.instanceId);
      const refused = row && identityError((await this.definitions.get(row.definitionKey)).compiled.model.policy, variables, 'signal');
      if (refused) throw refused;
    }
    checkStarts(starts, variables, 'signal');
    let delivered = 0;
    for (const sub of subs) {
      try {
        await this.executor.execute(sub.instanceId, actor, async (_row, at) => ({ event: { type: 'SIGNAL', waitId: sub.waitId, variables, at, actor } }));
        delivered++;
      } catch (err) {
        if (!ignorableConflict(err)) throw err;
      }
    }
    const startedInstances: string[] = [];
    for (const { def, id } of starts) {
      const instance = await this.executor.start(def, { id: this.newId(), variables: withStarter(def.compiled.model.policy, variables, actor), startEvent: id, actor });
      startedInstances.push(instance.id);
    }
    return { delivered, startedInstances };
  }

  /** Message or signal start events with this name in the latest version of every process. */
  private async startEventsFor(kind: 'message' | 'signal', name: string): Promise<{ def: LoadedDefinition; id: string }[]> {
    const found: { def: LoadedDefinition; id: string }[] = [];
    for (const row of await this.store.listLatestDefinitions()) {
      const def = await this.definitions.get(row.key);
      for (const id of def.compiled.model.eventStarts) {
        const event = def.compiled.model.nodes[id].event;
        const eventName = event?.kind === 'message' ? event.messageName : event?.kind === 'signal' ? event.signalName : undefined;
        if (event?.kind === kind && eventName === name) found.push({ def, id });
      }
    }
    return found;
  }
}
