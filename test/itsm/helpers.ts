/**
 * Helpers of the ITSM end-to-end tests: a real API server (test/api/helpers.ts) with everything under
 * processes/ deployed through POST /api/deployments, a `notify` worker that works over HTTP and records
 * what it was asked to send, and small readers for instances, tasks and history.
 */
import fs from 'node:fs';
import path from 'node:path';
import type express from 'express';
import request from 'supertest';
import type { ApiConfig } from '../../api/config';
import type { EngineOptions } from '../../engine';
import { bearer, deploy, eventually, startApi, type TestApi } from '../api/helpers';

export { eventually };

export const PROCESSES_DIR = path.join(__dirname, '..', '..', 'processes');

export function shippedResources(dir = PROCESSES_DIR): { name: string; content: string }[] {
  const out: { name: string; content: string }[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (/\.(bpmn|dmn|form|schema\.json)$/i.test(e.name)) out.push({ name: path.relative(dir, full).split(path.sep).join('/'), content: fs.readFileSync(full, 'utf8') });
    }
  };
  walk(dir);
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export interface Itsm extends TestApi {
  /** Notifications sent by the HTTP notify worker: template and instance. */
  notifications: { template: string; to?: string; instanceId: string }[];
  /** Configuration items the HTTP cmdb-lookup worker was asked about, by instance. */
  lookups: { item: unknown; instanceId: string }[];
}

type WorkedJob = { key: string; processInstanceId: string; customHeaders: Record<string, string>; variables: Record<string, unknown> };

/** The test's CMDB: `net-*` items belong to the network team (critical), other items to the service desk. */
function cmdbAnswer(item: unknown): Record<string, unknown> {
  if (typeof item !== 'string' || !item) return {};
  return item.startsWith('net-') ? { ciOwner: 'network', ciCriticality: 'high' } : { ciOwner: 'service-desk', ciCriticality: 'medium' };
}

/** A server with the shipped processes deployed and HTTP `notify` and `cmdb-lookup` workers running. */
export async function startItsm(engineOptions: EngineOptions = {}, config: Partial<ApiConfig> = {}): Promise<Itsm> {
  const api = await startApi(config, engineOptions);
  await deploy(api.app, shippedResources());
  const notifications: Itsm['notifications'] = [];
  const lookups: Itsm['lookups'] = [];
  let running = true;
  const work = async (type: string, handle: (job: WorkedJob) => Record<string, unknown>): Promise<void> => {
    const res = await request(api.app)
      .post('/api/jobs/activate')
      .set(bearer('admin'))
      .send({ type, worker: `${type}-test`, maxJobs: 10, lockMs: 10_000 });
    for (const job of (res.body.jobs ?? []) as WorkedJob[]) {
      await request(api.app)
        .post(`/api/jobs/${encodeURIComponent(job.key)}/complete`)
        .set(bearer('admin'))
        .send({ variables: handle(job) });
    }
  };
  const loop = (async () => {
    while (running) {
      await work('notify', (job) => {
        notifications.push({ template: job.customHeaders.template, to: job.customHeaders.to, instanceId: job.processInstanceId });
        return {};
      });
      await work('cmdb-lookup', (job) => {
        lookups.push({ item: job.variables.configurationItem, instanceId: job.processInstanceId });
        return cmdbAnswer(job.variables.configurationItem);
      });
      await new Promise((r) => setTimeout(r, 30));
    }
  })();
  return {
    ...api,
    notifications,
    lookups,
    close: async () => {
      running = false;
      await loop;
      await api.close();
    },
  };
}

/** Starts an instance as `user` (admin by default: admins may give the process owner's settings). */
export async function start(app: express.Express, processId: string, variables: Record<string, unknown>, user = 'admin'): Promise<string> {
  const res = await request(app).post('/api/process-instances').set(bearer(user)).send({ processId, variables });
  if (res.status !== 201) throw new Error(`start failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

export async function instance(app: express.Express, id: string): Promise<{ state: string; variables: Record<string, unknown>; activeElements: string[] }> {
  const res = await request(app).get(`/api/process-instances/${id}`).set(bearer('admin'));
  expect(res.status).toBe(200);
  return res.body;
}

export async function openTasks(app: express.Express, instanceId: string): Promise<Record<string, unknown>[]> {
  const res = await request(app).get('/api/tasks').query({ processInstanceId: instanceId, state: 'created' }).set(bearer('admin'));
  expect(res.status).toBe(200);
  return res.body.items;
}

/** Waits for the open task(s) of `elementId`; returns them. */
export async function waitTasks(app: express.Express, instanceId: string, elementId: string, count = 1, ms = 5000): Promise<Record<string, unknown>[]> {
  return eventually(async () => {
    const tasks = (await openTasks(app, instanceId)).filter((t) => t.elementId === elementId);
    if (tasks.length !== count)
      throw new Error(`expected ${count} open ${elementId} task(s) in ${instanceId}, open: ${JSON.stringify((await openTasks(app, instanceId)).map((t) => t.elementId))}`);
    return tasks;
  }, ms);
}

/** Completes the open task of `elementId` as `user` (admin by default) with form variables; expects 200. */
export async function completeTask(
  app: express.Express,
  instanceId: string,
  elementId: string,
  variables: Record<string, unknown> = {},
  user = 'admin',
): Promise<Record<string, unknown>> {
  const [task] = await waitTasks(app, instanceId, elementId);
  const res = await request(app).post(`/api/tasks/${task.id}/complete`).set(bearer(user)).send({ variables });
  if (res.status !== 200) throw new Error(`completing ${elementId} as ${user}: ${res.status} ${JSON.stringify(res.body)}`);
  return task;
}

/** Waits for the child instance a call activity of `parentId` started for process `processId`; returns its id. */
export async function childInstance(app: express.Express, parentId: string, processId = 'approval', state = 'active', ms = 5000): Promise<string> {
  return eventually(async () => {
    const res = await request(app).get('/api/process-instances').query({ parentInstanceId: parentId, processId, state }).set(bearer('admin'));
    expect(res.status).toBe(200);
    if (res.body.items.length !== 1) throw new Error(`expected one ${state} ${processId} instance under ${parentId}, found ${res.body.items.length}`);
    return res.body.items[0].id as string;
  }, ms);
}

export async function publish(app: express.Express, name: string, correlationKey: string, variables: Record<string, unknown> = {}): Promise<void> {
  const res = await request(app).post('/api/messages').set(bearer('admin')).send({ name, correlationKey, variables });
  expect(res.status).toBeLessThan(300);
}

export async function waitFor(
  app: express.Express,
  id: string,
  check: (i: Awaited<ReturnType<typeof instance>>) => boolean,
  what: string,
  ms = 5000,
): Promise<Awaited<ReturnType<typeof instance>>> {
  return eventually(async () => {
    const i = await instance(app, id);
    if (!check(i)) throw new Error(`${what}: instance is ${JSON.stringify({ state: i.state, activeElements: i.activeElements })}`);
    return i;
  }, ms);
}

export const waitActive = (app: express.Express, id: string, elementId: string, ms = 5000) =>
  waitFor(app, id, (i) => i.activeElements.includes(elementId), `waiting for ${elementId}`, ms);

export const waitCompleted = (app: express.Express, id: string, ms = 5000) => waitFor(app, id, (i) => i.state === 'completed', 'waiting for completion', ms);

export async function history(app: express.Express, id: string): Promise<{ type: string; elementId?: string; actor: string; data: Record<string, unknown> }[]> {
  const res = await request(app).get(`/api/process-instances/${id}/history`).set(bearer('admin'));
  expect(res.status).toBe(200);
  return res.body.events;
}

/** Element ids completed, in order, from the history. */
export async function completedElements(app: express.Express, id: string): Promise<string[]> {
  return (await history(app, id)).filter((e) => e.type === 'element.completed' && e.elementId).map((e) => e.elementId!);
}

export async function expectValidChain(app: express.Express, id: string): Promise<void> {
  const res = await request(app).get(`/api/process-instances/${id}/history/verify`).set(bearer('admin'));
  expect(res.body.valid).toBe(true);
}

/** Process `approvalCaller`: calls the approval with all of its own variables (propagateAllParentVariables), nothing mapped back. */
export const APPROVAL_CALLER = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="Defs_caller" targetNamespace="http://processdesk.test">
  <bpmn:process id="approvalCaller" isExecutable="true">
    <bpmn:startEvent id="Start" />
    <bpmn:callActivity id="CallApproval"><bpmn:extensionElements><zeebe:calledElement processId="approval" propagateAllChildVariables="false" /></bpmn:extensionElements></bpmn:callActivity>
    <bpmn:endEvent id="End" />
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="CallApproval" />
    <bpmn:sequenceFlow id="F2" sourceRef="CallApproval" targetRef="End" />
  </bpmn:process>
</bpmn:definitions>`;
