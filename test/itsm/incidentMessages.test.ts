/**
 * Messages that mean something only in one state of an incident (processdesk.correlation = waiting on
 * CustomerReplied, IncidentReopened, ResolutionConfirmed, PriorityChanged): they reach the one instance
 * waiting for them now, or they are refused with 409 and kept nowhere. Through the HTTP API, with the
 * engine's clock moved forward where time must pass.
 */
import request from 'supertest';
import { bearer } from '../api/helpers';
import { offsetClock, type TestClock } from '../support/clock';
import { completeTask, instance, start, startItsm, waitActive, waitFor, waitTasks, type Itsm } from './helpers';

let itsm: Itsm;
let time: TestClock;
beforeEach(async () => {
  time = offsetClock();
  itsm = await startItsm({ clock: time.clock });
});
afterEach(async () => {
  await itsm.close();
});

let seq = 0;
const LOG = { summary: 'Printer offline', category: 'hardware' };
type Clock = { total: number; budget: number; running: boolean };

async function working(impact = 2, urgency = 2, extra: Record<string, unknown> = {}, incidentId = `INC-MSG-${++seq}-${Date.now()}`): Promise<{ id: string; incidentId: string }> {
  const id = await start(itsm.app, 'incident', { incidentId, ...extra });
  await completeTask(itsm.app, id, 'LogIncident', { ...LOG, impact, urgency });
  await completeTask(itsm.app, id, 'AcknowledgeIncident');
  await waitTasks(itsm.app, id, 'InvestigateAndResolve');
  return { id, incidentId };
}

const send = (name: string, correlationKey: string, variables: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  request(itsm.app)
    .post('/api/messages')
    .set(bearer('admin'))
    .send({ name, correlationKey, variables, ...extra });

async function pending(id: string): Promise<void> {
  await completeTask(itsm.app, id, 'InvestigateAndResolve', { outcome: 'pending-customer', customerQuestion: 'Which model?' });
  await waitActive(itsm.app, id, 'AwaitCustomer');
}

test('an early customer reply is refused and kept nowhere: it does not end the next pending-customer wait', async () => {
  const { id, incidentId } = await working();
  const before = await instance(itsm.app, id);
  const early = await send('CustomerReplied', incidentId, { customerAnswer: 'too early' });
  expect(early.status).toBe(409);
  expect(early.body.error.message).toMatch(/no instance waits for CustomerReplied .* never buffered: nothing was delivered/);
  expect((await instance(itsm.app, id)).variables).toEqual(before.variables);
  await pending(id);
  await itsm.engine.idle();
  const still = await instance(itsm.app, id);
  expect(still.activeElements).toContain('AwaitCustomer');
  expect(still.variables.customerAnswer).toBeUndefined();
  // the real reply: the answer names the instance it reached
  const reply = await send('CustomerReplied', incidentId, { customerAnswer: 'HP 4' });
  expect(reply.status).toBe(200);
  expect(reply.body).toMatchObject({ correlated: 1, instances: [id] });
  await waitTasks(itsm.app, id, 'InvestigateAndResolve');
});

test('an early reopen is refused: the ticket is not reopened the moment it is resolved', async () => {
  const { id, incidentId } = await working();
  expect((await send('IncidentReopened', incidentId, { reopenReason: 'before resolution' })).status).toBe(409);
  await completeTask(itsm.app, id, 'InvestigateAndResolve', { outcome: 'resolved' });
  await waitActive(itsm.app, id, 'AwaitConfirmation');
  await itsm.engine.idle();
  const resolved = await instance(itsm.app, id);
  expect(resolved.activeElements).toContain('AwaitConfirmation');
  expect(resolved.variables.reopenCount).toBeUndefined();
});

test('a priority change while pending the customer applies at once; the clock stays paused with the new target', async () => {
  // P3 (impact 2, urgency 2) resolves in 600 s here, P1 (impact 1, urgency 1) in 60 s
  const { id, incidentId } = await working(2, 2, { slaResolutionTargets: ['PT60S', 'PT300S', 'PT600S', 'PT700S', 'PT800S'] });
  time.advance(20_000);
  await pending(id);
  const paused = (await instance(itsm.app, id)).variables.slaClock as Clock;
  const used = paused.total - paused.budget;
  expect(used).toBeGreaterThanOrEqual(20);
  const res = await send('PriorityChanged', incidentId, { impact: 1, urgency: 1 });
  expect(res.status).toBe(200);
  expect(res.body.instances).toEqual([id]);
  const raised = await waitFor(itsm.app, id, (i) => i.variables.priority === 1, 'new priority while pending', 8000);
  expect(raised.activeElements).toContain('AwaitCustomer'); // the customer still has the ball
  expect(raised.variables.slaResolution).toBe('PT60S');
  expect(raised.variables.slaClock).toMatchObject({ total: 60, budget: 60 - used, running: false });
  time.advance(120_000); // longer than the new target: paused, so nothing fires
  await itsm.engine.idle();
  expect((await instance(itsm.app, id)).variables.resolutionSla).toBeNull();
  expect((await send('CustomerReplied', incidentId, { customerAnswer: 'model X' })).status).toBe(200);
  // back at work as a P1: coordinated first, with the time left of the new target
  await waitTasks(itsm.app, id, 'CoordinateMajorIncident');
  expect((await instance(itsm.app, id)).variables.slaResolutionLeft).toBe(`PT${60 - used}S`);
});

test('one reply never resumes two tickets: two instances waiting with one key are refused, neither moves', async () => {
  const incidentId = `INC-MSG-SHARED-${Date.now()}`;
  const a = await working(2, 2, {}, incidentId);
  const b = await working(2, 2, {}, incidentId);
  await pending(a.id);
  await pending(b.id);
  const res = await send('CustomerReplied', incidentId, { customerAnswer: 'for whom?' });
  expect(res.status).toBe(409);
  expect(res.body.error.message).toMatch(/2 instances wait for CustomerReplied/);
  await itsm.engine.idle();
  for (const { id } of [a, b]) {
    const i = await instance(itsm.app, id);
    expect(i.activeElements).toContain('AwaitCustomer');
    expect(i.variables.customerAnswer).toBeUndefined();
  }
});

test('a time to live or a message id on such a message is refused with 400, nothing delivered', async () => {
  const { id, incidentId } = await working();
  await pending(id);
  const ttl = await send('CustomerReplied', incidentId, { customerAnswer: 'x' }, { timeToLive: 60_000 });
  expect(ttl.status).toBe(400);
  expect(ttl.body.error.message).toMatch(/no timeToLive/);
  const withId = await send('CustomerReplied', incidentId, { customerAnswer: 'x' }, { messageId: 'reply-1' });
  expect(withId.status).toBe(400);
  expect(withId.body.error.message).toMatch(/Idempotency-Key/);
  await itsm.engine.idle();
  expect((await instance(itsm.app, id)).activeElements).toContain('AwaitCustomer');
});
