/**
 * Every route that can conflict answers 409 CONFLICT and changes nothing: racing deployments of one
 * process, claim / unclaim / delegate of a task that is done, job complete / fail / error on a job that
 * is finished, setting variables on an ended instance. Each test compares the state (rows and history)
 * before and after the refused request.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { SqliteStore, type DefinitionRow, type ResourceRow } from '../../engine/store';
import { bearer, deploy, expectError, fixture, openTask, startApi, startInstance, type TestApi } from './helpers';

let api: TestApi;

beforeAll(async () => {
  api = await startApi();
  await deploy(api.app, [fixture('wcp01-sequence'), fixture('job-error-boundary')]);
});

afterAll(() => api.close());

/** Everything the API shows of an instance: its row, its history, its tasks; a refused request must leave it as it was. */
async function stateOf(instanceId: string): Promise<unknown> {
  const { store } = api;
  return {
    instance: await store.getInstance(instanceId),
    history: await store.getHistory(instanceId),
    tasks: (await store.listTasks({ instanceId, limit: 100 })).items,
  };
}

/**
 * The real SQLite store, except that a deployment's write waits until `racers` deployments have
 * reached it: every racer has read "no version yet" before any of them is stored, the interleaving a
 * race between two requests (or two servers on one file) can produce, made certain.
 */
class RacingStore extends SqliteStore {
  private waiting: (() => void)[] = [];

  constructor(
    file: string,
    private readonly racers: number,
  ) {
    super({ file });
  }

  override async saveDefinitions(defs: DefinitionRow[], resources: ResourceRow[]): Promise<void> {
    await new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      if (this.waiting.length === this.racers) for (const go of this.waiting.splice(0)) go();
    });
    return super.saveDefinitions(defs, resources);
  }
}

describe('POST /api/deployments', () => {
  let racing: TestApi;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-race-'));
    racing = await startApi({}, { store: new RacingStore(path.join(dir, 'race.sqlite'), 2) });
  });
  afterAll(async () => {
    await racing.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const post = (resources: { name: string; content: string }[], user = 'owner') => request(racing.app).post('/api/deployments').set(bearer(user)).send({ resources });

  test('two deployments of a new process racing: one 201, one 409, and only the winner is stored and runs', async () => {
    const base = fixture('wcp01-sequence').content.replace(/id="wcp01"/, 'id="raced"');
    const a = base.replace('name="Log ticket"', 'name="Log ticket (A)"');
    const b = base.replace('name="Log ticket"', 'name="Log ticket (B)"');
    expect(a).not.toBe(b);
    const form = (id: string) => ({ name: `${id}.form`, content: JSON.stringify({ id, type: 'default', components: [] }) });
    const [ra, rb] = await Promise.all([post([{ name: 'a.bpmn', content: a }, form('form-a')]), post([{ name: 'b.bpmn', content: b }, form('form-b')], 'admin')]);
    expect([ra.status, rb.status].sort()).toEqual([201, 409]);
    const [winner, loser, won] = ra.status === 201 ? [ra, rb, 'A'] : [rb, ra, 'B'];
    expectError(loser, 409, 'CONFLICT');
    expect(loser.body.error.message).toMatch(/raced version 1 .*nothing of this deployment was stored/);
    expect(winner.body).toMatchObject({ processes: [{ processId: 'raced', version: 1, duplicate: false }] });
    const versions = (await racing.store.listLatestDefinitions()).filter((d) => d.processId === 'raced');
    expect(versions.map((d) => [d.key, d.deploymentId])).toEqual([['raced:1', winner.body.id]]);
    // the loser's form was not stored either
    expect((await racing.store.listResources('form')).map((r) => r.id)).toEqual([`form:form-${won.toLowerCase()}`]);
    const xml = (await request(racing.app).get('/api/processes/raced:1/xml').set(bearer('owner'))).text;
    expect(xml).toBe(won === 'A' ? a : b);
    // an instance runs the stored model, not the loser's
    const id = await startInstance(racing.app, 'raced');
    expect((await openTask(racing.app, id, 'A')).name).toBe(`Log ticket (${won})`);
  });

  test('the same resource deployed twice at once: one new version, the other answer is 409; deployed again it is unchanged', async () => {
    const resource = { name: 'same.bpmn', content: fixture('wcp01-sequence').content.replace(/id="wcp01"/, 'id="same"') };
    const answers = await Promise.all([post([resource]), post([resource])]);
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
    expect((await racing.store.listLatestDefinitions()).filter((d) => d.processId === 'same').map((d) => d.version)).toEqual([1]);
    // deployed again, no race: unchanged, still version 1 (another deployment keeps it company at the barrier)
    const [again, other] = await Promise.all([post([resource]), post([fixture('wcp02-parallel')])]);
    expect(other.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.processes[0]).toMatchObject({ version: 1, duplicate: true });
  });
});

describe('tasks', () => {
  async function completedTask(): Promise<{ instanceId: string; taskId: string }> {
    const instanceId = await startInstance(api.app, 'wcp01');
    const task = await openTask(api.app, instanceId, 'A');
    const done = await request(api.app).post(`/api/tasks/${task.id}/complete`).set(bearer('alice')).send({});
    expect(done.status).toBe(200);
    return { instanceId, taskId: task.id as string };
  }

  test('claim of a task claimed by someone else, and of a completed task, is 409', async () => {
    const instanceId = await startInstance(api.app, 'wcp01');
    const task = await openTask(api.app, instanceId, 'A');
    expect((await request(api.app).post(`/api/tasks/${task.id}/claim`).set(bearer('admin')).send({ assignee: 'bob' })).status).toBe(200);
    const claimed = await stateOf(instanceId);
    expectError(await request(api.app).post(`/api/tasks/${task.id}/claim`).set(bearer('alice')), 409, 'CONFLICT');
    expect(await stateOf(instanceId)).toEqual(claimed);

    const done = await completedTask();
    const before = await stateOf(done.instanceId);
    expectError(await request(api.app).post(`/api/tasks/${done.taskId}/claim`).set(bearer('alice')), 409, 'CONFLICT');
    expectError(await request(api.app).post(`/api/tasks/${done.taskId}/claim`).set(bearer('admin')).send({ assignee: 'alice' }), 409, 'CONFLICT');
    expect(await stateOf(done.instanceId)).toEqual(before);
  });

  test('unclaim of a completed task is 409', async () => {
    const done = await completedTask();
    const before = await stateOf(done.instanceId);
    expectError(await request(api.app).post(`/api/tasks/${done.taskId}/unclaim`).set(bearer('alice')), 409, 'CONFLICT');
    expectError(await request(api.app).post(`/api/tasks/${done.taskId}/unclaim`).set(bearer('admin')), 409, 'CONFLICT');
    expect(await stateOf(done.instanceId)).toEqual(before);
  });

  test('delegate of a completed task is 409', async () => {
    const done = await completedTask();
    const before = await stateOf(done.instanceId);
    expectError(await request(api.app).post(`/api/tasks/${done.taskId}/delegate`).set(bearer('alice')).send({ to: 'bob' }), 409, 'CONFLICT');
    expectError(await request(api.app).post(`/api/tasks/${done.taskId}/delegate`).set(bearer('admin')).send({ to: 'bob' }), 409, 'CONFLICT');
    expect(await stateOf(done.instanceId)).toEqual(before);
  });
});

describe('jobs', () => {
  const JOB_TYPE = 'conflict-lookup';
  beforeAll(async () => {
    const { content } = fixture('job-error-boundary');
    const own = content.replace('id="jobError"', 'id="jobConflict"').replace('type="cmdb-lookup"', `type="${JOB_TYPE}"`);
    await deploy(api.app, [{ name: 'job-conflict.bpmn', content: own }]);
  });

  /** A started instance with its job activated by a worker. */
  async function activated(): Promise<{ instanceId: string; key: string }> {
    const instanceId = await startInstance(api.app, 'jobConflict');
    const res = await request(api.app).post('/api/jobs/activate').set(bearer('admin')).send({ type: JOB_TYPE, worker: 'w1', maxJobs: 1, lockMs: 60_000 });
    expect(res.body.jobs).toHaveLength(1);
    expect(res.body.jobs[0].processInstanceId).toBe(instanceId);
    return { instanceId, key: res.body.jobs[0].key as string };
  }

  async function jobState(instanceId: string, key: string): Promise<unknown> {
    return { ...((await stateOf(instanceId)) as object), job: await api.store.getJob(key) };
  }

  const finish = {
    complete: (key: string) =>
      request(api.app)
        .post(`/api/jobs/${key}/complete`)
        .set(bearer('admin'))
        .send({ variables: { ciOwner: 'network' } }),
    fail: (key: string) => request(api.app).post(`/api/jobs/${key}/fail`).set(bearer('admin')).send({ retries: 0, errorMessage: 'too late' }),
    error: (key: string) => request(api.app).post(`/api/jobs/${key}/error`).set(bearer('admin')).send({ errorCode: 'NOT_FOUND' }),
  };

  for (const first of ['complete', 'error'] as const) {
    test(`complete, fail and error on a job that was ${first === 'complete' ? 'completed' : 'ended by a BPMN error'} are 409`, async () => {
      const { instanceId, key } = await activated();
      expect((await finish[first](key)).status).toBe(200);
      await openTask(api.app, instanceId, first === 'complete' ? 'Work' : 'Manual');
      const before = await jobState(instanceId, key);
      for (const then of ['complete', 'fail', 'error'] as const) {
        const res = await finish[then](key);
        expectError(res, 409, 'CONFLICT');
        expect(res.body.error.message).toMatch(new RegExp(`job ${key} is (completed|errored)`));
      }
      expect(await jobState(instanceId, key)).toEqual(before);
    });
  }

  test('two completions of one job at once: one 200, one 409, the job completed once', async () => {
    const { instanceId, key } = await activated();
    const [a, b] = await Promise.all([finish.complete(key), finish.complete(key)]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    await openTask(api.app, instanceId, 'Work');
    const history = await api.store.getHistory(instanceId);
    expect(history.filter((e) => e.type === 'job.completed')).toHaveLength(1);
  });
});

describe('POST /api/process-instances/:id/variables', () => {
  test('setting variables on a completed or a terminated instance is 409', async () => {
    const completed = await startInstance(api.app, 'wcp01', { ticket: 'T-1' });
    for (const element of ['A', 'B']) {
      const task = await openTask(api.app, completed, element);
      expect((await request(api.app).post(`/api/tasks/${task.id}/complete`).set(bearer('admin')).send({})).status).toBe(200);
    }
    const terminated = await startInstance(api.app, 'wcp01', { ticket: 'T-2' });
    expect((await request(api.app).post(`/api/process-instances/${terminated}/cancel`).set(bearer('admin'))).status).toBe(200);
    for (const [id, state] of [
      [completed, 'completed'],
      [terminated, 'terminated'],
    ]) {
      const before = await stateOf(id);
      expect(before).toMatchObject({ instance: { state } });
      const res = await request(api.app)
        .post(`/api/process-instances/${id}/variables`)
        .set(bearer('admin'))
        .send({ variables: { ticket: 'changed' } });
      expectError(res, 409, 'CONFLICT');
      expect(res.body.error.message).toContain(`already ${state}`);
      expect(await stateOf(id)).toEqual(before);
    }
  });
});
