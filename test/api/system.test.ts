/** Health, metrics, OpenAPI, the error shape for unknown routes and bad bodies, headers, Idempotency-Key, rate limit. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { ALL_OPERATIONS } from '../../api/operations';
import { openApiPath } from '../../api/openapi';
import { bearer, deploy, expectError, fixture, openTask, startApi, startInstance, type TestApi } from './helpers';

let api: TestApi;
beforeAll(async () => {
  api = await startApi();
  await deploy(api.app, [fixture('wcp01-sequence'), fixture('job-error-boundary')]);
});
afterAll(() => api.close());

describe('GET /api/health', () => {
  test('ok without a token', async () => {
    const res = await request(api.app).get('/api/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', store: 'ok', scheduler: 'ok', demo: true });
  });

  test('503 when the store does not answer', async () => {
    const other = await startApi();
    await other.store.close();
    const res = await request(other.app).get('/api/health');
    expect(res.status).toBe(503);
    expect(res.body).toEqual(expect.objectContaining({ status: 'error', store: 'error', error: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE' }) }));
    await other.close().catch(() => undefined);
  });
});

describe('GET /api/metrics', () => {
  test('Prometheus text with the engine and HTTP metrics, without a token', async () => {
    const id = await startInstance(api.app, 'wcp01');
    for (const el of ['A', 'B']) {
      const t = await openTask(api.app, id, el);
      await request(api.app).post(`/api/tasks/${t.id}/complete`).set(bearer('admin')).send({}).expect(200);
    }
    await startInstance(api.app, 'jobError', { ci: 'x' });
    const job = (await request(api.app).post('/api/jobs/activate').set(bearer('admin')).send({ type: 'cmdb-lookup', worker: 'w' })).body.jobs[0];
    await request(api.app).post(`/api/jobs/${job.key}/fail`).set(bearer('admin')).send({ retries: 2, retryBackOff: 10 }).expect(200);
    await request(api.app)
      .post('/api/deployments')
      .set(bearer('admin'))
      .send({ resources: [fixture('short-timer')] })
      .expect(201);
    const timed = await startInstance(api.app, 'shortTimer');
    for (let i = 0; i < 100; i++) {
      if ((await request(api.app).get(`/api/process-instances/${timed}`).set(bearer('admin'))).body.state === 'completed') break;
      await new Promise((r) => setTimeout(r, 20));
    }

    const res = await request(api.app).get('/api/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(res.text)?.[1]);
    expect(value('instances_started_total')).toBeGreaterThanOrEqual(2);
    expect(value('instances_completed_total')).toBeGreaterThanOrEqual(1);
    expect(value('tasks_completed_total')).toBeGreaterThanOrEqual(2);
    expect(value('task_latency_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(value('job_retries_total')).toBe(1);
    expect(value('timer_lateness_seconds_count')).toBe(1);
    expect(res.text).toMatch(/http_request_duration_seconds_count\{method="POST",route="\/api\/tasks\/:id\/complete",status="200"\} \d+/);
    // the second task's completion found the row the first one committed
    const cache = (stat: string): number => Number(new RegExp(`^instance_cache\\{stat="${stat}"\\} (\\S+)$`, 'm').exec(res.text)?.[1]);
    expect(cache('hits')).toBeGreaterThanOrEqual(1);
    for (const stat of ['misses', 'rereads', 'instances', 'bytes']) expect(cache(stat)).toBeGreaterThanOrEqual(0);
    expect(cache('instances')).toBeGreaterThanOrEqual(1);
  });
});

describe('GET /api/openapi.json', () => {
  test('an OpenAPI 3.1 document with every route, its schemas and its roles', async () => {
    const res = await request(api.app).get('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const documented: string[] = [];
    for (const [path, methods] of Object.entries(res.body.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(methods)) documented.push(`${method} ${path}`);
    }
    expect(documented.sort()).toEqual(ALL_OPERATIONS.map((op) => `${op.method} ${openApiPath(op.path)}`).sort());
    for (const expected of [
      'post /api/deployments',
      'get /api/processes',
      'get /api/processes/{key}',
      'get /api/processes/{key}/xml',
      'get /api/processes/{key}/machine',
      'post /api/process-instances',
      'get /api/process-instances',
      'get /api/process-instances/{id}',
      'post /api/process-instances/{id}/cancel',
      'get /api/process-instances/{id}/history',
      'get /api/process-instances/{id}/history/verify',
      'get /api/history/export',
      'get /api/process-instances/{id}/evidence',
      'get /api/tasks',
      'get /api/tasks/{id}',
      'post /api/tasks/{id}/claim',
      'post /api/tasks/{id}/unclaim',
      'post /api/tasks/{id}/complete',
      'post /api/tasks/{id}/delegate',
      'post /api/messages',
      'post /api/signals',
      'post /api/jobs/activate',
      'post /api/jobs/{key}/complete',
      'post /api/jobs/{key}/fail',
      'post /api/jobs/{key}/error',
      'get /api/incidents',
      'post /api/incidents/{id}/resolve',
      'post /api/incidents/retry',
      'get /api/health',
      'get /api/me',
      'get /api/metrics',
      'get /api/openapi.json',
    ])
      expect(documented).toContain(expected);
    const deployOp = res.body.paths['/api/deployments'].post;
    expect(deployOp.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/DeployRequest');
    expect(res.body.components.schemas.DeployRequest.required).toEqual(['resources']);
    expect(deployOp['x-roles']).toEqual(['designer', 'admin']);
    expect(Object.keys(deployOp.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '413']));
    const tasks = res.body.paths['/api/tasks'].get;
    expect(tasks.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['assignee', 'candidateGroup', 'state', 'processInstanceId', 'limit', 'cursor']));
    // every $ref resolves
    const refs = JSON.stringify(res.body).match(/#\/components\/schemas\/\w+/g) ?? [];
    for (const ref of refs) expect(res.body.components.schemas[ref.split('/').pop()!]).toBeDefined();
  });

  test('the refusals of the security model are documented where they happen (400/403/409 with their reasons)', async () => {
    const { paths } = (await request(api.app).get('/api/openapi.json')).body;
    const say = (path: string, method: string, status: number): string => paths[path][method].responses[String(status)].description;
    expect(say('/api/messages', 'post', 403)).toContain('processdesk.publishers');
    expect(say('/api/messages', 'post', 400)).toContain('does not map');
    expect(say('/api/messages', 'post', 409)).toContain('not buffered');
    expect(say('/api/process-instances', 'post', 403)).toContain('startableBy');
    expect(say('/api/process-instances', 'post', 400)).toContain('identity variable');
    expect(say('/api/process-instances/{id}', 'get', 403)).toContain('visibleToGroups');
    expect(say('/api/tasks/{id}/complete', 'post', 400)).toContain('does not declare');
    expect(say('/api/tasks/{id}/complete', 'post', 403)).toContain('one person, one seat');
    expect(say('/api/tasks/{id}/delegate', 'post', 400)).toContain('unknown to the directory');
    expect(say('/api/deployments', 'post', 400)).toContain('maxFlowNodes');
    for (const path of ['/api/history/public-key', '/api/history/checkpoints', '/api/history/verify']) expect(paths[path].get).toBeDefined();
  });
});

describe('the error shape everywhere', () => {
  test('unknown routes are 404 NOT_FOUND, with or without a token', async () => {
    expectError(await request(api.app).get('/api/nope'), 404, 'NOT_FOUND');
    expectError(await request(api.app).post('/api/tasks').set(bearer('admin')).send({}), 404, 'NOT_FOUND');
    expectError(await request(api.app).get('/nope'), 404, 'NOT_FOUND');
  });

  test('malformed JSON is 400, a too large body 413', async () => {
    const bad = await request(api.app).post('/api/messages').set(bearer('admin')).set('Content-Type', 'application/json').send('{name:');
    expectError(bad, 400, 'BAD_REQUEST');
    expect(bad.body.error.message).toMatch(/malformed JSON/);
    expectError(
      await request(api.app)
        .post('/api/messages')
        .set(bearer('admin'))
        .send({ name: 'x'.repeat(7 * 1024 * 1024) }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  test('a small body limit from the config applies', async () => {
    const small = await startApi({ bodyLimit: '1kb' });
    expectError(
      await request(small.app)
        .post('/api/messages')
        .set(bearer('admin'))
        .send({ name: 'x'.repeat(2048) }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    await small.close();
  });
});

describe('headers and pages', () => {
  test('helmet security headers and no x-powered-by', async () => {
    const res = await request(api.app).get('/api/health');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBeDefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  test('/ says that the web app is not built and lists the API', async () => {
    const res = await request(api.app).get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/html/);
    expect(res.text).toMatch(/not built/);
    expect(res.text).toContain('/api/process-instances');
    expect(res.text).toContain('demo-alice');
  });
});

describe('the built web app', () => {
  test('is served at / with single-page fallback; /api stays JSON', async () => {
    const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-web-'));
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>ProcessDesk modeler</title>');
    fs.writeFileSync(path.join(dist, 'app.js'), 'console.log(1)');
    const web = await startApi({ staticDir: dist });
    try {
      expect((await request(web.app).get('/')).text).toContain('ProcessDesk modeler');
      expect((await request(web.app).get('/app.js')).headers['content-type']).toMatch(/javascript/);
      expect((await request(web.app).get('/tasks/123').set('Accept', 'text/html')).text).toContain('ProcessDesk modeler');
      expectError(await request(web.app).get('/api/nope').set('Accept', 'text/html'), 404, 'NOT_FOUND');
    } finally {
      await web.close();
      fs.rmSync(dist, { recursive: true, force: true });
    }
  });
});

describe('Idempotency-Key', () => {
  test('a retry returns the first result and does not run twice', async () => {
    const key = `start-${Date.now()}`;
    const first = await request(api.app).post('/api/process-instances').set(bearer('alice')).set('Idempotency-Key', key).send({ processId: 'wcp01', businessKey: key });
    expect(first.status).toBe(201);
    const retry = await request(api.app).post('/api/process-instances').set(bearer('alice')).set('Idempotency-Key', key).send({ processId: 'wcp01', businessKey: key });
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    const list = await request(api.app).get('/api/process-instances').query({ businessKey: key }).set(bearer('admin'));
    expect(list.body.items).toHaveLength(1);
  });

  test('errors are replayed too; another caller or another body is not the same request', async () => {
    const id = await startInstance(api.app, 'wcp01');
    const t = await openTask(api.app, id, 'A');
    const key = `complete-${Date.now()}`;
    const done = await request(api.app)
      .post(`/api/tasks/${t.id}/complete`)
      .set(bearer('alice'))
      .set('Idempotency-Key', key)
      .send({ variables: { a: 1 } });
    expect(done.status).toBe(200);
    const replay = await request(api.app)
      .post(`/api/tasks/${t.id}/complete`)
      .set(bearer('alice'))
      .set('Idempotency-Key', key)
      .send({ variables: { a: 1 } });
    expect(replay.status).toBe(200); // not 409: the first answer
    expect(replay.body).toEqual(done.body);
    expectError(
      await request(api.app)
        .post(`/api/tasks/${t.id}/complete`)
        .set(bearer('admin'))
        .set('Idempotency-Key', key)
        .send({ variables: { a: 1 } }),
      409,
      'CONFLICT',
    );
    expectError(
      await request(api.app)
        .post(`/api/tasks/${t.id}/complete`)
        .set(bearer('alice'))
        .set('Idempotency-Key', key)
        .send({ variables: { a: 2 } }),
      409,
      'CONFLICT',
    );
    const badKey = await request(api.app).post('/api/messages').set(bearer('admin')).set('Idempotency-Key', 'k'.repeat(300)).send({ name: 'x' });
    expectError(badKey, 400, 'BAD_REQUEST');
  });
});

describe('rate limit', () => {
  test('429 with the error shape past the limit; health is exempt', async () => {
    const limited = await startApi({ rateLimitPerMinute: 3 });
    for (let i = 0; i < 3; i++) expect((await request(limited.app).get('/api/processes').set(bearer('admin'))).status).toBe(200);
    expectError(await request(limited.app).get('/api/processes').set(bearer('admin')), 429, 'TOO_MANY_REQUESTS');
    expect((await request(limited.app).get('/api/health')).status).toBe(200);
    await limited.close();
  });
});

describe('GET /api/me', () => {
  test('tells the caller who the token is', async () => {
    const res = await request(api.app).get('/api/me').set('Authorization', 'Bearer demo-alice');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: 'alice', roles: ['agent'], groups: ['service-desk', 'network'], via: 'demo' });
  });

  test('401 without a token', async () => {
    const res = await request(api.app).get('/api/me');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });
});
