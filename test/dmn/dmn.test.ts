/** The pure DMN module on real DMN files: parsing, every hit policy, aggregations, required decisions, refusals. */
import fs from 'node:fs';
import path from 'node:path';
import { DecisionEvaluationError, DmnParseError, evaluateDecision, parseDmn, type DmnModel } from '../../engine/dmn';

const read = (...parts: string[]): string => fs.readFileSync(path.join(__dirname, '..', '..', ...parts), 'utf8');

let policies: DmnModel;
beforeAll(async () => {
  policies = await parseDmn(read('test', 'fixtures', 'dmn', 'hit-policies.dmn'));
});

const run = (id: string, vars: Record<string, unknown>): unknown => evaluateDecision(policies, id, vars).result;

describe('hit policies', () => {
  test('FIRST takes the first matching rule', () => {
    expect(run('first', { amount: 5000 })).toBe('high');
    expect(run('first', { amount: 500 })).toBe('medium');
    expect(run('first', { amount: 5 })).toBe('low');
    expect(evaluateDecision(policies, 'first', { amount: 5000 }).matchedRules).toEqual(['first_r1']);
  });

  test('UNIQUE gives the one match, null without a match, and refuses several matches', () => {
    expect(run('unique', { amount: 50 })).toBe('low');
    expect(run('unique', { amount: 5000 })).toBe('high');
    expect(run('unique', { amount: -1 })).toBeNull();
    expect(() => run('unique', { amount: 100 })).toThrow(DecisionEvaluationError);
    expect(() => run('unique', { amount: 100 })).toThrow(/UNIQUE but 2 rules match \(unique_r1, unique_r2\)/);
  });

  test('ANY accepts agreeing matches and refuses disagreeing ones', () => {
    expect(run('any', { amount: 50, vip: true })).toBe(true);
    expect(run('any', { amount: 500, vip: false })).toBeNull();
    expect(() => run('any', { amount: 6000, vip: true })).toThrow(/ANY but rules any_r2 and any_r3 give different outputs/);
  });

  test('PRIORITY and OUTPUT ORDER follow the order of the output values', () => {
    expect(run('priority', { amount: 500, vip: false })).toBe('medium');
    expect(run('priority', { amount: 500, vip: true })).toBe('high');
    expect(run('priority', { amount: 5, vip: false })).toBe('low');
    expect(run('outputOrder', { amount: 500, vip: true })).toEqual(['high', 'medium', 'low']);
  });

  test('RULE ORDER and COLLECT give lists; several outputs give contexts', () => {
    expect(run('ruleOrder', { amount: 20 })).toEqual(['big', 'any']);
    expect(run('collect', { amount: 20 })).toEqual([
      { tag: 'big', points: 10 },
      { tag: 'any', points: 40 },
    ]);
    expect(run('collect', { amount: 0 })).toEqual([{ tag: 'any', points: 0 }]);
  });

  test('COLLECT with SUM, MIN, MAX and COUNT (distinct values)', () => {
    const vars = { category: 'network', amount: 500 };
    expect(run('collectSum', vars)).toBe(35);
    expect(run('collectMin', vars)).toBe(5);
    expect(run('collectMax', vars)).toBe(20);
    expect(run('collectCount', vars)).toBe(2);
    expect(run('collectSum', { category: 'software', amount: 1 })).toBeNull();
    expect(run('collectCount', { category: 'software', amount: 1 })).toBe(0);
  });
});

describe('expressions', () => {
  test('required decisions are evaluated first and visible by id; literal expressions', () => {
    expect(run('withRequired', { amount: 5000, customer: { name: 'ACME' } })).toBe('escalate ACME');
    expect(run('withRequired', { amount: 5, customer: { name: 'ACME' } })).toBe('ok');
    expect(run('greeting', { customer: { name: 'Ada' } })).toBe('Hello Ada');
  });

  test('an evaluation reports each decision it evaluated, required ones first: input values, matched rules with their index and output values', () => {
    const { evaluated } = evaluateDecision(policies, 'withRequired', { amount: 500, customer: { name: 'ACME' } });
    expect(evaluated).toEqual([
      {
        decisionId: 'first',
        decisionName: 'first',
        kind: 'table',
        result: 'medium',
        inputs: [{ id: 'I_first_0', name: 'Amount', value: 500 }],
        matchedRules: [{ id: 'first_r2', index: 2, outputs: [{ id: 'O_first_0', name: 'level', value: 'medium' }] }],
      },
      {
        decisionId: 'withRequired',
        decisionName: 'withRequired',
        kind: 'table',
        result: 'ok',
        inputs: [
          { id: 'I_withRequired_0', name: 'First level', value: 'medium' },
          { id: 'I_withRequired_1', name: 'Customer', value: 'ACME' },
        ],
        matchedRules: [{ id: 'withRequired_r2', index: 2, outputs: [{ id: 'O_withRequired_0', name: 'message', value: 'ok' }] }],
      },
    ]);
    expect(evaluateDecision(policies, 'greeting', { customer: { name: 'Ada' } }).evaluated).toEqual([
      { decisionId: 'greeting', decisionName: 'greeting', kind: 'literal', result: 'Hello Ada', inputs: [], matchedRules: [] },
    ]);
    // no rule matched: the inputs are still reported
    const none = evaluateDecision(policies, 'first', { amount: null }).evaluated;
    expect(none).toEqual([expect.objectContaining({ inputs: [{ id: 'I_first_0', name: 'Amount', value: null }] })]);
  });

  test('an unknown decision is an evaluation error', () => {
    expect(() => run('nope', {})).toThrow(/decision nope is not in this DMN document/);
  });
});

describe('the shipped ITSM decisions', () => {
  test('priority matrix: impact x urgency -> priority 1..5 (ITIL)', async () => {
    const model = await parseDmn(read('processes', 'decisions', 'priority-matrix.dmn'));
    const expected = [
      [1, 2, 3],
      [2, 3, 4],
      [3, 4, 5],
    ];
    for (let impact = 1; impact <= 3; impact++) {
      for (let urgency = 1; urgency <= 3; urgency++) {
        expect(evaluateDecision(model, 'priority-matrix', { impact, urgency }).result).toBe(expected[impact - 1][urgency - 1]);
      }
    }
    expect(evaluateDecision(model, 'priority-matrix', { impact: 7, urgency: 1 }).result).toBeNull();
  });

  test('change risk: points summed from the risk factors, then classified', async () => {
    const model = await parseDmn(read('processes', 'decisions', 'change-risk.dmn'));
    const risk = (vars: Record<string, unknown>): unknown => evaluateDecision(model, 'change-risk', vars).result;
    expect(risk({ impact: 'low', affectedServices: 1, hasBackoutPlan: true, testedInStaging: true })).toEqual({ riskScore: 5, riskLevel: 'low' });
    expect(risk({ impact: 'medium', affectedServices: 3, hasBackoutPlan: true, testedInStaging: true })).toEqual({ riskScore: 35, riskLevel: 'medium' });
    expect(risk({ impact: 'high', affectedServices: 8, hasBackoutPlan: false, testedInStaging: false })).toEqual({ riskScore: 105, riskLevel: 'high' });
    // a question left unanswered scores as its worst answer: no back-out plan (20), not tested in staging (15)
    expect(risk({ impact: 'low', affectedServices: 1, hasBackoutPlan: null, testedInStaging: true })).toEqual({ riskScore: 5 + 20, riskLevel: 'low' });
    expect(risk({ impact: 'low', affectedServices: 1 })).toEqual({ riskScore: 5 + 20 + 15, riskLevel: 'medium' });
    expect(risk({ impact: 'medium', affectedServices: 3, testedInStaging: true })).toEqual({ riskScore: 20 + 15 + 20, riskLevel: 'medium' });
    expect(risk({ impact: 'medium', affectedServices: 3 })).toEqual({ riskScore: 20 + 15 + 20 + 15, riskLevel: 'high' });
    expect(risk({})).toEqual({ riskScore: 20 + 15, riskLevel: 'medium' });
  });
});

describe('refusals at parse time', () => {
  const doc = (body: string): string =>
    `<?xml version="1.0" encoding="UTF-8"?><definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="D" name="D" namespace="http://x">${body}</definitions>`;
  const problems = async (xml: string): Promise<string[]> => {
    try {
      await parseDmn(xml);
    } catch (err) {
      if (err instanceof DmnParseError) return err.problems.map((p) => `${p.decisionId ?? '-'}: ${p.message}`);
      throw err;
    }
    return [];
  };

  test('not DMN, no decision, broken FEEL, bad shapes', async () => {
    expect((await problems('<nope'))[0]).toMatch(/not a readable DMN 1.3 document/);
    expect(await problems(doc(''))).toEqual(['-: the DMN document has no decision']);
    const broken = doc(`<decision id="d"><decisionTable id="t" hitPolicy="PRIORITY">
      <input id="i"><inputExpression id="ie"><text>a +</text></inputExpression></input>
      <output id="o" name="x" />
      <rule id="r"><inputEntry id="e1"><text>[1..</text></inputEntry><outputEntry id="e2"><text>1</text></outputEntry><outputEntry id="e3"><text>2</text></outputEntry></rule>
    </decisionTable></decision>`);
    const found = await problems(broken);
    expect(found.join('\n')).toMatch(/d: input i: expression a \+/);
    expect(found.join('\n')).toMatch(/d: hit policy PRIORITY needs output values/);
    expect(found.join('\n')).toMatch(/d: rule r has 2 output entries for 1 outputs/);
    expect(found.join('\n')).toMatch(/d: rule r, input 1: unary test \[1\.\./);
  });

  test('a required decision that is not in the document', async () => {
    const xml = doc(`<decision id="d"><informationRequirement id="ir"><requiredDecision href="#other" /></informationRequirement>
      <literalExpression id="l"><text>1</text></literalExpression></decision>`);
    expect(await problems(xml)).toEqual(['d: requires decision other, which is not in this document']);
  });
});
