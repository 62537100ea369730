import request from 'supertest';
import { bearer, deploy, eventually, expectError, fixture, openTask, sequenceWithForm, startApi, startInstance, TICKET_FORM, type TestApi } from './helpers';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
  await deploy(api.app, [fixture('wcp01-sequence'), sequenceWithForm('formProc', 'ticket-form'), { name: 'ticket.form', content: JSON.stringify(TICKET_FORM) }]);
});
afterAll(() => api.close());

const task = (id: unknown): string => `/api/tasks/${id}`;

describe('GET /api/tasks', () => {
  let instanceId: string;
  beforeAll(async () => {
    instanceId = await startInstance(api.app, 'wcp01');
    await openTask(api.app, instanceId, 'A');
  });

  test('the API task shape with ISO dates', async () => {
    const res = await request(api.app).get('/api/tasks').query({ processInstanceId: instanceId }).set(bearer('admin'));
    expect(res.status).toBe(200);
    expect(res.body.next).toBeNull();
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toEqual(
      expect.objectContaining({
        id: expect.any(String),
        elementId: 'A',
        name: 'Log ticket',
        processInstanceId: instanceId,
        processId: 'wcp01',
        state: 'created',
        assignee: null,
        candidateGroups: ['service-desk'],
        dueDate: null,
        createdAt: expect.stringMatching(/Z$/),
        completedAt: null,
        formId: null,
      }),
    );
  });

  test("a task carries its instance's business key (null without one)", async () => {
    const res = await request(api.app).post('/api/process-instances').set(bearer('admin')).send({ processId: 'wcp01', businessKey: 'INC-77' });
    expect(res.status).toBe(201);
    expect(await openTask(api.app, res.body.id, 'A')).toMatchObject({ businessKey: 'INC-77' });
    const one = await request(api.app)
      .get(`/api/tasks/${(await openTask(api.app, res.body.id, 'A')).id}`)
      .set(bearer('admin'));
    expect(one.body.businessKey).toBe('INC-77');
    expect(await openTask(api.app, instanceId, 'A')).toMatchObject({ businessKey: null });
  });

  test('agents see only what is offered to them or their groups; others see all', async () => {
    const alice = await request(api.app).get('/api/tasks').query({ processInstanceId: instanceId }).set(bearer('alice'));
    expect(alice.body.items.map((t: { elementId: string }) => t.elementId)).toEqual(['A']);
    const bob = await request(api.app).get('/api/tasks').query({ processInstanceId: instanceId }).set(bearer('bob'));
    expect(bob.body.items).toEqual([]);
    for (const user of ['carol', 'owner', 'admin']) {
      const res = await request(api.app).get('/api/tasks').query({ processInstanceId: instanceId }).set(bearer(user));
      expect(res.body.items).toHaveLength(1);
    }
  });

  test('filters: state, candidateGroup, assignee; paging', async () => {
    const byGroup = await request(api.app).get('/api/tasks').query({ candidateGroup: 'service-desk', state: 'created' }).set(bearer('admin'));
    expect(byGroup.body.items.length).toBeGreaterThanOrEqual(1);
    const otherGroup = await request(api.app).get('/api/tasks').query({ candidateGroup: 'cab' }).set(bearer('admin'));
    expect(otherGroup.body.items).toEqual([]);
    const byAssignee = await request(api.app).get('/api/tasks').query({ assignee: 'nobody' }).set(bearer('admin'));
    expect(byAssignee.body.items).toEqual([]);
    await startInstance(api.app, 'wcp01');
    await eventually(async () => {
      const page = await request(api.app).get('/api/tasks').query({ state: 'created', limit: 1 }).set(bearer('admin'));
      expect(page.body.items).toHaveLength(1);
      expect(typeof page.body.next).toBe('string');
      const next = await request(api.app).get('/api/tasks').query({ state: 'created', limit: 1, cursor: page.body.next }).set(bearer('admin'));
      expect(next.body.items[0].id).not.toBe(page.body.items[0].id);
    });
  });

  test('400 for bad filters and cursors, 401 without a token', async () => {
    expectError(await request(api.app).get('/api/tasks').query({ state: 'open' }).set(bearer('admin')), 400, 'BAD_REQUEST');
    expectError(await request(api.app).get('/api/tasks').query({ limit: 5000 }).set(bearer('admin')), 400, 'BAD_REQUEST');
    expectError(await request(api.app).get('/api/tasks').query({ cursor: 'x' }).set(bearer('admin')), 400, 'BAD_REQUEST');
    expectError(await request(api.app).get('/api/tasks'), 401, 'UNAUTHORIZED');
  });
});

describe('GET /api/tasks/:id', () => {
  test('with its form (parsed) and variables', async () => {
    const id = await startInstance(api.app, 'formProc', { caller: 'dave' });
    const t = await openTask(api.app, id, 'A');
    const res = await request(api.app).get(task(t.id)).set(bearer('alice'));
    expect(res.status).toBe(200);
    expect(res.body.formId).toBe('ticket-form');
    expect(res.body.form).toEqual(TICKET_FORM);
    expect(res.body.variables).toEqual(expect.objectContaining({ caller: 'dave' }));
  });

  test('form null without a form; 404 unknown; 403 for an agent of other groups', async () => {
    const id = await startInstance(api.app, 'wcp01');
    const t = await openTask(api.app, id, 'A');
    const res = await request(api.app).get(task(t.id)).set(bearer('carol'));
    expect(res.body.form).toBeNull();
    expectError(await request(api.app).get(task('nope')).set(bearer('admin')), 404, 'NOT_FOUND');
    expectError(await request(api.app).get(task(t.id)).set(bearer('bob')), 403, 'FORBIDDEN');
    expectError(await request(api.app).get(task(t.id)), 401, 'UNAUTHORIZED');
  });
});

describe('claim / unclaim', () => {
  test('claim assigns to the caller; another agent gets 409 (claimed) or 403 (not offered); unclaim', async () => {
    const id = await startInstance(api.app, 'wcp01');
    const t = await openTask(api.app, id, 'A');
    const claimed = await request(api.app)
      .post(`${task(t.id)}/claim`)
      .set(bearer('alice'));
    expect(claimed.status).toBe(200);
    expect(claimed.body.assignee).toBe('alice');
    expectError(
      await request(api.app)
        .post(`${task(t.id)}/claim`)
        .set(bearer('bob')),
      403,
      'FORBIDDEN',
    );
    expectError(
      await request(api.app)
        .post(`${task(t.id)}/claim`)
        .set(bearer('alice'))
        .send({ assignee: 'bob' }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await request(api.app)
        .post(`${task(t.id)}/claim`)
        .set(bearer('carol')),
      403,
      'FORBIDDEN',
    );
    expectError(
      await request(api.app)
        .post(`${task(t.id)}/claim`)
        .set(bearer('owner')),
      403,
      'FORBIDDEN',
    );
    // now assigned to alice: her list shows it through the assignee too
    const mine = await request(api.app).get('/api/tasks').query({ assignee: 'alice' }).set(bearer('alice'));
    expect(mine.body.items.map((x: { id: string }) => x.id)).toContain(t.id);

    // the admin may reassign
    const reassigned = await request(api.app)
      .post(`${task(t.id)}/claim`)
      .set(bearer('admin'))
      .send({ assignee: 'bob' });
    expect(reassigned.body.assignee).toBe('bob');
    expectError(
      await request(api.app)
        .post(`${task(t.id)}/claim`)
        .set(bearer('alice')),
      409,
      'CONFLICT',
    );
    expectError(
      await request(api.app)
        .post(`${task(t.id)}/unclaim`)
        .set(bearer('alice')),
      403,
      'FORBIDDEN',
    );
    const unclaimed = await request(api.app)
      .post(`${task(t.id)}/unclaim`)
      .set(bearer('admin'));
    expect(unclaimed.status).toBe(200);
    expect(unclaimed.body.assignee).toBeNull();

    expectError(
      await request(api.app)
        .post(`${task('nope')}/claim`)
        .set(bearer('admin')),
      404,
      'NOT_FOUND',
    );
    expectError(
      await request(api.app)
        .post(`${task('nope')}/unclaim`)
        .set(bearer('admin')),
      404,
      'NOT_FOUND',
    );
    expectError(
      await request(api.app)
        .post(`${task(t.id)}/claim`)
        .set(bearer('alice'))
        .send({ assignee: '' }),
      400,
      'BAD_REQUEST',
    );
    expectError(
      await request(api.app)
        .post(`${task(t.id)}/unclaim`)
        .set(bearer('alice'))
        .send({ x: 1 }),
      400,
      'BAD_REQUEST',
    );
    expectError(await request(api.app).post(`${task(t.id)}/claim`), 401, 'UNAUTHORIZED');
    expectError(
      await request(api.app)
        .post(`${task(t.id)}/claim`)
        .set(bearer('alice'))
        .send({ assignee: 'x'.repeat(7 * 1024 * 1024) }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  test('history records the claim with its actor', async () => {
    const id = await startInstance(api.app, 'wcp01');
    const t = await openTask(api.app, id, 'A');
    await request(api.app)
      .post(`${task(t.id)}/claim`)
      .set(bearer('alice'))
      .expect(200);
    const history = await request(api.app).get(`/api/process-instances/${id}/history`).set(bearer('carol'));
    expect(history.body.events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'task.claimed', actor: 'alice' })]));
  });
});

describe('POST /api/tasks/:id/complete', () => {
  test('200 with the completed task; the process moves on; a second completion is 409', async () => {
    const id = await startInstance(api.app, 'wcp01');
    const t = await openTask(api.app, id, 'A');
    const res = await request(api.app)
      .post(`${task(t.id)}/complete`)
      .set(bearer('alice'))
      .send({ variables: { resolution: 'rebooted' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.objectContaining({ id: t.id, state: 'completed', completedBy: 'alice', completedAt: expect.stringMatching(/Z$/) }));
    await openTask(api.app, id, 'B');
    const inst = await request(api.app).get(`/api/process-instances/${id}`).set(bearer('admin'));
    expect(inst.body.variables).toEqual(expect.objectContaining({ resolution: 'rebooted' }));
    expectError(
      await request(api.app)
        .post(`${task(t.id)}/complete`)
        .set(bearer('alice'))
        .send({}),
      409,
      'CONFLICT',
    );
  });

  test('two simultaneous completions: exactly one 200 and one 409', async () => {
    const id = await startInstance(api.app, 'wcp01');
    const t = await openTask(api.app, id, 'A');
    const [a, b] = await Promise.all([
      request(api.app)
        .post(`${task(t.id)}/complete`)
        .set(bearer('admin'))
        .send({ variables: { by: 'first' } }),
      request(api.app)
        .post(`${task(t.id)}/complete`)
        .set(bearer('alice'))
        .send({ variables: { by: 'second' } }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expectError(loser, 409, 'CONFLICT');
    const history = await request(api.app).get(`/api/process-instances/${id}/history`).set(bearer('carol'));
    expect(history.body.events.filter((e: { type: string; elementId: string }) => e.type === 'task.completed' && e.elementId === 'A')).toHaveLength(1);
  });

  test('403 for another agent, for a task claimed by someone else, for auditors and designers', async () => {
    const id = await startInstance(api.app, 'wcp01');
    const t = await openTask(api.app, id, 'A');
    expectError(
      await request(api.app)
        .post(`${task(t.id)}/complete`)
        .set(bearer('bob'))
        .send({}),
      403,
      'FORBIDDEN',
    );
    expectError(
      await request(api.app)
        .post(`${task(t.id)}/complete`)
        .set(bearer('carol'))
        .send({}),
      403,
      'FORBIDDEN',
    );
    expectError(
      await request(api.app)
        .post(`${task(t.id)}/complete`)
        .set(bearer('owner'))
        .send({}),
      403,
      'FORBIDDEN',
    );
    await request(api.app)
      .post(`${task(t.id)}/claim`)
      .set(bearer('admin'))
      .send({ assignee: 'bob' })
      .expect(200);
    expectError(
      await request(api.app)
        .post(`${task(t.id)}/complete`)
        .set(bearer('alice'))
        .send({}),
      403,
      'FORBIDDEN',
    );
    // the admin may complete any task
    expect(
      (
        await request(api.app)
          .post(`${task(t.id)}/complete`)
          .set(bearer('admin'))
          .send({})
      ).status,
    ).toBe(200);
  });

  test('400 for bad bodies, 404 unknown, 401, 413', async () => {
    const id = await startInstance(api.app, 'wcp01');
    const t = await openTask(api.app, id, 'A');
    expectError(
      await request(api.app)
        .post(`${task(t.id)}/complete`)
        .set(bearer('alice'))
        .send({ variables: 'x' }),
      400,
      'BAD_REQUEST',
    );
    expectError(
      await request(api.app)
        .post(`${task(t.id)}/complete`)
        .set(bearer('alice'))
        .send({ vars: {} }),
      400,
      'BAD_REQUEST',
    );
    expectError(
      await request(api.app)
        .post(`${task('nope')}/complete`)
        .set(bearer('admin'))
        .send({}),
      404,
      'NOT_FOUND',
    );
    expectError(
      await request(api.app)
        .post(`${task(t.id)}/complete`)
        .send({}),
      401,
      'UNAUTHORIZED',
    );
    expectError(
      await request(api.app)
        .post(`${task(t.id)}/complete`)
        .set(bearer('alice'))
        .send({ variables: { blob: 'x'.repeat(7 * 1024 * 1024) } }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  test('variables are validated against the task form', async () => {
    const id = await startInstance(api.app, 'formProc');
    const t = await openTask(api.app, id, 'A');
    const bad = [
      {}, // summary and category are required
      { summary: '', category: 'network' },
      { summary: 'x'.repeat(81), category: 'network' },
      { summary: 'ok', category: 'software' },
      { summary: 'ok', category: 'network', impact: 7 },
      { summary: 'ok', category: 'network', impact: 'high' },
      { summary: 'ok', category: 'network', vip: 'yes' },
      { summary: 'ok', category: 'network', tags: ['c'] },
      { summary: 'ok', category: 'network', caller: { email: 'not-an-email' } },
    ];
    for (const variables of bad) {
      const res = await request(api.app)
        .post(`${task(t.id)}/complete`)
        .set(bearer('alice'))
        .send({ variables });
      expectError(res, 400, 'BAD_REQUEST');
      expect(res.body.error.details[0].instancePath).toMatch(/^\/variables/);
    }
    const undeclared = await request(api.app)
      .post(`${task(t.id)}/complete`)
      .set(bearer('alice'))
      .send({ variables: { summary: 'ok', category: 'network', extra: 1 } });
    expectError(undeclared, 400, 'BAD_REQUEST');
    expect(undeclared.body.error.message).toContain('/variables/extra is not allowed here');
    const ok = await request(api.app)
      .post(`${task(t.id)}/complete`)
      .set(bearer('alice'))
      .send({ variables: { summary: 'printer on fire', category: 'hardware', impact: 2, vip: false, tags: ['a'], caller: { email: 'dave@example.com' } } });
    expect(ok.status).toBe(200);
  });
});

describe('POST /api/tasks/:id/delegate', () => {
  test('the assignee hands the task to a substitute; others get 403; bad bodies 400', async () => {
    const id = await startInstance(api.app, 'wcp01');
    const task = await openTask(api.app, id, 'A');
    await request(api.app).post(`/api/tasks/${task.id}/claim`).set(bearer('alice')).send({}).expect(200);
    expectError(await request(api.app).post(`/api/tasks/${task.id}/delegate`).set(bearer('alice')).send({}), 400, 'BAD_REQUEST');
    const done = await request(api.app).post(`/api/tasks/${task.id}/delegate`).set(bearer('alice')).send({ to: 'bob' });
    expect(done.status).toBe(200);
    expect(done.body.assignee).toBe('bob');
    expectError(await request(api.app).post(`/api/tasks/${task.id}/delegate`).set(bearer('alice')).send({ to: 'carol' }), 403, 'FORBIDDEN');
    expect((await request(api.app).post(`/api/tasks/${task.id}/delegate`).set(bearer('admin')).send({ to: 'alice' })).body.assignee).toBe('alice');
  });
});
