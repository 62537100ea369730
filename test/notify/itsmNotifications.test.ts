/**
 * The shipped processes' notifications end to end over HTTP, sent for real: a service request started,
 * approved and fulfilled through the API while the notifier (NOTIFY_CONFIG's handler) sends e-mail to an
 * SMTP server started by the test, to the addresses of DIRECTORY_FILE. Who hears what, in order: the
 * manager is asked to vote, the person an admin gives the fulfilment to hears of it, the requester hears
 * the request is fulfilled; nobody else gets a mail.
 */
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { DEMO_USERS } from '../../api/auth';
import { buildDirectory } from '../../api/directory';
import { runJobHandlers } from '../../api/jobRunner';
import { runNotifier, taskAssignedNotifier } from '../../api/notify/notifier';
import { notifySettingsOf } from '../../api/notify/settings';
import { bearer, deploy, startApi, testConfig, type TestApi } from '../api/helpers';
import { eventually } from '../support/engine';
import { childInstance, shippedResources, start, waitCompleted, waitTasks } from '../itsm/helpers';
import { startSmtp, startWebhookReceiver } from './receivers';

type Smtp = Awaited<ReturnType<typeof startSmtp>>;

let dir: string;
let api: TestApi;
let stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.reverse()) await stop();
  stops = [];
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A server with the shipped processes deployed; DIRECTORY_FILE gives every demo user `<id>@example.org`;
 * the notifier runs NOTIFY_CONFIG `extra` with e-mail to the test's SMTP server, whoever is given a task
 * is told, and cmdb-lookup jobs are answered "nothing known" (incidents are routed by category).
 */
async function serve(smtp: Smtp, extra: Record<string, unknown> = {}): Promise<void> {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-itsm-notify-'));
  const people = path.join(dir, 'people.json');
  fs.writeFileSync(people, JSON.stringify({ users: DEMO_USERS.map((u) => ({ ...u, email: `${u.id}@example.org` })) }));
  const directory = buildDirectory(testConfig({ directoryFile: people }));
  const settings = notifySettingsOf({ email: { smtpUrl: smtp.url, from: 'desk@example.org' }, ...extra });
  api = await startApi({ directoryFile: people }, { onTaskAssigned: taskAssignedNotifier(settings, directory) });
  stops.push(api.close);
  const runner = { workerId: 'notifier', jobBatch: 10, jobLockMs: 10_000, log: () => undefined, onError: () => undefined };
  stops.push(await runNotifier(api.engine, settings, directory, runner));
  stops.push(await runJobHandlers(api.engine, { 'cmdb-lookup': () => ({}) }, { ...runner, workerId: 'cmdb' }));
  await deploy(api.app, shippedResources());
}

/** The test's SMTP server, closed after the test. */
async function smtpServer(): Promise<Smtp> {
  const smtp = await startSmtp();
  stops.push(smtp.close);
  return smtp;
}

test("an incident over HTTP: the group it is routed to is told, by its members' addresses, with the ticket number", async () => {
  const smtp = await smtpServer();
  await serve(smtp);

  const id = await start(api.app, 'incident', {}, 'alice');
  const [log] = await waitTasks(api.app, id, 'LogIncident');
  await request(api.app).post(`/api/tasks/${log.id}/claim`).set(bearer('erin')).expect(200);
  await request(api.app)
    .post(`/api/tasks/${log.id}/complete`)
    .set(bearer('erin'))
    .send({ variables: { summary: 'Printer jam on floor 3', category: 'hardware', impact: 3, urgency: 3 } })
    .expect(200);
  await waitTasks(api.app, id, 'AcknowledgeIncident');
  await eventually(async () => expect(smtp.mails).toHaveLength(1), 10_000);
  // hardware goes to the service desk: its members alice and erin (no group address configured)
  expect(smtp.mails[0]).toMatchObject({ to: ['alice@example.org', 'erin@example.org'], subject: 'INC0000001 (P5) is assigned to your group: Printer jam on floor 3' });
});

test('a P1 incident over HTTP: the major incident team address, its on-call person of the moment and the chat webhook (signed) are told', async () => {
  const smtp = await smtpServer();
  const hook = await startWebhookReceiver();
  stops.push(hook.close);
  // the rota started half a turn ago: dave's turn (the first)
  const rotaStart = new Date(Date.now() - 12 * 3_600_000).toISOString();
  await serve(smtp, {
    webhooks: [{ name: 'chat', url: hook.url, secret: 'the-chat-webhook-secret', templates: ['major-*'] }],
    groups: { 'incident-managers': 'major@example.org' },
    onCall: { 'incident-managers': { start: rotaStart, period: 'P1D', users: ['dave', 'erin'] } },
  });

  const id = await start(api.app, 'incident', {}, 'alice');
  const [log] = await waitTasks(api.app, id, 'LogIncident');
  await request(api.app).post(`/api/tasks/${log.id}/claim`).set(bearer('erin')).expect(200);
  await request(api.app)
    .post(`/api/tasks/${log.id}/complete`)
    .set(bearer('erin'))
    .send({ variables: { summary: 'Core switch down', category: 'hardware', impact: 1, urgency: 1 } })
    .expect(200);
  const [ack] = await waitTasks(api.app, id, 'AcknowledgeIncident');
  await request(api.app).post(`/api/tasks/${ack.id}/claim`).set(bearer('erin')).expect(200);
  await request(api.app).post(`/api/tasks/${ack.id}/complete`).set(bearer('erin')).send({ variables: {} }).expect(200);
  await eventually(async () => expect(smtp.mails.map((m) => m.subject)).toContain('Major incident INC0000001: Core switch down'), 10_000);
  const major = smtp.mails.find((m) => m.subject.startsWith('Major incident'))!;
  expect(major.to).toEqual(['dave@example.org', 'major@example.org']);
  await eventually(async () => expect(hook.deliveries).toHaveLength(1));
  const [delivery] = hook.deliveries;
  expect(delivery.signature).toBe(`sha256=${createHmac('sha256', 'the-chat-webhook-secret').update(delivery.body).digest('hex')}`);
  expect(JSON.parse(delivery.body)).toMatchObject({ template: 'major-incident', subject: 'Major incident INC0000001: Core switch down', processId: 'incident' });
});

test('a service request over HTTP: the manager is asked to vote, the fulfiller told an admin gave them the task, the requester told it is fulfilled', async () => {
  const smtp = await smtpServer();
  await serve(smtp);

  const id = await start(api.app, 'request', { catalogItem: 'access-request', items: [{ sku: 'VPN', name: 'VPN access' }] }, 'alice');
  const approvalId = await childInstance(api.app, id, 'approval');
  await eventually(async () => expect(smtp.mails).toHaveLength(1), 10_000);
  expect(smtp.mails[0]).toMatchObject({ to: ['bob@example.org'], subject: expect.stringMatching(/^Your vote is asked: /) });
  const [vote] = await waitTasks(api.app, approvalId, 'Vote');
  await request(api.app)
    .post(`/api/tasks/${vote.id}/complete`)
    .set(bearer('bob'))
    .send({ variables: { decision: 'approve' } })
    .expect(200);
  const [fulfil] = await waitTasks(api.app, id, 'FulfilItem');
  // an admin gives the fulfilment to dave: dave is told
  await request(api.app).post(`/api/tasks/${fulfil.id}/claim`).set(bearer('admin')).send({ assignee: 'dave' }).expect(200);
  await eventually(async () => expect(smtp.mails).toHaveLength(2), 10_000);
  expect(smtp.mails[1]).toMatchObject({ to: ['dave@example.org'], subject: 'REQ0000001: VPN access for alice (access-request) is assigned to you' });
  expect(smtp.mails[1].text).toContain('admin assigned the task "VPN access for alice (access-request)" to you; it is due at');
  await request(api.app)
    .post(`/api/tasks/${fulfil.id}/complete`)
    .set(bearer('dave'))
    .send({ variables: { fulfilmentNotes: 'VPN profile issued' } })
    .expect(200);
  await waitCompleted(api.app, id);
  await eventually(async () => expect(smtp.mails).toHaveLength(3), 10_000);
  expect(smtp.mails[2]).toMatchObject({ to: ['alice@example.org'], subject: 'Your request for access-request is fulfilled' });
  // the notifier completed the notify jobs, as the history shows
  const events = (await request(api.app).get(`/api/process-instances/${id}/history`).set(bearer('admin')).expect(200)).body.events as {
    type: string;
    elementId?: string;
    actor: string;
  }[];
  expect(events.filter((e) => e.type === 'job.completed' && e.elementId === 'NotifyRequester').map((e) => e.actor)).toEqual(['notifier']);
});
