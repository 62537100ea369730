/**
 * Shared helpers of the API tests: a real engine on a temporary directory behind createApp (no mocks),
 * tokens of the demo users, and the conformance fixtures read from disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import type express from 'express';
import request from 'supertest';
import type { Engine, EngineOptions, Store } from '../../engine';
import { createApp } from '../../api/app';
import { DEFAULT_CONFIG, type ApiConfig } from '../../api/config';
import { buildDirectory } from '../../api/directory';
/** Small diagrams of our own (same ids as the shared conformance models) so API tests need nothing outside the repo. */
const FIXTURES_DIR = path.resolve(__dirname, '../fixtures/api');
import { eventually, tempEngine } from '../support/engine';

export { eventually };

export function testConfig(overrides: Partial<ApiConfig> = {}): ApiConfig {
  return { ...DEFAULT_CONFIG, demo: true, logLevel: 'silent', staticDir: path.join(__dirname, 'no-such-web-app'), ...overrides };
}

export interface TestApi {
  engine: Engine;
  /** The engine's store, for tests that look at the rows underneath. */
  store: Store;
  app: express.Express;
  dir: string;
  close: () => Promise<void>;
}

export async function startApi(overrides: Partial<ApiConfig> = {}, engineOptions: EngineOptions = {}): Promise<TestApi> {
  const config = testConfig(overrides);
  const { engine, store, dir, close } = await tempEngine({ directory: buildDirectory(config), ...engineOptions });
  const app = createApp(engine, { ...config, dataDir: dir });
  return {
    engine,
    store,
    app,
    dir,
    close: async () => {
      await engine.idle();
      await close();
    },
  };
}

export const bearer = (user: string): { Authorization: string } => ({ Authorization: `Bearer demo-${user}` });

/** A conformance fixture as a deployment resource. */
export function fixture(name: string): { name: string; content: string } {
  const file = name.endsWith('.bpmn') ? name : `${name}.bpmn`;
  return { name: file, content: fs.readFileSync(path.join(FIXTURES_DIR, file), 'utf8') };
}

/** wcp01 (two user tasks for service-desk) renamed to `id`, with task A using the form `formId`. */
export function sequenceWithForm(id: string, formId: string): { name: string; content: string } {
  const { content } = fixture('wcp01-sequence');
  const withForm = content
    .replace(/id="wcp01"/, `id="${id}"`)
    .replace(
      '<zeebe:assignmentDefinition candidateGroups="service-desk" />',
      `<zeebe:assignmentDefinition candidateGroups="service-desk" />\n        <zeebe:formDefinition formId="${formId}" />`,
    );
  if (withForm === content) throw new Error('fixture wcp01-sequence changed shape');
  return { name: `${id}.bpmn`, content: withForm };
}

export const TICKET_FORM = {
  id: 'ticket-form',
  type: 'default',
  components: [
    { type: 'text', text: '# Ticket' },
    { type: 'textfield', key: 'summary', label: 'Summary', validate: { required: true, maxLength: 80 } },
    { type: 'number', key: 'impact', label: 'Impact', validate: { min: 1, max: 3 } },
    { type: 'checkbox', key: 'vip', label: 'VIP' },
    {
      type: 'select',
      key: 'category',
      values: [
        { label: 'Network', value: 'network' },
        { label: 'Hardware', value: 'hardware' },
      ],
      validate: { required: true },
    },
    {
      type: 'checklist',
      key: 'tags',
      values: [
        { label: 'A', value: 'a' },
        { label: 'B', value: 'b' },
      ],
    },
    { type: 'group', path: 'caller', components: [{ type: 'textfield', key: 'email', validate: { validationType: 'email' } }] },
  ],
};

export async function deploy(app: express.Express, resources: { name: string; content: string }[], user = 'admin'): Promise<request.Response> {
  const res = await request(app).post('/api/deployments').set(bearer(user)).send({ resources });
  if (res.status !== 201) throw new Error(`deploy failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

export async function startInstance(app: express.Express, processId: string, variables: Record<string, unknown> = {}, user = 'admin'): Promise<string> {
  const res = await request(app).post('/api/process-instances').set(bearer(user)).send({ processId, variables });
  if (res.status !== 201) throw new Error(`start failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** The open task of `elementId` in an instance, waiting for it to appear. */
export async function openTask(app: express.Express, instanceId: string, elementId: string): Promise<Record<string, unknown>> {
  return eventually(async () => {
    const res = await request(app).get('/api/tasks').query({ processInstanceId: instanceId, state: 'created' }).set(bearer('admin'));
    const task = (res.body.items as Record<string, unknown>[]).find((t) => t.elementId === elementId);
    if (!task) throw new Error(`no open task ${elementId} in ${instanceId}: ${JSON.stringify(res.body)}`);
    return task;
  });
}

/** The first job of `type`, activated for the admin. */
export async function activateJob(app: express.Express, type: string): Promise<Record<string, unknown>> {
  return eventually(async () => {
    const res = await request(app).post('/api/jobs/activate').set(bearer('admin')).send({ type, worker: 'test', maxJobs: 1, lockMs: 10_000 });
    const job = res.body.jobs?.[0];
    if (!job) throw new Error(`no job of type ${type}`);
    return job;
  });
}

/** Asserts the one error shape. */
export function expectError(res: request.Response, status: number, code: string): void {
  if (res.status !== status || res.body?.error?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body).slice(0, 400)}`);
  }
  expect(typeof res.body.error.message).toBe('string');
}

/** A small RFC 4180 parser for the CSV tests: rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
