/** Signals through /v2: a broadcast reaches every waiting instance and starts the processes that start on it. */
import { randomUUID } from 'node:crypto';
import { keyOf } from './keys';
import { checkTenant, TENANT } from './processInstances';
import type { V2Context } from './router';

export function signalRoutes(v2: V2Context): void {
  const { engine } = v2;
  v2.route('broadcastSignal', async (req, _res, caller) => {
    const { signalName, variables, tenantId } = req.body as { signalName: string; variables?: Record<string, unknown>; tenantId?: string };
    checkTenant(tenantId);
    await engine.broadcastSignal({ name: signalName, variables }, caller.id);
    // a broadcast has no row of its own: its key names this broadcast only
    return { tenantId: TENANT, signalKey: await keyOf(engine, 'signal', `${signalName}@${randomUUID()}`) };
  });
}
