/**
 * A job's result never sets an identity variable of its process (processdesk.identityVariables), whether
 * it completes the job or throws a BPMN error with variables: the refusal is checked inside the command,
 * against the instance it runs on, and changes nothing (job, instance, history). A result without them
 * goes through; a job that is gone is reported as such.
 */
import { boundary, bpmn, endEvent, errorDef, errorRef, expectEngineError, flow, serviceTask, startEvent, userTask, useEngine, deployXml, activateOne } from './helpers';

const policy =
  '<bpmn:extensionElements><zeebe:properties><zeebe:property name="processdesk.identityVariables" value="requester, approver" /></zeebe:properties></bpmn:extensionElements>';

const xml = bpmn(
  'lookup',
  [
    policy,
    startEvent('Start'),
    serviceTask('Lookup', 'hr-lookup'),
    boundary('Failed', 'Lookup', errorRef('NotFound')),
    userTask('Review'),
    endEvent('End'),
    endEvent('Gone'),
    flow('f1', 'Start', 'Lookup'),
    flow('f2', 'Lookup', 'Review'),
    flow('f3', 'Review', 'End'),
    flow('f4', 'Failed', 'Gone'),
  ],
  [errorDef('NotFound', 'not-found')],
);

describe('job results and identity variables', () => {
  const env = useEngine();

  async function waitingJob() {
    const { engine, store } = env();
    await deployXml(engine, xml);
    const { id } = await engine.startInstance({ processId: 'lookup', variables: { ticket: 'T-1' } });
    const job = await activateOne(engine, 'hr-lookup');
    const before = { instance: await engine.getInstance(id), history: await engine.getHistory(id), job: await store.getJob(job.key) };
    return { engine, store, id, job, before };
  }

  test('a completion naming an identity variable is refused and changes nothing', async () => {
    const { engine, store, id, job, before } = await waitingJob();
    const refusal = engine.completeJob(job.key, { requester: 'mallory', department: 'sales' }, 'tester');
    await expect(refusal).rejects.toMatchObject({ code: 'INVALID', message: 'requester is an identity variable of this process and cannot be set by a job result' });
    expect(await engine.getInstance(id)).toEqual(before.instance);
    expect(await engine.getHistory(id)).toEqual(before.history);
    expect(await store.getJob(job.key)).toEqual(before.job);
  });

  test('a BPMN error carrying an identity variable is refused and changes nothing', async () => {
    const { engine, store, id, job, before } = await waitingJob();
    await expect(engine.throwJobError(job.key, 'not-found', 'no such person', 'tester', { approver: 'mallory' })).rejects.toMatchObject({
      code: 'INVALID',
      message: 'approver is an identity variable of this process and cannot be set by a job result',
    });
    expect(await engine.getInstance(id)).toEqual(before.instance);
    expect(await engine.getHistory(id)).toEqual(before.history);
    expect(await store.getJob(job.key)).toEqual(before.job);
  });

  test('results without identity variables go through: a completion, a BPMN error with variables', async () => {
    const { engine, id, job } = await waitingJob();
    await engine.completeJob(job.key, { department: 'sales' }, 'tester');
    expect(await engine.getInstance(id)).toMatchObject({ activeElements: ['Review'], variables: { ticket: 'T-1', department: 'sales' } });
    const second = await engine.startInstance({ processId: 'lookup', variables: { ticket: 'T-2' } });
    const errJob = await activateOne(engine, 'hr-lookup');
    await engine.throwJobError(errJob.key, 'not-found', 'no such person', 'tester', { reason: 'left' });
    expect(await engine.getInstance(second.id)).toMatchObject({ state: 'completed', variables: { ticket: 'T-2', reason: 'left' } });
  });

  test('the result of a job that is gone is NOT_FOUND, whatever it carries', async () => {
    const { engine } = await waitingJob();
    await expectEngineError(engine.completeJob('no-such-job', { requester: 'mallory' }, 'tester'), 'NOT_FOUND');
  });
});
