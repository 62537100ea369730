/**
 * Finding 3 of the trust review: "one request freezes the server". Starting an approval with 800
 * approvers blocked every request for 3.5 s, a split into 800 tasks took 32 s, a chain of 5,000 manual
 * tasks never finished; a 1.6 MB DMN skipped the XML guard; a FEEL loop blocked for seconds; a reminder
 * could fire ten times a second for ten years; a message could live forever; deeply nested variables
 * answered 500. Each is now bounded: refused with a 400 naming the limit, or an incident on its
 * element; large instances are worked in commands of bounded size. (Speed is measured by
 * `npm run bench`, section hostile; these tests check behaviour, never elapsed time.)
 */
import request from 'supertest';
import { bearer, deploy, expectError, startApi, type TestApi } from '../api/helpers';
import { shippedResources } from '../itsm/helpers';
import { eventually } from '../support/engine';

const XMLNS =
  'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Defs" targetNamespace="http://processdesk.test"';
const doc = (processId: string, body: string, roots = ''): { name: string; content: string } => ({
  name: `${processId}.bpmn`,
  content: `<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions ${XMLNS}>${roots}<bpmn:process id="${processId}" isExecutable="true">${body}</bpmn:process></bpmn:definitions>`,
});

function chain(processId: string, n: number, loop = false): { name: string; content: string } {
  let body = '<bpmn:startEvent id="S" />';
  let prev = 'S';
  for (let i = 0; i < n; i++) {
    body += `<bpmn:manualTask id="M${i}" /><bpmn:sequenceFlow id="F${i}" sourceRef="${prev}" targetRef="M${i}" />`;
    prev = `M${i}`;
  }
  body += loop
    ? `<bpmn:sequenceFlow id="Back" sourceRef="${prev}" targetRef="M0" />`
    : `<bpmn:userTask id="Last" /><bpmn:sequenceFlow id="FL" sourceRef="${prev}" targetRef="Last" />`;
  return doc(processId, body);
}

let api: TestApi;
beforeEach(async () => {
  api = await startApi({}, { limits: { feelTimeoutMs: 300, minTimerCycleMs: 1000 } });
});
afterEach(() => api.close());

const start = (processId: string, variables: Record<string, unknown> = {}, user = 'admin') =>
  request(api.app).post('/api/process-instances').set(bearer(user)).send({ processId, variables });
const instances = async (processId: string) => (await request(api.app).get('/api/process-instances').query({ processId }).set(bearer('admin'))).body.items as unknown[];
async function incidentOf(id: string): Promise<{ elementId: string; message: string }> {
  return eventually(async () => {
    const res = await request(api.app).get('/api/incidents').query({ processInstanceId: id, state: 'open' }).set(bearer('admin'));
    if (!res.body.items?.length) throw new Error('no incident yet');
    return res.body.items[0];
  }, 5000);
}

test('a 5,000-node chain starts at once and is worked in bounded commands to its end; a loop of automatic elements still ends in an incident', async () => {
  await deploy(api.app, [chain('longChain', 5000), chain('endless', 3, true)]);
  const res = await start('longChain');
  expect(res.status).toBe(201);
  expect(res.body.state).toBe('active');
  await eventually(async () => {
    const open = (await request(api.app).get('/api/tasks').query({ processInstanceId: res.body.id, state: 'created' }).set(bearer('admin'))).body.items;
    expect(open.map((t: { elementId: string }) => t.elementId)).toEqual(['Last']);
  }, 20_000);
  const history = (await request(api.app).get(`/api/process-instances/${res.body.id}/history`).set(bearer('admin'))).body.events as { type: string }[];
  expect(history.filter((e) => e.type === 'element.completed')).toHaveLength(5001);
  expect((await request(api.app).get(`/api/process-instances/${res.body.id}/history/verify`).set(bearer('carol'))).body.valid).toBe(true);

  const loop = await start('endless');
  const incident = await incidentOf(loop.body.id);
  expect(incident.message).toMatch(/more than 20000 steps without waiting: a loop of automatic elements\?/);
}, 60_000);

test('an approval with 1,000 approvers starts, and its votes are created in bounded commands while the server answers', async () => {
  const approval = shippedResources().filter((r) => r.name === 'approval.bpmn' || r.name.startsWith('forms/approval'));
  await deploy(api.app, approval);
  const started = await start('approval', { approvers: Array.from({ length: 1000 }, (_, i) => `user${i}`), approvalRule: 'any' });
  expect(started.status).toBe(201);
  // the approvers are asked first (a notify job, done here as a worker would)
  const ask = await eventually(async () => {
    const res = await request(api.app).post('/api/jobs/activate').set(bearer('admin')).send({ type: 'notify', worker: 'test', maxJobs: 1, lockMs: 10_000 });
    if (!res.body.jobs?.[0]) throw new Error('no notify job yet');
    return res.body.jobs[0] as { key: string };
  });
  await request(api.app)
    .post(`/api/jobs/${encodeURIComponent(ask.key)}/complete`)
    .set(bearer('admin'))
    .send({ variables: {} })
    .expect(200);
  // the server answers while the votes are being created
  expect((await request(api.app).get('/api/health')).status).toBe(200);
  await eventually(async () => {
    let count = 0;
    let cursor: string | undefined;
    do {
      const page = (
        await request(api.app)
          .get('/api/tasks')
          .query({ processInstanceId: started.body.id, state: 'created', limit: 1000, ...(cursor ? { cursor } : {}) })
          .set(bearer('admin'))
      ).body;
      count += page.items.length;
      cursor = page.next ?? undefined;
    } while (cursor);
    expect(count).toBe(1000);
  }, 30_000);
}, 60_000);

test('too many flow nodes: 400 naming the limit, nothing deployed', async () => {
  const small = await startApi({}, { limits: { maxFlowNodes: 50 } });
  try {
    const res = await request(small.app)
      .post('/api/deployments')
      .set(bearer('admin'))
      .send({ resources: [chain('tooLong', 60)] });
    expectError(res, 400, 'BAD_REQUEST');
    expect(JSON.stringify(res.body.error.details)).toContain('process tooLong has 62 flow nodes; the limit is 50 (maxFlowNodes)');
    expectError(await request(small.app).get('/api/processes/tooLong').set(bearer('admin')), 404, 'NOT_FOUND');
  } finally {
    await small.close();
  }
});

test('a multi-instance above the limit is an incident naming it; no task is created', async () => {
  const small = await startApi({}, { limits: { maxMultiInstance: 100 } });
  try {
    await deploy(small.app, [
      doc(
        'fanOut',
        '<bpmn:startEvent id="S" /><bpmn:userTask id="Each"><bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=items" inputElement="item" /></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask><bpmn:sequenceFlow id="F" sourceRef="S" targetRef="Each" />',
      ),
    ]);
    const res = await request(small.app)
      .post('/api/process-instances')
      .set(bearer('admin'))
      .send({ processId: 'fanOut', variables: { items: Array.from({ length: 101 }, (_, i) => i) } });
    expect(res.status).toBe(201);
    const incident = await eventually(async () => {
      const r = await request(small.app).get('/api/incidents').query({ processInstanceId: res.body.id }).set(bearer('admin'));
      if (!r.body.items?.length) throw new Error('no incident yet');
      return r.body.items[0] as { elementId: string; message: string };
    });
    expect(incident).toMatchObject({ elementId: 'Each', message: expect.stringContaining('multi-instance over 101 items exceeds the limit of 100 instances (maxMultiInstance)') });
    expect((await request(small.app).get('/api/tasks').query({ processInstanceId: res.body.id }).set(bearer('admin'))).body.items).toEqual([]);
  } finally {
    await small.close();
  }
});

test('a FEEL loop is stopped at its time limit (an incident naming it) and the server answers meanwhile; a huge FEEL result too', async () => {
  await deploy(api.app, [
    doc(
      'feelLoop',
      '<bpmn:startEvent id="S" /><bpmn:scriptTask id="Spin"><bpmn:extensionElements><zeebe:script expression="=count(for i in 1..100000000 return i)" resultVariable="n" /></bpmn:extensionElements></bpmn:scriptTask><bpmn:sequenceFlow id="F" sourceRef="S" targetRef="Spin" />',
    ),
    doc(
      'feelBig',
      '<bpmn:startEvent id="S" /><bpmn:scriptTask id="Grow"><bpmn:extensionElements><zeebe:script expression="=for i in 1..8000 return &quot;xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx&quot;" resultVariable="big" /></bpmn:extensionElements></bpmn:scriptTask><bpmn:sequenceFlow id="F" sourceRef="S" targetRef="Grow" />',
    ),
  ]);
  const loop = await start('feelLoop');
  expect(loop.status).toBe(201);
  expect((await request(api.app).get('/api/health')).status).toBe(200);
  expect(await incidentOf(loop.body.id)).toMatchObject({ elementId: 'Spin', message: expect.stringContaining('took longer than 300 ms and was stopped (feelTimeoutMs)') });
  // 1.6 MB from few iterations: over the result limit long before the time limit, even on a busy machine
  const big = await start('feelBig');
  expect(await incidentOf(big.body.id)).toMatchObject({ elementId: 'Grow', message: expect.stringContaining('(maxFeelResultBytes)') });
  const vars = (await request(api.app).get(`/api/process-instances/${big.body.id}`).set(bearer('admin'))).body.variables;
  expect(vars.big).toBeUndefined();
});

test('timer cycles faster than allowed or with too many firings are incidents; such a start timer is refused at deploy', async () => {
  await deploy(api.app, [
    doc(
      'fastCycle',
      '<bpmn:startEvent id="S" /><bpmn:userTask id="T" /><bpmn:boundaryEvent id="Nag" cancelActivity="false" attachedToRef="T"><bpmn:timerEventDefinition><bpmn:timeCycle xsi:type="bpmn:tFormalExpression">=cycle</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent><bpmn:sequenceFlow id="F" sourceRef="S" targetRef="T" />',
    ),
  ]);
  for (const [cycle, message] of [
    ['R/PT0.1S', 'the timer cycle fires every 100 ms; the shortest period allowed is 1000 ms (minTimerCycleMs)'],
    ['R20000/PT1M', 'the timer cycle asks for 20000 firings; the limit is 10000 (maxTimerRepetitions)'],
  ]) {
    const res = await start('fastCycle', { cycle });
    expect(await incidentOf(res.body.id)).toMatchObject({ elementId: 'T', message: expect.stringContaining(message) });
  }
  const refused = await request(api.app)
    .post('/api/deployments')
    .set(bearer('admin'))
    .send({
      resources: [
        doc(
          'fastStart',
          '<bpmn:startEvent id="Tick"><bpmn:timerEventDefinition><bpmn:timeCycle xsi:type="bpmn:tFormalExpression">R/PT0.5S</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent><bpmn:userTask id="T" /><bpmn:sequenceFlow id="F" sourceRef="Tick" targetRef="T" />',
        ),
      ],
    });
  expectError(refused, 400, 'BAD_REQUEST');
  expect(JSON.stringify(refused.body.error.details)).toContain('minTimerCycleMs');
  await new Promise((r) => setTimeout(r, 1200));
  expect(await instances('fastStart')).toEqual([]);
});

test('a message may not live longer than the limit: 400, nothing buffered', async () => {
  const res = await request(api.app)
    .post('/api/messages')
    .set(bearer('worker'))
    .send({ name: 'Later', correlationKey: 'k', timeToLive: 10 * 365 * 86_400_000 });
  expectError(res, 400, 'BAD_REQUEST');
  expect(res.body.error.message).toMatch(/a message lives at most 604800000 ms \(maxMessageTtlMs\)/);
  await deploy(api.app, [
    doc(
      'waitsLater',
      '<bpmn:startEvent id="S" /><bpmn:receiveTask id="R" messageRef="M" /><bpmn:sequenceFlow id="F" sourceRef="S" targetRef="R" />',
      '<bpmn:message id="M" name="Later"><bpmn:extensionElements><zeebe:subscription correlationKey="=key" /></bpmn:extensionElements></bpmn:message>',
    ),
  ]);
  const waiting = await start('waitsLater', { key: 'k' });
  await new Promise((r) => setTimeout(r, 200));
  expect((await request(api.app).get(`/api/process-instances/${waiting.body.id}`).set(bearer('admin'))).body.activeElements).toEqual(['R']);
});

test('deeply nested variables are a 400 naming the limit (not a 500); nothing starts', async () => {
  await deploy(api.app, [doc('plain', '<bpmn:startEvent id="S" /><bpmn:userTask id="T" /><bpmn:sequenceFlow id="F" sourceRef="S" targetRef="T" />')]);
  for (const depth of [100, 100_000]) {
    const deep = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    const res = await request(api.app)
      .post('/api/process-instances')
      .set(bearer('admin'))
      .set('content-type', 'application/json')
      .send(`{"processId":"plain","variables":{"deep":${deep}}}`);
    expectError(res, 400, 'BAD_REQUEST');
    expect(res.body.error.message).toBe('the JSON body nests deeper than 66 levels (maxJsonDepth)');
  }
  expect(await instances('plain')).toEqual([]);
  // the engine refuses the same for its library callers
  let v: unknown = 1;
  for (let i = 0; i < 100; i++) v = { a: v };
  await expect(api.engine.startInstance({ processId: 'plain', variables: { v } })).rejects.toMatchObject({
    code: 'INVALID',
    message: 'start variables nest deeper than 64 levels (maxJsonDepth)',
  });
});

test('DMN and forms go through the input guard: a DMN full of unknown elements and a form nested too deep are refused at once', async () => {
  const unknown = Array.from({ length: 40_000 }, (_, i) => `<foo id="f${i}"/>`).join('');
  const dmn = `<?xml version="1.0"?><definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="x" namespace="x"><decision id="a"><decisionTable id="t"><input id="i"><inputExpression id="e"><text>x</text></inputExpression></input><output id="o" name="y"/>${unknown}</decisionTable></decision></definitions>`;
  const res = await request(api.app)
    .post('/api/deployments')
    .set(bearer('admin'))
    .send({ resources: [{ name: 'big.dmn', content: dmn }] });
  expectError(res, 400, 'BAD_REQUEST');
  expect(JSON.stringify(res.body.error.details)).toContain('the DMN document has more than 100 parts a DMN reader cannot place');
  let form = '{"type":"textfield","key":"x"}';
  for (let i = 0; i < 100; i++) form = `{"type":"group","components":[${form}]}`;
  const deep = await request(api.app)
    .post('/api/deployments')
    .set(bearer('admin'))
    .send({ resources: [{ name: 'deep.form', content: `{"id":"deep","components":[${form}]}` }] });
  expectError(deep, 400, 'BAD_REQUEST');
  expect(JSON.stringify(deep.body.error.details)).toContain('deep.form: nests deeper than 64 levels');
});

test('every limit is configurable from the environment; a value that is no number stops the start', async () => {
  const { loadConfig } = await import('../../api/config');
  const config = loadConfig({ DEMO: 'on', MAX_FLOW_NODES: '50', FEEL_TIMEOUT_MS: '200', MIN_TIMER_CYCLE_MS: '60000', MAX_JSON_DEPTH: '16', INTEGRITY_CHECK_MS: '0' }, '/srv', []);
  expect(config.limits).toEqual({ maxFlowNodes: 50, feelTimeoutMs: 200, minTimerCycleMs: 60_000, maxJsonDepth: 16 });
  expect(config.integrityCheckMs).toBe(0);
  expect(() => loadConfig({ DEMO: 'on', MAX_MULTI_INSTANCE: 'lots' }, '/srv', [])).toThrow(/MAX_MULTI_INSTANCE must be a non-negative integer, got "lots"/);
  const limited = await startApi({}, { limits: config.limits });
  try {
    expect(limited.engine.limits).toMatchObject({ maxFlowNodes: 50, feelTimeoutMs: 200, maxMultiInstance: 10_000 });
  } finally {
    await limited.close();
  }
});
