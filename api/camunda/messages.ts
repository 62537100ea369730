/**
 * Messages through /v2: publication (buffered for `timeToLive`, deduplicated by `messageId`) and
 * correlation (delivered now or not at all: 404 when no instance waits for it and no process starts
 * on it). Engine.publishMessage with the caller: agents are held to messaging.ts's rules, forms of the
 * waiting tasks check the variables, as through /api.
 */
import type { Engine } from '../../engine';
import { conflict, notFound } from '../errors';
import { messageFormCheck } from '../ticketActions';
import { keyOf } from './keys';
import { checkTenant, TENANT } from './processInstances';
import type { V2Context } from './router';

interface MessageBody {
  name: string;
  correlationKey?: string;
  timeToLive?: number | string;
  messageId?: string;
  variables?: Record<string, unknown>;
  tenantId?: string;
}

/** Instances a message named `name` is correlated to while `work` runs (from the commits' history). */
async function correlatedWhile<T>(engine: Engine, name: string, work: () => Promise<T>): Promise<{ result: T; instances: string[] }> {
  const instances: string[] = [];
  const unsubscribe = engine.onCommit((batch) => {
    if (batch.history.some((e) => e.type === 'message.correlated' && (e.data as { name?: string } | undefined)?.name === name)) instances.push(batch.instance.id);
  });
  try {
    return { result: await work(), instances };
  } finally {
    unsubscribe();
  }
}

export function messageRoutes(v2: V2Context): void {
  const { engine } = v2;

  v2.route('publishMessage', async (req, _res, caller) => {
    const { name, correlationKey, timeToLive, messageId, variables, tenantId } = req.body as MessageBody;
    checkTenant(tenantId);
    const result = await engine.publishMessage(
      { name, correlationKey, variables, timeToLiveMs: timeToLive === undefined ? undefined : Math.max(0, Number(timeToLive)), messageId },
      caller.id,
      caller,
      messageFormCheck(engine, name),
    );
    // as Camunda: a messageId still buffered is not published twice, and the caller is told so
    if (result.duplicate) throw conflict(`a message with messageId ${JSON.stringify(messageId)} was already published and is still buffered`);
    return { tenantId: TENANT, messageKey: await keyOf(engine, 'message', result.messageKey) };
  });

  v2.route('correlateMessage', async (req, _res, caller) => {
    const { name, correlationKey, variables, tenantId } = req.body as MessageBody;
    checkTenant(tenantId);
    const { result, instances } = await correlatedWhile(engine, name, () =>
      engine.publishMessage({ name, correlationKey, variables, timeToLiveMs: 0 }, caller.id, caller, messageFormCheck(engine, name)),
    );
    const instance = instances[0] ?? result.startedInstances[0];
    if (!result.correlated || !instance) throw notFound(`no instance waits for message ${name} with correlation key "${correlationKey ?? ''}" and no process starts on it`);
    return { tenantId: TENANT, messageKey: await keyOf(engine, 'message', result.messageKey), processInstanceKey: await keyOf(engine, 'instance', instance) };
  });
}
