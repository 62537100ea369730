/**
 * Demo workers for the job types the shipped ITSM processes use (`notify`, `deployment-hook`,
 * `cmdb-lookup`): they poll the engine, log one line per job and complete it. `npm start` runs them
 * unless DEMO_WORKERS=off. A `deployment-hook` job whose variables say `simulateFailure: true` throws
 * the BPMN error DEPLOYMENT_FAILED, so the change process' back-out path can be shown without a real
 * deployment system.
 */
import type { JobRow } from '../store/types';

export const DEMO_JOB_TYPES = ['notify', 'deployment-hook', 'cmdb-lookup'] as const;

export interface DemoWorkerHost {
  activateJobs(req: { type: string; worker: string; maxJobs?: number; lockMs?: number }): Promise<JobRow[]>;
  completeJob(key: string, variables: Record<string, unknown>, worker?: string): Promise<void>;
  throwJobError(key: string, errorCode: string, errorMessage?: string, worker?: string): Promise<void>;
}

type Handler = (job: JobRow) => { variables?: Record<string, unknown>; error?: { code: string; message: string }; line: string };

const HANDLERS: Record<string, Handler> = {
  notify: (job) => ({
    line: `notify ${job.customHeaders.template ?? 'message'} to ${job.customHeaders.to ?? 'assignees'} (instance ${job.instanceId})`,
    variables: { lastNotification: job.customHeaders.template ?? 'message' },
  }),
  'deployment-hook': (job) =>
    job.variables.simulateFailure === true
      ? { line: `deployment of instance ${job.instanceId} failed (simulateFailure)`, error: { code: 'DEPLOYMENT_FAILED', message: 'simulated deployment failure' } }
      : { line: `deployed change of instance ${job.instanceId}`, variables: { deploymentId: `deploy-${job.key.slice(-8)}` } },
  // A pretend CMDB: items named net-* belong to the network team; no item given, nothing found.
  'cmdb-lookup': (job) => {
    const item = job.variables.configurationItem;
    if (typeof item !== 'string' || !item) return { line: `cmdb lookup: no configuration item (instance ${job.instanceId})`, variables: {} };
    const network = item.startsWith('net-');
    return { line: `cmdb lookup for ${item}`, variables: { ciOwner: network ? 'network' : 'service-desk', ciCriticality: network ? 'high' : 'medium' } };
  },
};

/** Starts polling workers; returns a stop function that waits for the jobs in hand. */
export function startDemoWorkers(host: DemoWorkerHost, types: readonly string[] = DEMO_JOB_TYPES, log: (line: string) => void = console.log, pollMs = 200): () => Promise<void> {
  let running = true;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  const round = async (): Promise<void> => {
    for (const type of types) {
      const handler = HANDLERS[type] ?? ((job: JobRow) => ({ line: `${type} job ${job.key} completed` }));
      const jobs = await host.activateJobs({ type, worker: `demo-${type}`, maxJobs: 16, lockMs: 30_000 });
      for (const job of jobs) {
        const outcome = handler(job);
        log(`[demo-worker] ${outcome.line}`);
        if (outcome.error) await host.throwJobError(job.key, outcome.error.code, outcome.error.message, `demo-${type}`);
        else await host.completeJob(job.key, outcome.variables ?? {}, `demo-${type}`);
      }
    }
  };
  const schedule = (): void => {
    if (!running) return;
    timer = setTimeout(() => {
      inFlight = round()
        .catch((err) => log(`[demo-worker] ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => {
          inFlight = undefined;
          schedule();
        });
    }, pollMs);
    timer.unref?.();
  };
  schedule();
  return async () => {
    running = false;
    if (timer) clearTimeout(timer);
    await inFlight;
  };
}
