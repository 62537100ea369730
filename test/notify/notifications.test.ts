/**
 * Notifications of `notify` jobs (api/notify) delivered for real: e-mail to an SMTP server started by
 * the test, webhooks to an HTTP receiver that checks the HMAC signature; recipients from the directory,
 * group addresses and the on-call rota; a failed delivery retried as the job's retry, the channel that
 * worked not repeated; nobody to tell is an incident, not a silent success.
 */
import { createHmac } from 'node:crypto';
import { StaticDirectory, type Engine } from '../../engine';
import { runNotifier } from '../../api/notify/notifier';
import { notifySettingsOf, type NotifySettings } from '../../api/notify/settings';
import { bpmn, chain, endEvent, serviceTask, startEvent } from '../engine/helpers';
import { APPROVAL_CALLER, shippedResources } from '../itsm/helpers';
import { eventually, tempEngine } from '../support/engine';
import { startSmtp, startWebhookReceiver } from './receivers';

const SECRET = 'a-webhook-secret-of-16+';
const DIRECTORY = new StaticDirectory([
  { id: 'alice', roles: ['agent'], groups: ['service-desk'], email: 'alice@example.org' },
  { id: 'bob', roles: ['agent'], groups: ['cab'], email: 'bob@example.org' },
  { id: 'dave', roles: ['agent'], groups: ['incident-managers'], email: 'dave@example.org' },
  { id: 'erin', roles: ['agent'], groups: ['incident-managers'], email: 'erin@example.org' },
  { id: 'nomail', roles: ['agent'], groups: [] },
]);
/** The rota's first turn starts here; turns of a day: dave, erin, dave... */
const ROTA_START = Date.parse('2026-11-02T08:00:00Z');
const DAY = 86_400_000;

const notifyProcess = (id: string, headers: Record<string, string>, retries = '3'): string =>
  bpmn(id, [startEvent(), serviceTask('Tell', 'notify', { retries, headers }), endEvent(), chain('Start', 'Tell', 'End')]);

let engine: Engine;
let close: () => Promise<void>;
let stops: (() => Promise<void>)[] = [];
beforeEach(async () => {
  ({ engine, close } = await tempEngine({ directory: DIRECTORY }));
  stops = [];
});
afterEach(async () => {
  for (const stop of stops) await stop();
  await close();
});

async function notifyWith(settings: NotifySettings, clock: () => number): Promise<void> {
  const log: string[] = [];
  stops.push(
    await runNotifier(engine, settings, DIRECTORY, { workerId: 'notifier', jobBatch: 10, jobLockMs: 10_000, log: (l) => log.push(l), onError: (e) => log.push(String(e)), clock }),
  );
}

test('a P1 major incident: e-mail to the group address and the on-call person of the moment, webhook signed and retried, the e-mail not sent twice', async () => {
  const smtp = await startSmtp();
  const hook = await startWebhookReceiver(1);
  stops.push(smtp.close, hook.close);
  const settings = notifySettingsOf({
    email: { smtpUrl: smtp.url, from: 'ProcessDesk <desk@example.org>' },
    webhooks: [{ name: 'chat', url: hook.url, secret: SECRET, templates: ['major-*'] }],
    groups: { 'incident-managers': 'im@example.org' },
    onCall: { 'incident-managers': { start: new Date(ROTA_START).toISOString(), period: 'P1D', users: ['dave', 'erin'] } },
  });
  // a day and a half into the rota: erin's turn (the second)
  await notifyWith(settings, () => ROTA_START + 1.5 * DAY);
  await engine.deploy([{ name: 'major.bpmn', content: notifyProcess('major', { template: 'major-incident', to: 'incident-managers' }) }]);
  const { id } = await engine.startInstance({ processId: 'major', variables: { priority: 1, incidentId: 'INC-7', summary: 'Core switch down' } });
  await eventually(async () => expect((await engine.getInstance(id)).state).toBe('completed'), 10_000);

  expect(smtp.mails).toHaveLength(1);
  const [mail] = smtp.mails;
  expect(mail.to).toEqual(['erin@example.org', 'im@example.org']);
  expect(mail.from).toBe('"ProcessDesk" <desk@example.org>');
  expect(mail.subject).toBe('Major incident INC-7: Core switch down');
  expect(mail.text).toContain('A P1 incident needs the major incident team: Core switch down.');
  expect(mail.messageId).toContain(id);
  // the webhook: refused once (500), delivered on the job's retry, each time signed over the exact body
  expect(hook.deliveries.map((d) => d.status)).toEqual([500, 204]);
  for (const d of hook.deliveries) {
    expect(d.signature).toBe(`sha256=${createHmac('sha256', SECRET).update(d.body).digest('hex')}`);
    expect(d.delivery).toBe(`${id}.${JSON.parse(d.body).id.split('.').slice(1).join('.')}`);
    expect(JSON.parse(d.body)).toMatchObject({
      template: 'major-incident',
      subject: 'Major incident INC-7: Core switch down',
      instanceId: id,
      processId: 'major',
      elementId: 'Tell',
    });
  }
  const history = (await engine.getHistory(id)).map((e) => e.type).filter((t) => t.startsWith('job.'));
  expect(history).toEqual(['job.created', 'job.failed', 'job.completed']);
  expect((await engine.getInstance(id)).variables.lastNotification).toBe('major-incident');
});

test('not a P1: the group address only; a user named by a variable gets their directory address; templates filtered per webhook', async () => {
  const smtp = await startSmtp();
  const hook = await startWebhookReceiver();
  stops.push(smtp.close, hook.close);
  const settings = notifySettingsOf({
    email: { smtpUrl: smtp.url, from: 'desk@example.org' },
    webhooks: [{ name: 'chat', url: hook.url, secret: SECRET, templates: ['major-*'] }],
    groups: { 'incident-managers': 'im@example.org' },
    onCall: { 'incident-managers': { start: new Date(ROTA_START).toISOString(), period: 'P1D', users: ['dave', 'erin'] } },
  });
  await notifyWith(settings, () => ROTA_START + 0.5 * DAY);
  await engine.deploy([{ name: 'told.bpmn', content: notifyProcess('told', { template: 'request-fulfilled', to: 'requester, incident-managers' }) }]);
  const { id } = await engine.startInstance({ processId: 'told', variables: { priority: 3, requester: 'alice', catalogItem: 'laptop' } });
  await eventually(async () => expect((await engine.getInstance(id)).state).toBe('completed'), 10_000);
  expect(smtp.mails.map((m) => [m.to, m.subject])).toEqual([[['alice@example.org', 'im@example.org'], 'Your request for laptop is fulfilled']]);
  expect(hook.deliveries).toEqual([]); // the chat hook wants major-* only
});

test('the shipped approval asks its eligible voters when the vote opens: the requester, excluded from the vote, is not asked', async () => {
  const smtp = await startSmtp();
  stops.push(smtp.close);
  await notifyWith(notifySettingsOf({ email: { smtpUrl: smtp.url, from: 'desk@example.org' }, groups: { cab: 'cab@example.org' } }), Date.now);
  // a caller hands the approval its variables, as the change and request processes do
  await engine.deploy([...shippedResources(), { name: 'approval-caller.bpmn', content: APPROVAL_CALLER }]);
  await engine.startInstance({
    processId: 'approvalCaller',
    variables: { approvers: ['bob', 'alice'], approverGroups: ['cab'], requester: 'alice', approvalSubject: 'New laptop' },
  });
  await eventually(async () => expect(smtp.mails).toHaveLength(1), 10_000);
  expect(smtp.mails[0]).toMatchObject({ to: ['bob@example.org', 'cab@example.org'], subject: 'Your vote is asked: New laptop' });
});

test('nobody to tell: the job fails with the reason and, out of retries, is an incident; nothing is sent', async () => {
  const smtp = await startSmtp();
  stops.push(smtp.close);
  await notifyWith(notifySettingsOf({ email: { smtpUrl: smtp.url, from: 'desk@example.org' } }), Date.now);
  await engine.deploy([{ name: 'lost.bpmn', content: notifyProcess('lost', { template: 'incident-closed', to: 'customer' }, '1') }]);
  const { id } = await engine.startInstance({ processId: 'lost', variables: { reportedBy: 'nomail' } });
  const [incident] = await eventually(async () => {
    const found = await engine.listIncidents({ instanceId: id });
    expect(found).toHaveLength(1);
    return found;
  }, 10_000);
  expect(incident).toMatchObject({ type: 'job-no-retries', elementId: 'Tell' });
  expect(incident.message).toContain('notification incident-closed: nobody to tell (no address for nomail)');
  expect((await engine.getInstance(id)).state).toBe('incident');
  expect(smtp.mails).toEqual([]);
});

test('an SMTP server that is down fails the delivery within the timeout; the job keeps its retries for later', async () => {
  const smtp = await startSmtp();
  const url = smtp.url;
  await smtp.close(); // nothing listens there any more
  await notifyWith(notifySettingsOf({ email: { smtpUrl: url, from: 'desk@example.org' }, timeoutMs: 2000 }), Date.now);
  await engine.deploy([{ name: 'down.bpmn', content: notifyProcess('down', { template: 'incident-closed', to: 'alice' }, '5') }]);
  const { id } = await engine.startInstance({ processId: 'down', variables: {} });
  await eventually(async () => expect((await engine.getHistory(id)).some((e) => e.type === 'job.failed')).toBe(true), 10_000);
  const failed = (await engine.getHistory(id)).find((e) => e.type === 'job.failed')!;
  expect(JSON.stringify(failed.data)).toMatch(/notification incident-closed: email: .*ECONNREFUSED/);
  expect((await engine.getInstance(id)).state).toBe('active');
});

test('NOTIFY_CONFIG is checked: every wrong field is named', () => {
  expect(() => notifySettingsOf({ email: { smtpUrl: 'http://x', from: 'a@b' } })).toThrow(/\/email\/smtpUrl must match pattern/);
  expect(() => notifySettingsOf({ webhooks: [{ name: 'c', url: 'https://x', secret: 'short' }] })).toThrow(/\/webhooks\/0\/secret must NOT have fewer than 16 characters/);
  expect(() => notifySettingsOf({ onCall: { g: { start: 'monday', period: 'P1D', users: ['a'] } } })).toThrow(/\/onCall\/g\/start must match format "date-time"/);
  expect(() => notifySettingsOf({ onCall: { g: { start: '2026-11-02T08:00:00Z', period: 'PT0S', users: ['a'] } } })).toThrow(/period PT0S is no positive/);
  expect(() => notifySettingsOf({ smtp: {} })).toThrow(/must NOT have additional properties/);
});
