/**
 * Camunda 8's official TypeScript client, configured as its users configure it (REST address, Basic
 * sign-in), against a real ProcessDesk: a shipped diagram deployed with its forms, schema and
 * decision; job workers (createJobWorker), one completing jobs, another throwing a BPMN error a
 * boundary catches; user tasks searched, assigned and completed; a message correlated; an incident
 * resolved; 250 instances paged to the end. Every request and answer passes the client's `fanatical`
 * validation (Camunda's schemas: wrong types, missing fields and unknown fields all fail). Run on the
 * embedded store, with jobs on BullMQ and on PostgreSQL (clientEmbedded.test.ts, clientRedis.test.ts,
 * clientPostgres.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CamundaClient } from '@camunda8/orchestration-cluster-api';
import type { EngineOptions } from '../../engine';
import { REPO_DIR } from '../support/paths';
import { eventually } from '../support/engine';
import { startV2Server, type V2Server } from './server';

/** Searches read what is committed: no eventual consistency to wait for. */
export const NOW = { consistency: { waitUpToMs: 0 } };

/** The client's ids and cursors are branded strings. */
export const brand = (s: string): never => s as never;

export const fileOf = (file: string): File => new File([fs.readFileSync(file)], path.basename(file));
export const fixtureFile = (name: string): File => fileOf(path.join(__dirname, 'fixtures', name));

export function clientSuite(name: string, engineOptions: () => EngineOptions | Promise<EngineOptions>, teardown?: () => Promise<void>): void {
  describe(`Camunda 8 client against /v2: ${name}`, () => {
    let s: V2Server;
    let admin: CamundaClient;
    let alice: CamundaClient;
    let bob: CamundaClient;
    let worker: CamundaClient;

    beforeAll(async () => {
      s = await startV2Server({}, await engineOptions());
      admin = s.client('admin');
      alice = s.client('alice');
      bob = s.client('bob');
      worker = s.client('worker');
      await admin.createDeployment({ resources: ['v2-order.bpmn', 'v2-flaky.bpmn', 'v2-wait.bpmn', 'v2-quick.bpmn', 'v2-notify.bpmn'].map(fixtureFile) });
    }, 30_000);

    afterAll(async () => {
      await s?.close();
      await teardown?.();
    });

    test('topology: one broker with one healthy partition', async () => {
      const t = await worker.getTopology();
      expect(t).toMatchObject({ clusterSize: 1, partitionsCount: 1, brokers: [{ partitions: [{ partitionId: 1, role: 'leader', health: 'healthy' }] }] });
    });

    test('a shipped diagram deploys with its forms, its variable schema and its decision; the definition and its XML are found by key', async () => {
      const dir = path.join(REPO_DIR, 'processes');
      const forms = fs.readdirSync(path.join(dir, 'forms')).filter((f) => f.startsWith('incident-'));
      const files = [
        fileOf(path.join(dir, 'incident.bpmn')),
        fileOf(path.join(dir, 'incident.schema.json')),
        ...forms.map((f) => fileOf(path.join(dir, 'forms', f))),
        fileOf(path.join(dir, 'decisions', 'priority-matrix.dmn')),
      ];
      const result = await admin.createDeployment({ resources: files });
      expect(result.deploymentKey).toMatch(/^\d+$/);
      const process = result.deployments.find((d) => d.processDefinition)!.processDefinition!;
      expect(process).toMatchObject({ processDefinitionId: brand('incident'), processDefinitionVersion: 1, resourceName: 'incident.bpmn', tenantId: '<default>' });
      expect(
        result.deployments
          .filter((d) => d.form)
          .map((d) => d.form!.formId)
          .sort(),
      ).toEqual(forms.map((f) => f.replace(/\.form$/, '')).sort());
      expect(result.deployments.find((d) => d.decisionDefinition)!.decisionDefinition!.decisionDefinitionId).toBe('priority-matrix');
      expect(result.deployments.find((d) => d.resource)!.resource).toMatchObject({ resourceName: 'incident.schema.json' });

      const found = await admin.searchProcessDefinitions({ filter: { processDefinitionId: brand('incident') } }, NOW);
      expect(found.items).toEqual([expect.objectContaining({ processDefinitionKey: process.processDefinitionKey, version: 1 })]);
      expect(Number(found.page.totalItems)).toBe(1);
      const xml = await admin.getProcessDefinitionXml({ processDefinitionKey: process.processDefinitionKey }, NOW);
      expect(String(xml)).toContain('<bpmn:process id="incident"');

      const decision = await alice.evaluateDecision({ decisionDefinitionId: brand('priority-matrix'), variables: { impact: 1, urgency: 2 } });
      expect(JSON.parse(decision.output)).toBe(2);
      expect(decision.evaluatedDecisions).toHaveLength(1);
      expect(decision.evaluatedDecisions[0]).toMatchObject({
        decisionDefinitionId: 'priority-matrix',
        decisionDefinitionType: 'DECISION_TABLE',
        output: '2',
        evaluatedInputs: [
          { inputId: 'InputImpact', inputName: 'Impact (1 high - 3 low)', inputValue: '1' },
          { inputId: 'InputUrgency', inputName: 'Urgency (1 high - 3 low)', inputValue: '2' },
        ],
        matchedRules: [{ ruleId: 'R12', ruleIndex: 2, evaluatedOutputs: [{ outputId: 'OutputPriority', outputName: 'priority', outputValue: '2' }] }],
      });
      // a decision with a required one: both are listed, the required one first, each with its own keys
      await admin.createDeployment({ resources: [fileOf(path.join(dir, 'decisions', 'change-risk.dmn'))] });
      const risk = await alice.evaluateDecision({ decisionDefinitionId: brand('change-risk'), variables: { impact: 'medium', affectedServices: 3 } });
      expect(JSON.parse(risk.output)).toEqual({ riskScore: 70, riskLevel: 'high' });
      expect(risk.evaluatedDecisions.map((d) => [d.decisionDefinitionId, JSON.parse(d.output ?? 'undefined')])).toEqual([
        ['riskPoints', 70],
        ['change-risk', { riskScore: 70, riskLevel: 'high' }],
      ]);
      const [points, level] = risk.evaluatedDecisions;
      expect(points.matchedRules?.map((r) => [r.ruleId, r.ruleIndex, r.evaluatedOutputs?.[0].outputValue])).toEqual([
        ['riskPoints_r2', 2, '20'],
        ['riskPoints_r5', 5, '15'],
        ['riskPoints_r6', 6, '20'],
        ['riskPoints_r7', 7, '15'],
      ]);
      expect(points.evaluatedInputs?.map((i) => i.inputValue)).toEqual(['"medium"', '3', 'null', 'null']);
      expect(level.evaluatedInputs).toEqual([{ inputId: 'I_change-risk_0', inputName: 'Risk points', inputValue: '70' }]);
      expect(level.decisionEvaluationInstanceKey).toBe(risk.decisionEvaluationKey);
      expect(points.decisionEvaluationInstanceKey).not.toBe(risk.decisionEvaluationKey);
      expect(points.decisionDefinitionKey).not.toBe(level.decisionDefinitionKey);
    });

    test('job workers complete a job and throw a BPMN error a boundary catches; a user task is searched, assigned and completed; a message correlates', async () => {
      // two workers: small charges go through, large ones go to a review that declines them (the job
      // type is a FEEL expression of the amount)
      const charged: string[] = [];
      worker.createJobWorker({
        jobType: 'v2-charge',
        maxParallelJobs: 4,
        jobTimeoutMs: 30_000,
        pollIntervalMs: 50,
        workerName: 'card-gateway',
        jobHandler: async (job) => {
          charged.push(job.processInstanceKey);
          expect(job.customHeaders).toEqual({ gateway: 'test' });
          return job.complete({ charged: (job.variables as { amount: number }).amount }); // job.complete takes the variables themselves
        },
      });
      worker.createJobWorker({
        jobType: 'v2-charge-review',
        maxParallelJobs: 4,
        jobTimeoutMs: 30_000,
        pollIntervalMs: 50,
        workerName: 'fraud-review',
        jobHandler: async (job) => job.error({ errorCode: 'DECLINED', errorMessage: 'over the card limit', variables: { declinedReason: 'limit' } }),
      });

      const paid = await alice.createProcessInstance({ processDefinitionId: brand('v2-order'), variables: { amount: 20, orderId: 'o-1' } });
      const declined = await alice.createProcessInstance({ processDefinitionId: brand('v2-order'), variables: { amount: 500, orderId: 'o-2' } });
      expect(paid).toMatchObject({ processDefinitionId: brand('v2-order'), processDefinitionVersion: 1, tenantId: '<default>' });

      // the paid order reaches Pack, a task for service-desk (alice's group)
      const pack = await eventually(async () => {
        const r = await alice.searchUserTasks({ filter: { processInstanceKey: paid.processInstanceKey, state: 'CREATED' } }, NOW);
        expect(r.items).toHaveLength(1);
        return r.items[0];
      }, 10_000);
      expect(pack).toMatchObject({ elementId: brand('Pack'), name: 'Pack order', candidateGroups: ['service-desk'], processDefinitionId: 'v2-order' });
      expect(charged).toEqual([paid.processInstanceKey]);
      await alice.assignUserTask({ userTaskKey: pack.userTaskKey, assignee: 'alice' });
      expect((await alice.getUserTask({ userTaskKey: pack.userTaskKey }, NOW)).assignee).toBe('alice');
      await alice.completeUserTask({ userTaskKey: pack.userTaskKey, variables: { packedBy: 'alice' } });

      const charges = await admin.searchVariables({ filter: { processInstanceKey: paid.processInstanceKey, name: 'charged' } }, NOW);
      expect(charges.items!.map((v) => JSON.parse(v.value))).toEqual([20]);
      const correlated = await admin.correlateMessage({ name: 'OrderPaid', correlationKey: 'o-1', variables: { paidAt: '2026-01-01' } });
      expect(correlated.processInstanceKey).toBe(paid.processInstanceKey);
      await eventually(async () => expect((await alice.getProcessInstance({ processInstanceKey: paid.processInstanceKey }, NOW)).state).toBe('COMPLETED'));

      // the declined order took the error boundary to CallCustomer (group cab: bob), with the worker's variables
      const call = await eventually(async () => {
        const r = await bob.searchUserTasks({ filter: { processInstanceKey: declined.processInstanceKey, elementId: brand('CallCustomer') } }, NOW);
        expect(r.items).toHaveLength(1);
        return r.items[0];
      }, 10_000);
      const vars = await admin.searchVariables({ filter: { processInstanceKey: declined.processInstanceKey, name: 'declinedReason' } }, NOW);
      expect(vars.items.map((v) => [v.name, JSON.parse(v.value)])).toEqual([['declinedReason', 'limit']]);
      await bob.assignUserTask({ userTaskKey: call.userTaskKey, assignee: 'bob' });
      await bob.completeUserTask({ userTaskKey: call.userTaskKey });
      await eventually(async () => expect((await admin.getProcessInstance({ processInstanceKey: declined.processInstanceKey }, NOW)).state).toBe('COMPLETED'));

      // element instances of the paid order, from its history
      const elements = await admin.searchElementInstances({ filter: { processInstanceKey: paid.processInstanceKey }, sort: [{ field: 'startDate' }] }, NOW);
      expect(elements.items!.map((e) => [e.elementId, e.type, e.state])).toEqual([
        ['Start', 'START_EVENT', 'COMPLETED'],
        ['Charge', 'SERVICE_TASK', 'COMPLETED'],
        ['Pack', 'USER_TASK', 'COMPLETED'],
        ['WaitPaid', 'INTERMEDIATE_CATCH_EVENT', 'COMPLETED'],
        ['Shipped', 'END_EVENT', 'COMPLETED'],
      ]);

      // history records who did what, as through /api
      const history = await s.engine.getHistory((await s.engine.resolveExternalKey(Number(paid.processInstanceKey)))!.id);
      expect(history.find((e) => e.type === 'instance.started')?.actor).toBe('alice');
      expect(history.find((e) => e.type === 'task.completed')?.actor).toBe('alice');
      expect(history.find((e) => e.type === 'job.completed')?.actor).toBe('worker');
      expect(history.find((e) => e.type === 'message.correlated')?.actor).toBe('admin');
    }, 30_000);

    test('a failing job raises an incident; resolving it gives the job back and the worker completes it', async () => {
      let attempts = 0;
      worker.createJobWorker({
        jobType: 'v2-flaky',
        maxParallelJobs: 1,
        jobTimeoutMs: 30_000,
        pollIntervalMs: 50,
        jobHandler: async (job) => (++attempts === 1 ? job.fail({ errorMessage: 'CMDB down', retries: 0 }) : job.complete({ synced: true })),
      });
      const started = await admin.createProcessInstance({ processDefinitionId: brand('v2-flaky') });
      const incident = await eventually(async () => {
        const r = await admin.searchIncidents({ filter: { processInstanceKey: started.processInstanceKey, state: 'ACTIVE' } }, NOW);
        expect(r.items).toHaveLength(1);
        return r.items![0];
      }, 10_000);
      expect(incident).toMatchObject({ errorType: 'JOB_NO_RETRIES', elementId: 'Sync', processDefinitionId: 'v2-flaky' });
      expect(incident.errorMessage).toContain('CMDB down');
      expect((await admin.getProcessInstance({ processInstanceKey: started.processInstanceKey }, NOW)).hasIncident).toBe(true);
      const failed = await admin.searchElementInstances({ filter: { processInstanceKey: started.processInstanceKey, hasIncident: true } }, NOW);
      expect(failed.items!.map((e) => [e.elementId, e.state, e.incidentKey])).toEqual([['Sync', 'ACTIVE', incident.incidentKey]]);
      // the incident, or the element instance alone, names the instance to read
      const byIncident = await admin.searchElementInstances({ filter: { incidentKey: incident.incidentKey } }, NOW);
      expect(byIncident.items!.map((e) => [e.elementId, e.processInstanceKey])).toEqual([['Sync', started.processInstanceKey]]);
      const byElement = await admin.searchElementInstances({ filter: { elementInstanceKey: failed.items![0].elementInstanceKey } }, NOW);
      expect(byElement.items!.map((e) => [e.elementId, e.elementInstanceKey])).toEqual([['Sync', failed.items![0].elementInstanceKey]]);
      await expect(admin.searchElementInstances({ filter: { elementId: brand('Sync') } }, NOW)).rejects.toMatchObject({ status: 400 });
      await admin.resolveIncident({ incidentKey: incident.incidentKey! });
      await eventually(async () => expect((await admin.getProcessInstance({ processInstanceKey: started.processInstanceKey }, NOW)).state).toBe('COMPLETED'), 10_000);
      expect(attempts).toBe(2);
      expect((await admin.getIncident({ incidentKey: incident.incidentKey! }, NOW)).state).toBe('RESOLVED');
    }, 30_000);

    test('a job timeout update moves the lock of an activated job (a row lock, or the parked queue job on BullMQ)', async () => {
      const started = await admin.createProcessInstance({ processDefinitionId: brand('v2-notify') });
      const { jobs } = await worker.activateJobs({ type: 'notify', timeout: 60_000, maxJobsToActivate: 1, requestTimeout: 10_000 });
      expect(jobs.map((j) => j.processInstanceKey)).toEqual([started.processInstanceKey]);
      // held for a minute: another activation gets nothing
      expect((await worker.activateJobs({ type: 'notify', timeout: 60_000, maxJobsToActivate: 1, requestTimeout: -1 })).jobs).toEqual([]);
      await worker.updateJob({ jobKey: jobs[0].jobKey, changeset: { timeout: 1 } });
      // its lock ended at once: another activation gets it
      const again = await eventually(async () => {
        const r = await worker.activateJobs({ type: 'notify', timeout: 60_000, maxJobsToActivate: 1, requestTimeout: 2000 });
        expect(r.jobs.map((j) => j.jobKey)).toEqual([jobs[0].jobKey]);
        return r.jobs[0];
      });
      // and it can be lengthened: with a minute more, nobody else gets it
      await worker.updateJob({ jobKey: again.jobKey, changeset: { timeout: 120_000 } });
      await new Promise((r) => setTimeout(r, 50));
      expect((await worker.activateJobs({ type: 'notify', timeout: 60_000, maxJobsToActivate: 1, requestTimeout: -1 })).jobs).toEqual([]);
      const history = await s.engine.getHistory((await s.engine.listInstances({ limit: 1000 })).items.find((i) => i.processId === 'v2-notify')!.id);
      expect(history.filter((e) => e.type === 'job.updated').map((e) => (e.data as { timeoutMs: number }).timeoutMs)).toEqual([1, 120_000]);
      await worker.completeJob({ jobKey: jobs[0].jobKey });
      await eventually(async () => expect((await admin.getProcessInstance({ processInstanceKey: started.processInstanceKey }, NOW)).state).toBe('COMPLETED'));
    });

    test("awaitCompletion answers with the ended instance's variables (fetchVariables)", async () => {
      const done = await alice.createProcessInstance({
        processDefinitionId: brand('v2-quick'),
        variables: { a: 2, b: 3 },
        awaitCompletion: true,
        fetchVariables: ['total'],
        requestTimeout: 10_000,
      });
      expect(done.variables).toEqual({ total: 5 });
    });

    test('a search pages through 250 instances by cursor and by offset: each once, totalItems right', async () => {
      const started = new Set<string>();
      for (let i = 0; i < 250; i++) started.add((await admin.createProcessInstance({ processDefinitionId: brand('v2-wait'), variables: { n: i } })).processInstanceKey);
      // The client's strict request validation turns `{ after, limit }` into `{ from: 0, limit }` (its
      // page union takes the offset branch first), so cursor paging is shown with request validation off;
      // the answers are still checked (fanatical).
      const cursorClient = s.client('admin', 'demo-admin', 'req:none,res:fanatical');
      const seen: string[] = [];
      let after: string | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const r = await cursorClient.searchProcessInstances(
          { filter: { processDefinitionId: brand('v2-wait') }, page: after ? { after: brand(after), limit: 100 } : { limit: 100 } },
          NOW,
        );
        expect(Number(r.page.totalItems)).toBe(250);
        const items = r.items ?? [];
        seen.push(...items.map((i) => i.processInstanceKey));
        if (items.length < 100) break;
        after = r.page.endCursor as string | undefined;
      }
      expect(seen).toHaveLength(250);
      expect(new Set(seen)).toEqual(started);
      const byOffset = await admin.searchProcessInstances(
        { filter: { processDefinitionId: brand('v2-wait') }, page: { from: 240, limit: 100 }, sort: [{ field: 'startDate', order: 'ASC' }] },
        NOW,
      );
      expect(byOffset.items).toHaveLength(10);
      const offsets: string[] = [];
      for (let from = 0; from < 300; from += 80) {
        const r = await admin.searchProcessInstances({ filter: { processDefinitionId: brand('v2-wait') }, page: { from, limit: 80 } }, NOW);
        offsets.push(...(r.items ?? []).map((i) => i.processInstanceKey));
      }
      expect(offsets).toEqual(seen);

      await worker.broadcastSignal({ signalName: 'v2-go' });
      await eventually(async () => {
        const r = await admin.searchProcessInstances({ filter: { processDefinitionId: brand('v2-wait'), state: 'COMPLETED' }, page: { limit: 1 } }, NOW);
        expect(Number(r.page.totalItems)).toBe(250);
      }, 20_000);
    }, 60_000);

    test('cancel, and a message published before its instance waits is buffered for its time to live', async () => {
      const doomed = await admin.createProcessInstance({ processDefinitionId: brand('v2-wait') });
      await admin.cancelProcessInstance({ processInstanceKey: doomed.processInstanceKey });
      expect((await admin.getProcessInstance({ processInstanceKey: doomed.processInstanceKey }, NOW)).state).toBe('TERMINATED');

      const published = await admin.publishMessage({ name: 'OrderPaid', correlationKey: 'o-3', timeToLive: 60_000, messageId: 'pay-o-3' });
      expect(published.messageKey).toMatch(/^\d+$/);
      const order = await alice.createProcessInstance({ processDefinitionId: brand('v2-order'), variables: { amount: 10, orderId: 'o-3' } });
      const pack = await eventually(async () => {
        const r = await alice.searchUserTasks({ filter: { processInstanceKey: order.processInstanceKey, state: 'CREATED' } }, NOW);
        expect(r.items).toHaveLength(1);
        return r.items[0];
      }, 10_000);
      await alice.assignUserTask({ userTaskKey: pack.userTaskKey, assignee: 'alice' });
      await alice.completeUserTask({ userTaskKey: pack.userTaskKey });
      await eventually(async () => expect((await admin.getProcessInstance({ processInstanceKey: order.processInstanceKey }, NOW)).state).toBe('COMPLETED'), 10_000);
    }, 30_000);
  });
}
