/**
 * Retries of a job: those its task definition gives (literal or FEEL), else its job type's default
 * (JOB_QUEUES `retries`, per type or for every type), else 3; with jobs polled or on BullMQ alike.
 */
import type { Engine } from '../../engine';
import { bpmn, chain, endEvent, jobTask, startEvent } from './helpers';
import { tempEngine } from '../support/engine';

const PROCESS = bpmn('retries', [
  startEvent(),
  jobTask('Given', 'notify', { retries: '2' }),
  jobTask('Computed', 'notify', { retries: '=tries' }),
  jobTask('TypeDefault', 'notify'),
  jobTask('AnyDefault', 'archive'),
  endEvent(),
  chain('Start', 'Given', 'Computed', 'TypeDefault', 'AnyDefault', 'End'),
]);

async function retriesOfEachJob(engine: Engine): Promise<Record<string, number>> {
  await engine.deploy([{ name: 'retries.bpmn', content: PROCESS }]);
  const { id } = await engine.startInstance({ processId: 'retries', variables: { tries: 4 } });
  const seen: Record<string, number> = {};
  for (const type of ['notify', 'notify', 'notify', 'archive']) {
    const [job] = await engine.activateJobs({ type, worker: 'test' });
    expect(job.instanceId).toBe(id);
    seen[job.elementId] = job.retries;
    await engine.completeJob(job.key, {});
  }
  return seen;
}

test('retries come from the task definition, else the type default, else the default for every type, else 3', async () => {
  const configured = await tempEngine({ jobQueues: { defaults: { retries: 5 }, types: { notify: { retries: 7 } } } });
  try {
    expect(await retriesOfEachJob(configured.engine)).toEqual({ Given: 2, Computed: 4, TypeDefault: 7, AnyDefault: 5 });
  } finally {
    await configured.close();
  }
  const plain = await tempEngine();
  try {
    expect(await retriesOfEachJob(plain.engine)).toEqual({ Given: 2, Computed: 4, TypeDefault: 3, AnyDefault: 3 });
  } finally {
    await plain.close();
  }
});
