/**
 * Business rule tasks with zeebe:calledDecision when jobs are on BullMQ: their jobs are queued like any
 * other (type processdesk.decision) and worked by the engine's decision worker in every engine process;
 * an evaluation that fails is an incident at once (no retries), and a resolution after a fix evaluates
 * again. Real Redis.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Engine } from '../../engine';
import { DECISION_JOB_TYPE } from '../../engine/runtime/decisions';
import { bpmn, chain, endEvent, esc, startEvent, userTask } from '../engine/helpers';
import { REPO_DIR } from '../support/paths';
import { bullmqEngine, dropPrefix, testPrefix, until } from './jobQueues';

const file = (...parts: string[]) => ({ name: parts[parts.length - 1], content: fs.readFileSync(path.join(REPO_DIR, ...parts), 'utf8') });
const matrix = file('processes', 'decisions', 'priority-matrix.dmn');
const policies = file('test', 'fixtures', 'dmn', 'hit-policies.dmn');

const withDecision = (processId: string, decisionId: string, resultVariable: string) => ({
  name: `${processId}.bpmn`,
  content: bpmn(processId, [
    startEvent(),
    `<bpmn:businessRuleTask id="Decide"><bpmn:extensionElements><zeebe:calledDecision decisionId="${esc(decisionId)}" resultVariable="${resultVariable}" /></bpmn:extensionElements></bpmn:businessRuleTask>`,
    userTask('Check', { candidateGroups: 'service-desk' }),
    endEvent(),
    chain('Start', 'Decide', 'Check', 'End'),
  ]),
});

describe('decisions with jobs on BullMQ', () => {
  const prefix = testPrefix('decisions');
  let env: Awaited<ReturnType<typeof bullmqEngine>>;
  let engine: Engine;
  beforeAll(async () => {
    env = await bullmqEngine(prefix);
    engine = env.engine;
    await engine.deploy([matrix, policies, withDecision('prio', 'priority-matrix', 'priority'), withDecision('lvl', 'unique', 'level')]);
  });
  afterAll(async () => {
    await env.close();
    await dropPrefix(prefix);
  });

  const atCheck = (id: string) => until(async () => (await engine.getInstance(id)).activeElements.includes('Check'), 10_000, `instance ${id} at Check`);

  test('a decision job is queued and evaluated by the engine', async () => {
    const started = await Promise.all([1, 2, 3].map((impact) => engine.startInstance({ processId: 'prio', variables: { impact, urgency: 1 } })));
    for (const inst of started) await atCheck(inst.id);
    expect(await Promise.all(started.map(async (i) => (await engine.getInstance(i.id)).variables.priority))).toEqual([1, 2, 3]);
    const history = await engine.getHistory(started[0].id);
    expect(history.find((e) => e.type === 'job.created')?.data).toMatchObject({ type: DECISION_JOB_TYPE });
    expect(history.find((e) => e.type === 'job.completed')?.actor).toBe('processdesk-decisions');
    expect((await engine.jobQueueStats()).map((s) => s.type)).toContain(DECISION_JOB_TYPE);
  });

  test('a failing evaluation is an incident at once, with the reason; a fixed redeploy and a resolution go on', async () => {
    const inst = await engine.startInstance({ processId: 'lvl', variables: { amount: 100 } });
    await until(async () => (await engine.listIncidents({ instanceId: inst.id, state: 'open' })).length === 1, 10_000, 'the incident');
    const [incident] = await engine.listIncidents({ instanceId: inst.id, state: 'open' });
    expect(incident.message).toMatch(/^no retries left: decision evaluation failed at Decide: decision unique: hit policy UNIQUE but 2 rules match/);
    expect((await engine.getHistory(inst.id)).filter((e) => e.type === 'job.failed')).toHaveLength(1);
    await engine.deploy([{ name: 'fixed.dmn', content: policies.content.replace('id="T_unique" hitPolicy="UNIQUE"', 'id="T_unique" hitPolicy="FIRST"') }]);
    await engine.resolveIncident(incident.id, 'admin');
    await atCheck(inst.id);
    expect((await engine.getInstance(inst.id)).variables.level).toBe('low');
  });
});
