/**
 * Jobs through /v2: activation (long polling: `requestTimeout` holds the request until jobs of the type
 * exist, longPolls.ts), completion, failure, BPMN errors and retries updates. The worker's actions are
 * recorded with the signed-in caller as actor, as through /api.
 */
import type { Engine, JobRow } from '../../engine';
import { badRequest } from '../errors';
import { definitionReader, checkTenant, TENANT } from './processInstances';
import { idOf, keyOf } from './keys';
import type { V2Context } from './router';

interface ActivationBody {
  type: string;
  worker?: string;
  timeout: number | string;
  maxJobsToActivate: number;
  fetchVariable?: string[];
  requestTimeout?: number | string;
  tenantIds?: string[];
}

/** Camunda's default long poll when the request names none (requestTimeout 0 or absent). */
const DEFAULT_LONG_POLL_MS = 10_000;

async function activatedJob(engine: Engine, job: JobRow, definition: ReturnType<typeof definitionReader>): Promise<Record<string, unknown>> {
  const instance = await engine.getInstance(job.instanceId);
  const def = await definition(instance.definitionKey);
  return {
    type: job.type,
    processDefinitionId: job.processId,
    processDefinitionVersion: def?.version ?? instance.version,
    elementId: job.elementId,
    customHeaders: job.customHeaders ?? {},
    worker: job.worker ?? '',
    retries: job.retries,
    deadline: job.lockExpiresAt ?? Date.now(),
    variables: job.variables ?? {},
    tenantId: TENANT,
    jobKey: await keyOf(engine, 'job', job.key),
    processInstanceKey: await keyOf(engine, 'instance', job.instanceId),
    processDefinitionKey: await keyOf(engine, 'definition', instance.definitionKey),
    elementInstanceKey: await keyOf(engine, 'element', `${job.instanceId}.${job.waitId}`),
    kind: 'BPMN_ELEMENT',
    listenerEventType: 'UNSPECIFIED',
  };
}

const variablesOf = (body: unknown): Record<string, unknown> => ((body as { variables?: Record<string, unknown> | null } | null)?.variables ?? {}) as Record<string, unknown>;

export function jobRoutes(v2: V2Context): void {
  const { engine } = v2;
  const jobKeyOf = (key: unknown): Promise<string> => idOf(engine, 'job', String(key), 'job');

  v2.route('activateJobs', async (req, res, caller) => {
    const body = req.body as ActivationBody;
    for (const t of body.tenantIds ?? []) checkTenant(t);
    const requested = Number(body.requestTimeout ?? 0) === 0 ? DEFAULT_LONG_POLL_MS : Number(body.requestTimeout);
    const waitMs = requested < 0 ? 0 : Math.min(requested, v2.config.camunda.maxLongPollMs);
    const gone = new Promise<void>((resolve) => res.once('close', () => resolve()));
    const worker = body.worker || caller.id;
    const jobs = await v2.longPolls.poll(body.type, waitMs, gone, () =>
      engine.activateJobs({
        type: body.type,
        worker,
        maxJobs: body.maxJobsToActivate,
        lockMs: Math.max(1, Number(body.timeout)),
        fetchVariables: body.fetchVariable?.length ? body.fetchVariable : undefined,
      }),
    );
    const definition = definitionReader(engine);
    const out = [];
    for (const job of jobs) out.push(await activatedJob(engine, job, definition));
    return { jobs: out };
  });

  v2.route('completeJob', async (req, _res, caller) => {
    const body = req.body as { result?: unknown } | null;
    if (body?.result !== undefined && body.result !== null) throw badRequest('result (user task listener corrections, ad-hoc activations) is not supported by ProcessDesk');
    await engine.completeJob(await jobKeyOf(req.params.jobKey), variablesOf(body), caller.id);
  });

  v2.route('failJob', async (req, _res, caller) => {
    const body = (req.body ?? {}) as { retries?: number; errorMessage?: string; retryBackOff?: number | string; variables?: Record<string, unknown> };
    if (body.variables && Object.keys(body.variables).length) throw badRequest('variables on a job failure are not supported by ProcessDesk');
    await engine.failJob(
      await jobKeyOf(req.params.jobKey),
      { retries: body.retries ?? 0, errorMessage: body.errorMessage, backoffMs: Math.max(0, Number(body.retryBackOff ?? 0)) },
      caller.id,
    );
    v2.metrics.jobRetries.inc();
  });

  v2.route('throwJobError', async (req, _res, caller) => {
    const body = req.body as { errorCode: string; errorMessage?: string | null };
    await engine.throwJobError(await jobKeyOf(req.params.jobKey), body.errorCode, body.errorMessage ?? undefined, caller.id, variablesOf(body));
  });

  v2.route('updateJob', async (req, _res, caller) => {
    const { changeset } = req.body as { changeset: { retries?: number | null; timeout?: number | string | null } };
    const key = await jobKeyOf(req.params.jobKey);
    const retries = changeset.retries ?? undefined;
    const timeout = changeset.timeout === undefined || changeset.timeout === null ? undefined : Number(changeset.timeout);
    if (retries === undefined && timeout === undefined) throw badRequest('the changeset changes nothing (retries, timeout)');
    if (retries !== undefined) await engine.updateJobRetries(key, retries, caller.id);
    if (timeout !== undefined) await engine.updateJobTimeout(key, timeout, caller.id);
  });
}
