/**
 * Finding 5 of the trust review, the smaller ones: agents read every instance and its variables;
 * a database damaged mid-file starts and /api/health says ok; any NODE_ENV but `production` turned the
 * demo tokens on; completing a task while someone else claims it did not re-check the assignee in
 * the committing transaction.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { loadConfig } from '../../api/config';
import { Engine } from '../../engine';
import { bearer, deploy, expectError, fixture, openTask, startApi, startInstance, type TestApi } from '../api/helpers';

describe('agents see only instances they may act on', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startApi();
    await deploy(api.app, [fixture('wcp01-sequence')]);
  });
  afterEach(() => api.close());

  /** wcp01's tasks go to the group service-desk: alice is in it, bob is not. */
  test("another team's instance: 403 with no variables, and left out of the list; its starter, its team and admins see it", async () => {
    const id = await startInstance(api.app, 'wcp01', { secret: 'salary data' }, 'owner');
    await openTask(api.app, id, 'A');
    const refused = await request(api.app).get(`/api/process-instances/${id}`).set(bearer('bob'));
    expectError(refused, 403, 'FORBIDDEN');
    expect(refused.body.error.message).toBe(`bob may not see instance ${id}: not its starter, no task of theirs or their groups in it`);
    expect(JSON.stringify(refused.body)).not.toContain('salary');
    expect((await request(api.app).get('/api/process-instances').set(bearer('bob'))).body.items).toEqual([]);
    for (const user of ['alice', 'owner', 'carol', 'admin']) {
      expect((await request(api.app).get(`/api/process-instances/${id}`).set(bearer(user))).status).toBe(200);
      expect((await request(api.app).get('/api/process-instances').set(bearer(user))).body.items.map((i: { id: string }) => i.id)).toEqual([id]);
    }
    // bob starts one of his own: he sees that one, and only that one
    const own = await startInstance(api.app, 'wcp01', {}, 'bob');
    expect((await request(api.app).get('/api/process-instances').set(bearer('bob'))).body.items.map((i: { id: string }) => i.id)).toEqual([own]);
  });

  test('having had a task is enough: after completing it the agent still sees the instance', async () => {
    const id = await startInstance(api.app, 'wcp01', {}, 'owner');
    const a = await openTask(api.app, id, 'A');
    await request(api.app).post(`/api/tasks/${a.id}/claim`).set(bearer('alice')).send({}).expect(200);
    await request(api.app).post(`/api/tasks/${a.id}/complete`).set(bearer('alice')).send({}).expect(200);
    expect((await request(api.app).get(`/api/process-instances/${id}`).set(bearer('alice'))).status).toBe(200);
  });
});

describe('a damaged database', () => {
  test('refuses to start with the reason, and a health check finds damage that appears while running', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-damaged-'));
    try {
      const engine = await new Engine({ dataDir: dir, checkpointIntervalMs: 0 }).start();
      await engine.deploy([fixture('wcp01-sequence')]);
      for (let i = 0; i < 50; i++) await engine.startInstance({ processId: 'wcp01', variables: { filler: 'x'.repeat(2000) } });
      expect(await engine.storeProblem()).toBeUndefined();
      await engine.stop();
      const file = path.join(dir, 'processdesk.sqlite');
      const healthy = fs.readFileSync(file);
      // overwrite pages in the middle of the file with garbage (a torn write, a bad disk block)
      const damaged = Buffer.from(healthy);
      damaged.fill(0x5a, 8192, Math.min(damaged.length - 4096, 8192 + 16384));
      fs.writeFileSync(file, damaged);
      await expect(new Engine({ dataDir: dir, checkpointIntervalMs: 0 }).start()).rejects.toThrow(
        /processdesk\.sqlite is damaged: .*refusing to start on it: restore the database from a backup/s,
      );

      // a healthy copy starts; damage that appears while it runs is reported by /api/health
      fs.writeFileSync(file, healthy);
      const api = await startApi({}, { dataDir: dir, integrityCheckMs: 1 });
      try {
        expect((await request(api.app).get('/api/health')).status).toBe(200);
        fs.writeFileSync(file, damaged);
        const res = await request(api.app).get('/api/health');
        expect(res.status).toBe(503);
        expect(res.body).toMatchObject({ status: 'error', store: 'error', error: { code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('is damaged') } });
      } finally {
        await api.engine.stop();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('demo mode', () => {
  test('is off unless asked for, whatever NODE_ENV says, and never beside configured users', async () => {
    for (const NODE_ENV of ['development', 'staging', 'test', 'Production', undefined]) {
      expect(() => loadConfig({ NODE_ENV }, '/srv', ['node', 'main.js'])).toThrow(/no users: set AUTH_CONFIG/);
    }
    const users = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-users-'));
    const file = path.join(users, 'users.json');
    fs.writeFileSync(file, JSON.stringify({ users: [{ id: 'root', roles: ['admin'], tokenSha256: 'a'.repeat(64) }] }));
    try {
      const config = loadConfig({ DEMO: 'on', AUTH_CONFIG: file }, '/srv', ['node', 'main.js', '--demo']);
      expect(config.demo).toBe(false);
      const api = await startApi({ demo: config.demo, authConfigFile: file });
      try {
        for (const user of ['admin', 'alice']) expectError(await request(api.app).get('/api/me').set(bearer(user)), 401, 'UNAUTHORIZED');
        expect((await request(api.app).get('/api/health')).body.demo).toBe(false);
      } finally {
        await api.close();
      }
    } finally {
      fs.rmSync(users, { recursive: true, force: true });
    }
  });
});

describe('claim and complete race', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startApi();
    await deploy(api.app, [fixture('wcp01-sequence')]);
  });
  afterEach(() => api.close());

  test("a completion that lands after someone else's claim is refused in its own transaction; never both", async () => {
    let refusedCompletions = 0;
    let refusedClaims = 0;
    for (let round = 0; round < 12; round++) {
      const id = await startInstance(api.app, 'wcp01', {}, 'owner');
      const a = await openTask(api.app, id, 'A');
      // the engine itself, twice at once: alice claims, erin (service-desk too) completes as herself
      const [claim, complete] = await Promise.allSettled([
        api.engine.assignTask(String(a.id), 'alice', 'alice'),
        api.engine.completeTask(String(a.id), {}, 'erin', { requireAssignee: true }),
      ]);
      const task = await api.engine.getTask(String(a.id));
      if (claim.status === 'fulfilled') {
        // the claim committed first: the completion saw it and was refused, nothing completed
        expect(complete).toMatchObject({ status: 'rejected', reason: { code: 'FORBIDDEN', message: `task ${a.id} is claimed by alice` } });
        expect(task).toMatchObject({ state: 'created', assignee: 'alice' });
        refusedCompletions++;
      } else {
        expect(claim.reason).toMatchObject({ code: 'CONFLICT' });
        expect(task).toMatchObject({ state: 'completed', completedBy: 'erin' });
        expect(task.assignee).toBeUndefined();
        refusedClaims++;
      }
    }
    expect(refusedCompletions + refusedClaims).toBe(12);
  });
});
