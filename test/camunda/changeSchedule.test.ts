/**
 * /v2 is no way around the API's own checks: completing a change's Schedule task through Camunda's
 * client runs the same schedule rules as `POST /api/tasks/:id/complete` (api/routes/tasks.ts
 * completeChecked). A window starting in the past is refused and the task stays open with nothing set;
 * a valid one completes it.
 */
import { shippedResources } from '../itsm/helpers';
import { eventually } from '../support/engine';
import { brand, NOW } from './clientSuite';
import { startV2Server, type V2Server } from './server';

let s: V2Server;
beforeAll(async () => {
  s = await startV2Server();
  await s.engine.deploy(shippedResources());
});
afterAll(async () => {
  await s.close();
});

const HOUR = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();

test("a change's schedule completed through /v2 meets the same rules: a past start is refused, nothing changes", async () => {
  const { engine } = s;
  const change = await engine.startInstance({ processId: 'change', variables: {}, actor: 'alice' });
  const open = async (elementId: string) =>
    eventually(async () => {
      const t = (await engine.listTasks({ instanceId: change.id, state: 'created' })).items.find((x) => x.elementId === elementId);
      if (!t) throw new Error(`no ${elementId} yet`);
      return t;
    });
  const rfc = {
    title: 'Patch fw-1',
    description: 'CVE',
    changeType: 'standard',
    impact: 'low',
    affectedServices: 1,
    hasBackoutPlan: true,
    testedInStaging: true,
    configurationItem: 'fw-1',
  };
  await engine.completeTask((await open('SubmitRfc')).id, rfc, 'alice');
  await engine.completeTask((await open('PlanChange')).id, { implementer: 'dave', implementationPlan: 'patch' }, 'bob');
  await open('ScheduleChange');

  const bob = s.client('bob');
  const [task] = await eventually(async () => {
    const r = await bob.searchUserTasks(
      { filter: { processInstanceKey: brand(String(await engine.externalKey('instance', change.id))), elementId: brand('ScheduleChange') } },
      NOW,
    );
    expect(r.items).toHaveLength(1);
    return r.items;
  });
  const past = bob.completeUserTask({ userTaskKey: task.userTaskKey, variables: { plannedStart: iso(Date.now() - HOUR), plannedEnd: iso(Date.now() + HOUR) } });
  await expect(past).rejects.toMatchObject({ status: 400 });
  expect((await open('ScheduleChange')).state).toBe('created');
  expect((await engine.getInstance(change.id)).variables).not.toHaveProperty('plannedStart');

  await bob.completeUserTask({ userTaskKey: task.userTaskKey, variables: { plannedStart: iso(Date.now() + HOUR), plannedEnd: iso(Date.now() + 2 * HOUR) } });
  await eventually(async () => expect((await engine.getInstance(change.id)).variables).toHaveProperty('plannedStart'));
});
