/**
 * A change's schedule through the HTTP API: the window rules (in the future, end after start, at most
 * CHANGE_MAX_WINDOW_HOURS), each broken one a 400 naming the field with the task left open and nothing
 * changed; and the implementation waiting for the planned start, on the engine's test clock.
 */
import request from 'supertest';
import { DEFAULT_CHANGE_SETTINGS } from '../../api/changeSettings';
import { bearer } from '../api/helpers';
import { frozenClock, offsetClock, type TestClock } from '../support/clock';
import { changeSteps, HOUR, inFuture } from './changeHelpers';
import { completedElements, eventually, history, instance, startItsm, waitActive, waitTasks, type Itsm } from './helpers';

let itsm: Itsm;
let time: TestClock;
let steps: ReturnType<typeof changeSteps>;

/** `frozen`: the clock stands still, so "a start exactly now" is exact (a wall clock a time service steps back could make it a millisecond ahead). */
async function open(config: Parameters<typeof startItsm>[1] = {}, frozen = false): Promise<void> {
  time = frozen ? frozenClock() : offsetClock();
  itsm = await startItsm({ clock: time.clock }, config);
  steps = changeSteps(itsm, time);
}
afterEach(async () => {
  await itsm.close();
});

/** The refusal left everything as it was: the same task open, no schedule in the variables, no completion in the history. */
async function expectUnchanged(id: string, taskId: unknown, historyLength: number): Promise<void> {
  const [task] = await waitTasks(itsm.app, id, 'ScheduleChange');
  expect(task.id).toBe(taskId);
  expect(task.state).toBe('created');
  const vars = (await instance(itsm.app, id)).variables;
  expect(vars).not.toHaveProperty('plannedStart');
  expect(vars).not.toHaveProperty('plannedEnd');
  expect(await history(itsm.app, id)).toHaveLength(historyLength);
}

async function refused(id: string, variables: Record<string, unknown>, field: string, message: RegExp): Promise<void> {
  const [task] = await waitTasks(itsm.app, id, 'ScheduleChange');
  const before = (await history(itsm.app, id)).length;
  const res = await request(itsm.app).post(`/api/tasks/${task.id}/complete`).set(bearer('bob')).send({ variables });
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('BAD_REQUEST');
  expect(res.body.error.message).toMatch(new RegExp(`^${field}: `));
  expect(res.body.error.message).toMatch(message);
  expect(res.body.error.details).toEqual([expect.objectContaining({ instancePath: `/variables/${field}` })]);
  await expectUnchanged(id, task.id, before);
}

describe('change schedule rules', () => {
  test('a start in the past or now, an end not after the start, a window past 72 hours, or no date at all: 400 naming the field, the task stays open', async () => {
    await open({}, true);
    const id = await steps.submit('standard');
    const window = (startIn: number, endIn: number) => ({ plannedStart: inFuture(time, startIn), plannedEnd: inFuture(time, endIn) });
    await refused(id, window(-60_000, HOUR), 'plannedStart', /must be in the future/);
    await refused(id, window(0, HOUR), 'plannedStart', /must be in the future/);
    await refused(id, window(2 * HOUR, 2 * HOUR), 'plannedEnd', /must be after plannedStart/);
    await refused(id, window(2 * HOUR, HOUR), 'plannedEnd', /must be after plannedStart/);
    // 72 hours and one minute: one minute too long
    await refused(id, window(HOUR, HOUR + 72 * HOUR + 60_000), 'plannedEnd', /at most 72 hours/);
    await refused(id, { plannedStart: 'next tuesday', plannedEnd: inFuture(time, HOUR) }, 'plannedStart', /ISO 8601/);
    await refused(id, { plannedStart: inFuture(time, HOUR), plannedEnd: '2026-13-01T00:00:00Z' }, 'plannedEnd', /ISO 8601/);
    // the form itself asks for the end
    const [task] = await waitTasks(itsm.app, id, 'ScheduleChange');
    const noEnd = await request(itsm.app)
      .post(`/api/tasks/${task.id}/complete`)
      .set(bearer('bob'))
      .send({ variables: { plannedStart: inFuture(time, HOUR) } });
    expect(noEnd.status).toBe(400);
    expect(noEnd.body.error.message).toMatch(/plannedEnd/);

    // exactly 72 hours is allowed
    const { res, plannedStart, plannedEnd } = await steps.trySchedule(id, { hours: 72 });
    expect(res.status).toBe(200);
    expect((await instance(itsm.app, id)).variables).toMatchObject({ plannedStart, plannedEnd });
  });

  test('the longest window is a setting (CHANGE_MAX_WINDOW_HOURS): 2 hours', async () => {
    await open({ change: { ...DEFAULT_CHANGE_SETTINGS, maxWindowHours: 2 } });
    const id = await steps.submit('standard');
    const { res } = await steps.trySchedule(id, { hours: 3 });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('plannedEnd: the window may last at most 2 hours (CHANGE_MAX_WINDOW_HOURS)');
    expect((await steps.trySchedule(id, { hours: 2 })).res.status).toBe(200);
  });
});

describe('the implementation waits for the planned start', () => {
  test('no deployment job before the planned start; the job once the engine clock reaches it', async () => {
    await open();
    const id = await steps.submit('standard');
    const { res, plannedStart } = await steps.trySchedule(id, { startIn: 3 * HOUR, hours: 2 });
    expect(res.status).toBe(200);
    await waitActive(itsm.app, id, 'WaitForPlannedStart');
    // the timer row underneath is due at the planned start
    const row = await itsm.store.getInstance(id);
    const waits = (row!.snapshot as { machine: { context: { waits: Record<string, { id: string; node: string; kind: string }> } } }).machine.context.waits;
    const wait = Object.values(waits).find((w) => w.node === 'WaitForPlannedStart' && w.kind === 'timer');
    expect((await itsm.store.getTimer(`${id}.${wait!.id}`))?.dueAt).toBe(Date.parse(plannedStart));

    const activate = () => request(itsm.app).post('/api/jobs/activate').set(bearer('admin')).send({ type: 'deployment-hook', worker: 'ci', maxJobs: 1, lockMs: 10_000 });
    // a minute before the start: still waiting (the scheduler polls every 10 ms; give it time to misfire)
    time.advance(3 * HOUR - 60_000);
    await new Promise((r) => setTimeout(r, 200));
    expect((await activate()).body.jobs).toEqual([]);
    expect((await instance(itsm.app, id)).activeElements).toEqual(['WaitForPlannedStart']);

    time.advance(60_000);
    await waitActive(itsm.app, id, 'ImplementChange');
    const jobs = await eventually(async () => {
      const r = await activate();
      if (!r.body.jobs?.length) throw new Error('no deployment-hook job yet');
      return r.body.jobs as { processInstanceId: string }[];
    });
    expect(jobs.map((j) => j.processInstanceId)).toEqual([id]);
    expect(await completedElements(itsm.app, id)).toEqual(expect.arrayContaining(['ScheduleChange', 'WaitForPlannedStart']));
  });
});
