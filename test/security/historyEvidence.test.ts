/**
 * Finding 4, for auditors: the public key, the signed checkpoints and the evidence pack let an auditor
 * verify history away from the server with the public key alone (`npm run verify-evidence`), and the
 * server's own verification names tampering over HTTP.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import request from 'supertest';
import { verifyPack } from '../../api/verifyEvidence';
import { bearer, deploy, expectError, fixture, openTask, startApi, startInstance, type TestApi } from '../api/helpers';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

let api: TestApi;
beforeEach(async () => {
  api = await startApi({}, { checkpointIntervalMs: 0 });
  await deploy(api.app, [fixture('wcp01-sequence')]);
});
afterEach(() => api.close());

async function workedInstance(): Promise<string> {
  const id = await startInstance(api.app, 'wcp01', { ticket: 'INC-9' }, 'alice');
  const a = await openTask(api.app, id, 'A');
  await request(api.app)
    .post(`/api/tasks/${a.id}/complete`)
    .set(bearer('alice'))
    .send({ variables: { category: 'network' } })
    .expect(200);
  await openTask(api.app, id, 'B');
  return id;
}

test('auditors read the public key and the signed checkpoints; agents and designers may not export them', async () => {
  const id = await workedInstance();
  await api.engine.checkpoint();
  const key = await request(api.app).get('/api/history/public-key').set(bearer('carol'));
  expect(key.status).toBe(200);
  expect(key.body.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  const page = await request(api.app).get('/api/history/checkpoints').set(bearer('carol'));
  expect(page.status).toBe(200);
  expect(page.body.publicKey).toEqual(key.body);
  expect(page.body.items).toHaveLength(1);
  expect(page.body.items[0].heads.map((h: { instanceId: string }) => h.instanceId)).toEqual([id]);
  expect((await request(api.app).get('/api/history/verify').set(bearer('carol'))).body).toEqual({ valid: true, checkpoints: 1, instances: 1, problems: [] });
  for (const user of ['alice', 'owner']) expectError(await request(api.app).get('/api/history/checkpoints').set(bearer(user)), 403, 'FORBIDDEN');
});

test('the evidence pack verifies offline with the public key alone, and a forged step in it is named', async () => {
  const id = await workedInstance();
  await api.engine.checkpoint();
  const pack = (await request(api.app).get(`/api/process-instances/${id}/evidence`).set(bearer('carol'))).body;
  expect(pack.instance.startedBy).toBe('alice');
  expect(pack.verification).toMatchObject({ valid: true, problems: [] });
  const pem = (await request(api.app).get('/api/history/public-key').set(bearer('carol'))).body.publicKeyPem as string;
  expect(verifyPack(pack, pem).ok).toBe(true);

  const forged = structuredClone(pack);
  const completion = forged.chains[0].events.find((e: { type: string }) => e.type === 'task.completed');
  completion.actor = 'mallory';
  const result = verifyPack(forged, pem);
  expect(result.ok).toBe(false);
  expect(result.lines.join('\n')).toContain(`edited-event: event ${completion.seq} (task.completed) was changed after it was written`);

  const other = await startApi();
  try {
    expect(verifyPack(pack, other.engine.historyPublicKey.publicKeyPem).lines.join('\n')).toContain('unknown-key');
  } finally {
    await other.close();
  }
});

test('a pack whose head was sealed together with others (a tree seal) verifies offline; a changed path is a bad seal', async () => {
  // started side by side: their heads share one signature (engine/runtime/headSealer.ts)
  const ids = (await Promise.all(['a', 'b', 'c'].map((who) => api.engine.startInstance({ processId: 'wcp01', variables: { ticket: `INC-${who}` }, actor: 'alice' })))).map(
    (i) => i.id,
  );
  const pem = (await request(api.app).get('/api/history/public-key').set(bearer('carol'))).body.publicKeyPem as string;
  for (const id of ids) {
    const pack = (await request(api.app).get(`/api/process-instances/${id}/evidence`).set(bearer('carol'))).body;
    const seal = pack.chains[0].instance.head.seal as string;
    expect(seal.startsWith('tree1:')).toBe(true);
    expect(verifyPack(pack, pem).ok).toBe(true);
    const altered = structuredClone(pack);
    const [prefix, signature, path] = seal.split(':');
    const flipped = path.split(',').map((step, i) => (i === 0 ? (step[0] === 'L' ? 'R' : 'L') + step.slice(1) : step));
    altered.chains[0].instance.head.seal = [prefix, signature, flipped.join(',')].join(':');
    const result = verifyPack(altered, pem);
    expect(result.ok).toBe(false);
    expect(result.lines.join('\n')).toContain('bad-seal');
  }
});

test('npm run verify-evidence: exit 0 for a sound pack, 1 naming the problem for a cut one', async () => {
  const id = await workedInstance();
  const pack = (await request(api.app).get(`/api/process-instances/${id}/evidence`).set(bearer('admin'))).body;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-evidence-'));
  try {
    fs.writeFileSync(path.join(dir, 'key.pem'), pack.publicKey.publicKeyPem);
    fs.writeFileSync(path.join(dir, 'pack.json'), JSON.stringify(pack));
    const cli = ['tsx', path.join(ROOT, 'api/verifyEvidence.ts')];
    const ok = await run('npx', [...cli, path.join(dir, 'pack.json'), '--public-key', path.join(dir, 'key.pem')], { cwd: ROOT });
    expect(ok.stdout).toContain(`evidence of ${id} verifies`);
    pack.chains[0].events.pop();
    fs.writeFileSync(path.join(dir, 'cut.json'), JSON.stringify(pack));
    const cut = await run('npx', [...cli, path.join(dir, 'cut.json'), '--public-key', path.join(dir, 'key.pem')], { cwd: ROOT }).then(
      () => {
        throw new Error('a cut pack must not verify');
      },
      (err: { code: number; stdout: string }) => err,
    );
    expect(cut.code).toBe(1);
    expect(cut.stdout).toContain('truncated: the last 1 event was removed');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('GET .../history/verify names a cut tail; a deleted instance is reported, not unknown', async () => {
  const id = await workedInstance();
  await api.engine.checkpoint();
  const db = new Database(path.join(api.dir, 'processdesk.sqlite'));
  try {
    for (const t of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'history'").all() as { name: string }[]) db.exec(`DROP TRIGGER "${t.name}"`);
    db.prepare('DELETE FROM history WHERE instance_id = ? AND seq = (SELECT max(seq) FROM history WHERE instance_id = ?)').run(id, id);
  } finally {
    db.close();
  }
  const cut = await request(api.app).get(`/api/process-instances/${id}/history/verify`).set(bearer('carol'));
  expect(cut.status).toBe(200);
  expect(cut.body.valid).toBe(false);
  expect(cut.body.problems.map((p: { kind: string }) => p.kind)).toContain('truncated');

  const db2 = new Database(path.join(api.dir, 'processdesk.sqlite'));
  try {
    db2.prepare('DELETE FROM history WHERE instance_id = ?').run(id);
    db2.prepare('DELETE FROM instances WHERE id = ?').run(id);
  } finally {
    db2.close();
  }
  const gone = await request(api.app).get(`/api/process-instances/${id}/history/verify`).set(bearer('carol'));
  expect(gone.status).toBe(200);
  expect(gone.body).toMatchObject({ valid: false, problems: [{ kind: 'instance-deleted' }] });
  expect((await request(api.app).get('/api/history/verify').set(bearer('carol'))).body.problems.map((p: { kind: string }) => p.kind)).toEqual(['instance-deleted']);
});
