/**
 * What the API answers matches the response schemas of api/schemas.ts, from which the types the web app
 * uses (Task, TaskDetail, Instance, HistoryEvent) are derived: a field the API sends but the schema
 * lacks, or a field the schema requires but the API leaves out, fails here.
 */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { responses } from '../../api/schemas';
import { bearer, deploy, fixture, openTask, sequenceWithForm, startApi, startInstance, TICKET_FORM, type TestApi } from './helpers';

let api: TestApi;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
for (const [name, schema] of Object.entries(responses)) ajv.addSchema(schema, `#/components/schemas/${name}`);

function expectValid(name: keyof typeof responses, value: unknown): void {
  const validate = ajv.getSchema(`#/components/schemas/${name}`)!;
  const valid = validate(value);
  expect({ name, errors: valid ? [] : validate.errors }).toEqual({ name, errors: [] });
}

beforeAll(async () => {
  api = await startApi();
  await deploy(api.app, [fixture('wcp01-sequence'), sequenceWithForm('formProc', 'ticket-form'), { name: 'ticket.form', content: JSON.stringify(TICKET_FORM) }]);
});
afterAll(() => api.close());

test('tasks, one task with its form, instances and history match their schemas', async () => {
  const instanceId = await startInstance(api.app, 'formProc', { ticketId: 'INC-1' });
  const task = await openTask(api.app, instanceId, 'A');
  const tasks = await request(api.app).get('/api/tasks').query({ processInstanceId: instanceId }).set(bearer('admin'));
  expect(tasks.body.items).toHaveLength(1);
  expectValid('TaskPage', tasks.body);
  expectValid('Task', tasks.body.items[0]);
  const detail = await request(api.app).get(`/api/tasks/${task.id}`).set(bearer('admin'));
  expect(detail.body.form).not.toBeNull();
  expectValid('TaskDetail', detail.body);

  const instance = await request(api.app).get(`/api/process-instances/${instanceId}`).set(bearer('admin'));
  expectValid('Instance', instance.body);
  const instances = await request(api.app).get('/api/process-instances').query({ processId: 'formProc' }).set(bearer('admin'));
  expect(instances.body.items.length).toBeGreaterThan(0);
  expectValid('InstancePage', instances.body);
  const history = await request(api.app).get(`/api/process-instances/${instanceId}/history`).set(bearer('admin'));
  expect(history.body.events.length).toBeGreaterThan(1);
  expectValid('History', history.body);
});

test('a link and the linked tickets match their schemas', async () => {
  const one = await startInstance(api.app, 'wcp01');
  const two = await startInstance(api.app, 'wcp01');
  const link = await request(api.app).post(`/api/process-instances/${one}/links`).set(bearer('admin')).send({ targetId: two, kind: 'fixed-by' });
  expect(link.status).toBe(201);
  expectValid('TicketLink', link.body);
  const list = await request(api.app).get(`/api/process-instances/${two}/links`).set(bearer('admin'));
  expect(list.body.items).toHaveLength(1);
  expectValid('TicketLinkList', list.body);
});

test('a schema that leaves out a field the API sends refuses the answer', async () => {
  const instanceId = await startInstance(api.app, 'wcp01');
  const task = await openTask(api.app, instanceId, 'A');
  const { priority: _left, ...properties } = responses.Task.properties;
  const validate = ajv.compile({ ...responses.Task, properties, required: responses.Task.required.filter((f) => f !== 'priority') });
  expect(validate(task)).toBe(false);
  expect(validate.errors).toEqual([expect.objectContaining({ keyword: 'additionalProperties', params: { additionalProperty: 'priority' } })]);
});
