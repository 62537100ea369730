/**
 * Messages and signals. A message correlates to at most one waiting subscription per instance, is
 * buffered for its time to live so instances that wait later still get it (once each), and is
 * deduplicated by an optional messageId. Message and signal start events start new instances.
 */
import { randomUUID } from 'node:crypto';
import type { MessageRow, Store, SubscriptionRow } from '../store/types';
import type { DefinitionCache, LoadedDefinition } from './definitions';
import { EngineError, invalid } from './errors';
import type { Clock, Executor } from './executor';

/** Camunda's default: a published message lives one hour unless told otherwise. */
export const DEFAULT_MESSAGE_TTL_MS = 60 * 60 * 1000;

export interface PublishResult {
  messageKey: string;
  /** Instances the message was delivered to now (waiting ones and newly started ones). */
  correlated: number;
  startedInstances: string[];
  duplicate?: boolean;
}

const ignorableConflict = (err: unknown): boolean => err instanceof EngineError && (err.code === 'CONFLICT' || err.code === 'NOT_FOUND');

export class Messaging {
  constructor(
    private readonly store: Store,
    private readonly executor: Executor,
    private readonly definitions: DefinitionCache,
    private readonly clock: Clock,
    private readonly newId: (seed?: string) => string,
  ) {}

  async publish(
    req: { name: string; correlationKey?: string; variables?: Record<string, unknown>; timeToLiveMs?: number; messageId?: string },
    actor: string,
  ): Promise<PublishResult> {
    if (!req.name) throw invalid('a message needs a name');
    const now = this.clock();
    const message: MessageRow = {
      id: randomUUID(), name: req.name, correlationKey: req.correlationKey ?? '', variables: req.variables ?? {}, messageId: req.messageId,
      publishedAt: now, expiresAt: now + Math.max(0, req.timeToLiveMs ?? DEFAULT_MESSAGE_TTL_MS),
    };
    const buffered = message.expiresAt > now || !!message.messageId;
    if (buffered && !(await this.store.bufferMessage(message))) {
      return { messageKey: message.id, correlated: 0, startedInstances: [], duplicate: true };
    }
    let correlated = 0;
    const subs = await this.store.findSubscriptions('message', message.name, message.correlationKey);
    const byInstance = new Map<string, SubscriptionRow[]>();
    for (const s of subs) byInstance.set(s.instanceId, [...(byInstance.get(s.instanceId) ?? []), s]);
    for (const [instanceId, candidates] of byInstance) {
      if (await this.deliver(instanceId, candidates, message, buffered, actor)) correlated++;
    }
    const startedInstances = await this.startByMessage(message, actor);
    return { messageKey: message.id, correlated: correlated + startedInstances.length, startedInstances };
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

  private async startByMessage(message: MessageRow, actor: string): Promise<string[]> {
    const started: string[] = [];
    for (const { def, id } of await this.startEventsFor('message', message.name)) {
      // As in Camunda: while an instance started with this correlation key is active, no second one starts.
      // The key becomes the instance's business key, which is how the running one is found.
      const businessKey = message.correlationKey || undefined;
      if (businessKey && (await this.hasRunningInstance(def.row.processId, businessKey))) continue;
      const instance = await this.executor.start(def, {
        id: this.newId(`${message.id}.${def.row.processId}`), variables: message.variables, startEvent: id, actor, businessKey,
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

  /** A message subscription was just opened: hand it the oldest buffered message it has not had. */
  async matchBuffered(instanceId: string, waitId: string, name: string, correlationKey: string | undefined): Promise<void> {
    const [message] = await this.store.findBufferedMessages(name, correlationKey ?? '', instanceId, this.clock());
    if (!message) return;
    const sub = { waitId } as SubscriptionRow;
    await this.deliver(instanceId, [sub], message, true, 'engine');
  }

  async broadcastSignal(name: string, variables: Record<string, unknown>, actor: string): Promise<{ delivered: number; startedInstances: string[] }> {
    if (!name) throw invalid('a signal needs a name');
    let delivered = 0;
    for (const sub of await this.store.findSubscriptions('signal', name)) {
      try {
        await this.executor.execute(sub.instanceId, actor, async (_row, at) => ({ event: { type: 'SIGNAL', waitId: sub.waitId, variables, at, actor } }));
        delivered++;
      } catch (err) {
        if (!ignorableConflict(err)) throw err;
      }
    }
    const startedInstances: string[] = [];
    for (const { def, id } of await this.startEventsFor('signal', name)) {
      const instance = await this.executor.start(def, { id: this.newId(), variables, startEvent: id, actor });
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
