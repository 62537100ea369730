/**
 * `npm run worker` with NOTIFY_CONFIG: the worker sends the notify jobs' e-mails (to the addresses of
 * DIRECTORY_FILE) instead of the demo worker's log line, and a broken NOTIFY_CONFIG stops it at start.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readDirectoryFile } from '../../api/directory';
import { loadWorkerConfig, startWorker } from '../../api/worker';
import { bpmn, chain, endEvent, serviceTask, startEvent } from '../engine/helpers';
import { eventually } from '../support/engine';
import { startSmtp } from './receivers';

test('the worker e-mails the requester of a notify job; the demo notify worker stays off', async () => {
  const smtp = await startSmtp();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-notify-'));
  fs.writeFileSync(path.join(dir, 'notify.json'), JSON.stringify({ email: { smtpUrl: smtp.url, from: 'desk@example.org' } }));
  fs.writeFileSync(path.join(dir, 'people.json'), JSON.stringify({ users: [{ id: 'alice', roles: ['agent'], groups: [], email: 'alice@example.org' }] }));
  const config = loadWorkerConfig({ DATA_DIR: path.join(dir, 'data'), NOTIFY_CONFIG: 'notify.json', DIRECTORY_FILE: 'people.json', WORKER_ID: 'w1' }, dir);
  const worker = await startWorker(config);
  try {
    const process = bpmn('tellRequester', [
      startEvent(),
      serviceTask('Tell', 'notify', { headers: { template: 'request-fulfilled', to: 'requester' } }),
      endEvent(),
      chain('Start', 'Tell', 'End'),
    ]);
    await worker.engine.deploy([{ name: 'tell.bpmn', content: process }]);
    const { id } = await worker.engine.startInstance({ processId: 'tellRequester', variables: { requester: 'alice', catalogItem: 'laptop' } });
    await eventually(async () => expect((await worker.engine.getInstance(id)).state).toBe('completed'), 10_000);
    expect(smtp.mails.map((m) => [m.to, m.subject])).toEqual([[['alice@example.org'], 'Your request for laptop is fulfilled']]);
    // completed by the notifier, not by the demo worker
    expect((await worker.engine.getHistory(id)).find((e) => e.type === 'job.completed')?.actor).toBe('w1');
  } finally {
    await worker.stop();
    await smtp.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a broken NOTIFY_CONFIG stops the worker at start with the reason', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-notify-'));
  fs.writeFileSync(path.join(dir, 'notify.json'), JSON.stringify({ email: { smtpUrl: 'mail.example.org', from: 'desk@example.org' } }));
  expect(() => loadWorkerConfig({ NOTIFY_CONFIG: 'notify.json' }, dir)).toThrow(/NOTIFY_CONFIG .*notify.json: \/email\/smtpUrl must match pattern/);
  expect(() => loadWorkerConfig({ NOTIFY_CONFIG: 'missing.json' }, dir)).toThrow(/NOTIFY_CONFIG .*missing.json: ENOENT/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('DIRECTORY_FILE: an e-mail address that is none stops the start with the user named', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-notify-'));
  const file = path.join(dir, 'people.json');
  fs.writeFileSync(file, JSON.stringify({ users: [{ id: 'alice', roles: ['agent'], groups: [], email: 'alice at example' }] }));
  expect(() => readDirectoryFile(file)).toThrow(/users\[0\] \(alice\) has no valid email/);
  fs.writeFileSync(file, JSON.stringify({ users: [{ id: 'alice', roles: ['agent'], groups: [], email: 'alice@example.org' }] }));
  expect(readDirectoryFile(file)).toEqual([{ id: 'alice', roles: ['agent'], groups: [], email: 'alice@example.org' }]);
  fs.rmSync(dir, { recursive: true, force: true });
});
