/**
 * Ticket actions (GET /api/process-instances/:id `messageActions`): the messages a person may send to an
 * instance now, computed by the server from the instance's message waits, the catching elements'
 * processdesk.publishers and the caller's reach; sent with POST /api/messages. Offered only while the
 * instance waits for the message and only to those allowed to send it; refusals change nothing.
 */
import request from 'supertest';
import { completeTask, startItsm, waitActive, waitCompleted, waitTasks, type Itsm } from '../itsm/helpers';
import { bearer, expectError } from './helpers';

let itsm: Itsm;
beforeAll(async () => {
  itsm = await startItsm();
});
afterAll(() => itsm.close());
const app = () => itsm.app;

interface Action {
  name: string;
  elementId: string;
  label: string;
  correlationKey: string;
  fields: string[];
  formId?: string;
  form: { id: string } | null;
}

async function actionsOf(id: string, user: string): Promise<Action[]> {
  const res = await request(itsm.app).get(`/api/process-instances/${id}`).set(bearer(user)).expect(200);
  return res.body.messageActions;
}

const names = (actions: Action[]): string[] => actions.map((a) => a.name).sort();

const send = (user: string, name: string, correlationKey: string, variables: Record<string, unknown>) =>
  request(itsm.app).post('/api/messages').set(bearer(user)).send({ name, correlationKey, variables });

/** alice (service desk) raises a software incident and logs it; it waits for acknowledgement. */
async function raise(): Promise<{ id: string; incidentId: string }> {
  const start = await request(itsm.app)
    .post('/api/process-instances')
    .set(bearer('alice'))
    .send({ processId: 'incident', variables: { summary: 'Mail client crashes', category: 'software', impact: 3, urgency: 3 } })
    .expect(201);
  const id: string = start.body.id;
  await completeTask(itsm.app, id, 'LogIncident', { summary: 'Mail client crashes', category: 'software', impact: 3, urgency: 3 }, 'alice');
  await waitTasks(itsm.app, id, 'AcknowledgeIncident');
  const view = await request(itsm.app).get(`/api/process-instances/${id}`).set(bearer('admin')).expect(200);
  return { id, incidentId: view.body.variables.incidentId };
}

const historyLength = async (id: string): Promise<number> => (await itsm.engine.getHistory(id)).length;

test('while the incident waits for acknowledgement its starter may change the priority, with the form the element declares', async () => {
  const { id, incidentId } = await raise();
  const [action] = await actionsOf(id, 'alice');
  expect(action).toEqual({
    name: 'PriorityChanged',
    elementId: 'PriorityChangedEarly',
    label: 'Priority changed',
    correlationKey: incidentId,
    fields: ['impact', 'urgency'],
    formId: 'incident-priority',
    form: expect.objectContaining({ id: 'incident-priority' }),
  });
  expect(names(await actionsOf(id, 'admin'))).toEqual(['PriorityChanged']);
  // readers who may not send messages see none
  expect(await actionsOf(id, 'carol')).toEqual([]);
  expect(await actionsOf(id, 'owner')).toEqual([]);

  const sent = await send('alice', 'PriorityChanged', incidentId, { impact: 1, urgency: 1 }).expect(200);
  expect(sent.body.correlated).toBe(1);
  await waitTasks(itsm.app, id, 'AcknowledgeIncident');
  const after = await request(itsm.app).get(`/api/process-instances/${id}`).set(bearer('alice')).expect(200);
  expect(after.body.variables).toMatchObject({ impact: 1, urgency: 1, priority: 1 });
  expect(names(after.body.messageActions)).toEqual(['PriorityChanged']);
});

test('the actions follow the ticket: pending customer offers "customer replied", resolution offers confirm and reopen, a closed ticket none', async () => {
  const { id, incidentId } = await raise();
  await completeTask(itsm.app, id, 'AcknowledgeIncident', { firstResponse: 'Looking into it' }, 'alice');
  await waitTasks(itsm.app, id, 'InvestigateAndResolve');
  expect(names(await actionsOf(id, 'alice'))).toEqual(['PriorityChanged']);

  await completeTask(itsm.app, id, 'InvestigateAndResolve', { outcome: 'pending-customer', customerQuestion: 'Which version?' }, 'alice');
  await waitActive(itsm.app, id, 'AwaitCustomer');
  const pending = await actionsOf(id, 'alice');
  // while the customer has the ball the priority may still change (it applies at once, the clock stays paused)
  expect(pending).toEqual([
    expect.objectContaining({ name: 'CustomerReplied', fields: ['customerAnswer'], formId: 'incident-customer-reply' }),
    expect.objectContaining({ name: 'PriorityChanged', formId: 'incident-priority' }),
  ]);

  await send('alice', 'CustomerReplied', incidentId, { customerAnswer: 'Version 12' }).expect(200);
  await waitTasks(itsm.app, id, 'InvestigateAndResolve');
  await completeTask(itsm.app, id, 'InvestigateAndResolve', { outcome: 'resolved', resolutionNotes: 'Reinstalled' }, 'alice');
  await waitActive(itsm.app, id, 'AwaitConfirmation');
  expect(names(await actionsOf(id, 'alice'))).toEqual(['IncidentReopened', 'ResolutionConfirmed']);

  await send('alice', 'ResolutionConfirmed', incidentId, { satisfaction: 4 }).expect(200);
  await waitCompleted(itsm.app, id);
  expect(await actionsOf(id, 'alice')).toEqual([]);
  expect(await actionsOf(id, 'admin')).toEqual([]);
});

describe("a ticket's history", () => {
  test('the agent who may act on a ticket reads its history; another agent is refused and learns nothing of it', async () => {
    const { id } = await raise();
    const mine = await request(app()).get(`/api/process-instances/${id}/history`).set(bearer('alice')).expect(200);
    expect(mine.body.events.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['instance.started', 'task.completed']));
    const refused = await request(app()).get(`/api/process-instances/${id}/history`).set(bearer('bob'));
    expectError(refused, 403, 'FORBIDDEN');
    expect(JSON.stringify(refused.body)).not.toContain('Mail client crashes');
    // verifying the chain stays with owners, auditors and admins
    expectError(await request(app()).get(`/api/process-instances/${id}/history/verify`).set(bearer('alice')), 403, 'FORBIDDEN');
  });
});

describe('refusals change nothing', () => {
  test('an agent who may not act on the incident is offered nothing, may not read it, and her message is refused', async () => {
    const { id, incidentId } = await raise();
    const before = await historyLength(id);
    expectError(await request(itsm.app).get(`/api/process-instances/${id}`).set(bearer('bob')), 403, 'FORBIDDEN');
    expectError(await send('bob', 'PriorityChanged', incidentId, { impact: 1, urgency: 1 }), 403, 'FORBIDDEN');
    expect(await historyLength(id)).toBe(before);
    const view = await request(itsm.app).get(`/api/process-instances/${id}`).set(bearer('admin')).expect(200);
    expect(view.body.variables).toMatchObject({ impact: 3, urgency: 3 });
  });

  test('a variable the action does not take, or a message the instance does not wait for, is refused', async () => {
    const { id, incidentId } = await raise();
    const before = await historyLength(id);
    const extra = await send('alice', 'PriorityChanged', incidentId, { impact: 1, urgency: 1, priority: 1 });
    expectError(extra, 400, 'BAD_REQUEST');
    expect(extra.body.error.message).toMatch(/priority/);
    // not offered now (the incident is not pending the customer), so not accepted either
    expect(names(await actionsOf(id, 'alice'))).not.toContain('CustomerReplied');
    expectError(await send('alice', 'CustomerReplied', incidentId, { customerAnswer: 'hi' }), 409, 'CONFLICT');
    expect(await historyLength(id)).toBe(before);
  });

  test("an agent's message is held to the catching element's form: impact 7, a word, or a missing urgency are refused", async () => {
    const { id, incidentId } = await raise();
    const before = await historyLength(id);
    for (const variables of [{ impact: 7, urgency: 1 }, { impact: 'high', urgency: 1 }, { impact: 1 }]) {
      const res = await send('alice', 'PriorityChanged', incidentId, variables);
      expectError(res, 400, 'BAD_REQUEST');
      expect(res.body.error.message).toMatch(/form incident-priority/);
    }
    expect(await historyLength(id)).toBe(before);
    const view = await request(itsm.app).get(`/api/process-instances/${id}`).set(bearer('admin')).expect(200);
    expect(view.body).toMatchObject({ state: 'active', variables: { impact: 3, urgency: 3 } });
  });
});
