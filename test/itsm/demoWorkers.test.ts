/**
 * The built-in demo workers (notify, deployment-hook, cmdb-lookup) on the shipped change and incident
 * processes, with jobs polled from the store and with jobs on BullMQ (then the demo workers take them
 * as HTTP workers do, and the decisions of the processes are worked by the engine's decision worker).
 */
import type { EngineOptions } from '../../engine';
import { startDemoWorkers } from '../../engine/runtime/demoWorkers';
import { dropPrefix, FAST, REDIS_URL, testPrefix } from '../queue/jobQueues';
import { tempEngine, eventually } from '../support/engine';
import { shippedResources } from './helpers';

const bullmqPrefix = testPrefix('demo');
const MODES: [string, EngineOptions][] = [
  ['jobs polled from the store', {}],
  ['jobs on BullMQ', { redisUrl: REDIS_URL, redisPrefix: bullmqPrefix, jobQueues: FAST }],
];

afterAll(() => dropPrefix(bullmqPrefix));

describe.each(MODES)('demo workers, %s', (_mode, options) => {
  test('complete notify, deployment-hook and cmdb-lookup jobs with a log line; simulateFailure throws DEPLOYMENT_FAILED', async () => {
    const { engine, close } = await tempEngine(options);
    const lines: string[] = [];
    const stop = startDemoWorkers(engine, undefined, (line) => lines.push(line), 20);
    try {
      await engine.deploy(shippedResources());
      const run = async (simulateFailure: boolean): Promise<string> => {
        const inst = await engine.startInstance({ processId: 'change', variables: { changeType: 'standard', simulateFailure } });
        const next = async (elementId: string, variables: Record<string, unknown> = {}): Promise<void> => {
          const task = await eventually(async () => {
            const found = (await engine.listTasks({ instanceId: inst.id, state: 'created', limit: 10 })).items.find((t) => t.elementId === elementId);
            if (!found) throw new Error(`no ${elementId}`);
            return found;
          });
          await engine.completeTask(task.id, variables, 'tester');
        };
        await next('SubmitRfc', { changeType: 'standard' });
        await next('PlanChange', { implementer: 'dave' });
        // the implementation waits for the planned start: now
        await next('ScheduleChange', { plannedStart: new Date().toISOString(), plannedEnd: new Date(Date.now() + 3_600_000).toISOString() });
        if (simulateFailure) {
          await next('BackOutChange');
          await next('PostImplementationReview');
        } else await next('VerifyChange', { verificationResult: 'success' });
        await eventually(async () => expect((await engine.getInstance(inst.id)).state).toBe('completed'));
        return (await engine.getInstance(inst.id)).variables.changeStatus as string;
      };
      expect(await run(false)).toBe('implemented');
      expect(await run(true)).toBe('backed-out');
      expect(lines.some((l) => /^\[demo-worker\] deployed change of instance /.test(l))).toBe(true);
      expect(lines.some((l) => /^\[demo-worker\] deployment of instance .* failed \(simulateFailure\)$/.test(l))).toBe(true);
      expect(lines.filter((l) => l.startsWith('[demo-worker] notify change-closed to requester'))).toHaveLength(2);

      // cmdb-lookup on the incident process: net-* items belong to the network team
      const incident = await engine.startInstance({ processId: 'incident', variables: { incidentId: 'INC-demo' } });
      const log = await eventually(async () => {
        const found = (await engine.listTasks({ instanceId: incident.id, state: 'created', limit: 10 })).items.find((t) => t.elementId === 'LogIncident');
        if (!found) throw new Error('no LogIncident');
        return found;
      });
      await engine.completeTask(log.id, { summary: 'switch down', category: 'hardware', impact: 2, urgency: 2, configurationItem: 'net-sw-7' }, 'tester');
      const ack = await eventually(async () => {
        const found = (await engine.listTasks({ instanceId: incident.id, state: 'created', limit: 10 })).items.find((t) => t.elementId === 'AcknowledgeIncident');
        if (!found) throw new Error('no AcknowledgeIncident');
        return found;
      });
      expect(ack.candidateGroups).toEqual(['network']);
      expect(lines).toContain('[demo-worker] cmdb lookup for net-sw-7');
    } finally {
      await stop();
      await close();
    }
  });
});
