/** Business rule tasks with zeebe:calledDecision, run by the Engine's built-in decision worker on deployed DMN. */
import fs from 'node:fs';
import path from 'node:path';
import { DeploymentError } from '../../engine';
import { DECISION_JOB_TYPE } from '../../engine/runtime/decisions';
import { tempEngine } from '../support/engine';
import { bpmn, chain, endEvent, esc, eventually, expectValidHistory, ioMapping, startEvent, useEngine, userTask } from '../engine/helpers';

const dmnFile = (...parts: string[]): { name: string; content: string } => ({
  name: parts[parts.length - 1],
  content: fs.readFileSync(path.join(__dirname, '..', '..', ...parts), 'utf8'),
});
const matrix = dmnFile('processes', 'decisions', 'priority-matrix.dmn');
const policies = dmnFile('test', 'fixtures', 'dmn', 'hit-policies.dmn');

function ruleTask(id: string, decisionId: string, resultVariable: string, outputs: [string, string][] = []): string {
  return `<bpmn:businessRuleTask id="${id}"><bpmn:extensionElements><zeebe:calledDecision decisionId="${esc(decisionId)}" resultVariable="${resultVariable}" />${ioMapping([], outputs)}</bpmn:extensionElements></bpmn:businessRuleTask>`;
}

const withDecision = (processId: string, decisionId: string, resultVariable: string, outputs: [string, string][] = []): { name: string; content: string } => ({
  name: `${processId}.bpmn`,
  content: bpmn(processId, [
    startEvent(),
    ruleTask('Decide', decisionId, resultVariable, outputs),
    userTask('Check', { candidateGroups: 'service-desk' }),
    endEvent(),
    chain('Start', 'Decide', 'Check', 'End'),
  ]),
});

describe('business rule tasks', () => {
  const env = useEngine();

  test('deploying a DMN stores one dmn resource per decision', async () => {
    const { engine } = env();
    const result = await engine.deploy([policies, matrix]);
    expect(result.resources.map((r) => r.id)).toEqual(expect.arrayContaining(['dmn:first', 'dmn:unique', 'dmn:greeting', 'dmn:priority-matrix']));
    expect(result.resources.every((r) => r.kind === 'dmn')).toBe(true);
    expect((await engine.getResource('dmn:priority-matrix'))?.content).toBe(matrix.content);
  });

  test('a broken DMN is refused at deploy with the decision id; so is the same decision twice', async () => {
    const { engine } = env();
    const broken = { name: 'broken.dmn', content: matrix.content.replace('<text>impact</text>', '<text>impact +</text>') };
    const refusal = await engine.deploy([broken]).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(DeploymentError);
    expect((refusal as DeploymentError).problems[0]).toMatchObject({
      elementId: 'priority-matrix',
      message: expect.stringMatching(/^broken\.dmn: input InputImpact: expression impact \+/),
    });
    const twice = await engine.deploy([matrix, { ...matrix, name: 'again.dmn' }]).catch((e: unknown) => e);
    expect((twice as DeploymentError).problems.map((p) => p.message)).toContain('decision priority-matrix is defined twice in this deployment');
  });

  test('evaluates the decision and writes the result variable (output mappings apply)', async () => {
    const { engine } = env();
    await engine.deploy([matrix, withDecision('p1', 'priority-matrix', 'priority', [['="P" + string(priority)', 'priorityLabel']])]);
    const inst = await engine.startInstance({ processId: 'p1', variables: { impact: 2, urgency: 1 } });
    await eventually(async () => expect((await engine.getInstance(inst.id)).activeElements).toEqual(['Check']));
    const { variables } = await engine.getInstance(inst.id);
    // as in Camunda 8, with output mappings only the mapped variables reach the process scope
    expect(variables.priorityLabel).toBe('P2');
    expect(variables).not.toHaveProperty('priority');
    const history = await engine.getHistory(inst.id);
    const created = history.find((e) => e.type === 'job.created' && e.elementId === 'Decide');
    expect(created?.data).toMatchObject({ type: DECISION_JOB_TYPE, decisionId: 'priority-matrix' });
    expect(history.find((e) => e.type === 'job.completed' && e.elementId === 'Decide')?.actor).toBe('processdesk-decisions');
    await expectValidHistory(engine, inst.id);
  });

  test('contexts and lists come out as JSON values; a FEEL decisionId picks the decision at run time', async () => {
    const { engine } = env();
    await engine.deploy([policies, withDecision('p2', '=which', 'result')]);
    const a = await engine.startInstance({ processId: 'p2', variables: { which: 'collect', amount: 20 } });
    const b = await engine.startInstance({ processId: 'p2', variables: { which: 'priority', amount: 500, vip: true } });
    for (const id of [a.id, b.id]) await eventually(async () => expect((await engine.getInstance(id)).activeElements).toEqual(['Check']));
    expect((await engine.getInstance(a.id)).variables.result).toEqual([
      { tag: 'big', points: 10 },
      { tag: 'any', points: 40 },
    ]);
    expect((await engine.getInstance(b.id)).variables.result).toBe('high');
  });

  test('a decision job committed by this engine is worked at once, not at the next poll (poll set to an hour here)', async () => {
    const { engine, close } = await tempEngine({ decisionPollMs: 3_600_000 });
    try {
      await new Promise((r) => setTimeout(r, 100)); // past the worker's first round at start: the next is an hour away
      await engine.deploy([matrix, withDecision('p4', 'priority-matrix', 'priority')]);
      // several in a row: a wake-up that arrives while a round runs must not be lost
      const started = await Promise.all([1, 2, 3].map((impact) => engine.startInstance({ processId: 'p4', variables: { impact, urgency: 1 } })));
      for (const inst of started) await eventually(async () => expect((await engine.getInstance(inst.id)).activeElements).toEqual(['Check']), 5000);
      expect(await Promise.all(started.map(async (i) => (await engine.getInstance(i.id)).variables.priority))).toEqual([1, 2, 3]);
    } finally {
      await close();
    }
  });

  test('a failing evaluation becomes an incident with the reason; a fixed redeploy + resolve goes on', async () => {
    const { engine } = env();
    await engine.deploy([policies, withDecision('p3', 'unique', 'level')]);
    const inst = await engine.startInstance({ processId: 'p3', variables: { amount: 100 } });
    const [incident] = await eventually(async () => {
      const open = await engine.listIncidents({ instanceId: inst.id, state: 'open' });
      expect(open).toHaveLength(1);
      return open;
    });
    expect(incident.elementId).toBe('Decide');
    expect(incident.message).toMatch(/decision evaluation failed at Decide: decision unique: hit policy UNIQUE but 2 rules match \(unique_r1, unique_r2\)/);
    // the decision is corrected (FIRST) and redeployed: resolving the incident evaluates again
    await engine.deploy([{ name: 'fixed.dmn', content: policies.content.replace('id="T_unique" hitPolicy="UNIQUE"', 'id="T_unique" hitPolicy="FIRST"') }]);
    await engine.resolveIncident(incident.id, 'admin');
    await eventually(async () => expect((await engine.getInstance(inst.id)).activeElements).toEqual(['Check']));
    expect((await engine.getInstance(inst.id)).variables.level).toBe('low');
  });

  test('a decision that is not deployed is an incident naming it', async () => {
    const { engine } = env();
    await engine.deploy([withDecision('p4', 'no-such-decision', 'x')]);
    const inst = await engine.startInstance({ processId: 'p4' });
    await eventually(async () => {
      const [incident] = await engine.listIncidents({ instanceId: inst.id, state: 'open' });
      expect(incident?.message).toMatch(/decision no-such-decision is not deployed/);
    });
  });
});
