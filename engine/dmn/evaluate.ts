/**
 * Evaluates a decision of a DmnModel against variables, with Camunda 8's result shapes:
 * - a table with one output gives the output value per matched rule, with several a context {name: value};
 * - UNIQUE, FIRST, ANY, PRIORITY give one such result (null when no rule matches);
 * - COLLECT, RULE ORDER, OUTPUT ORDER give a list; COLLECT with SUM/MIN/MAX/COUNT gives a number.
 * Required decisions are evaluated first and visible under their decision id.
 * Each evaluation also reports what it saw (`evaluated`: every decision evaluated, required ones
 * first, with its input values and each matched rule's output values), as Camunda's evaluation
 * answer lists them.
 * Problems (several matches under UNIQUE, disagreeing matches under ANY, FEEL errors) throw
 * DecisionEvaluationError naming the decision and the rules.
 */
import { unaryTest } from 'feelin';
import { evaluateExpression, type Variables } from '../expr/feel';
import { type Decision, type DecisionTable, DecisionEvaluationError, type DmnModel } from './model';

/** A named value an evaluation saw: a table's input or a matched rule's output. */
export interface EvaluatedValue {
  id: string;
  name: string;
  value: unknown;
}

/** One decision as it was evaluated. */
export interface EvaluatedDecision {
  decisionId: string;
  decisionName: string;
  kind: 'table' | 'literal';
  result: unknown;
  /** The table's input values, in input order (none for a literal expression). */
  inputs: EvaluatedValue[];
  /** The matched rules in rule order; `index` counts from 1 in the table. */
  matchedRules: { id: string; index: number; outputs: EvaluatedValue[] }[];
}

export interface DecisionResult {
  decisionId: string;
  result: unknown;
  /** Ids of the matched rules (tables), in rule order. */
  matchedRules: string[];
  /** Every decision evaluated, required ones first, this one last. */
  evaluated: EvaluatedDecision[];
}

type TableResult = Omit<DecisionResult, 'evaluated'> & { trace: EvaluatedDecision };

function fail(decision: Decision, message: string): never {
  throw new DecisionEvaluationError(`decision ${decision.id}: ${message}`, decision.id);
}

function expression(decision: Decision, source: string, vars: Variables, what: string): unknown {
  if (!source) return null;
  try {
    return evaluateExpression(`=${source}`, vars);
  } catch (err) {
    return fail(decision, `${what}: ${(err as Error).message}`);
  }
}

function matches(decision: Decision, entry: string, input: unknown, vars: Variables, where: string): boolean {
  if (entry === '' || entry === '-') return true;
  let result: { value: boolean | null; warnings: { type: string; message: string }[] };
  try {
    result = unaryTest(entry, { ...vars, '?': input });
  } catch (err) {
    return fail(decision, `${where}: unary test ${entry}: ${(err as Error).message}`);
  }
  const fatal = result.warnings.find((w) => w.type === 'NO_FUNCTION_FOUND');
  if (fatal) fail(decision, `${where}: unary test ${entry}: ${fatal.message}`);
  return result.value === true;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function evaluateTable(decision: Decision, table: DecisionTable, vars: Variables): TableResult {
  const inputs = table.inputs.map((input) => expression(decision, input.expression, vars, `input ${input.label ?? input.id}`));
  const matched: { id: string; index: number; outputs: unknown[] }[] = [];
  for (const [index, rule] of table.rules.entries()) {
    const hit = rule.inputEntries.every((entry, i) => matches(decision, entry, inputs[i], vars, `rule ${rule.id}, input ${table.inputs[i].label ?? table.inputs[i].id}`));
    if (!hit) continue;
    const outputs = rule.outputEntries.map((entry, i) => expression(decision, entry, vars, `rule ${rule.id}, output ${table.outputs[i].name || table.outputs[i].id}`));
    matched.push({ id: rule.id, index: index + 1, outputs });
    if (table.hitPolicy === 'FIRST') break;
  }
  const shape = (outputs: unknown[]): unknown => (table.outputs.length === 1 ? outputs[0] : Object.fromEntries(table.outputs.map((o, i) => [o.name, outputs[i]])));
  const ids = matched.map((m) => m.id);
  const done = (result: unknown): TableResult => ({
    decisionId: decision.id,
    result,
    matchedRules: ids,
    trace: {
      decisionId: decision.id,
      decisionName: decision.name ?? decision.id,
      kind: 'table',
      result,
      inputs: table.inputs.map((input, i) => ({ id: input.id, name: input.label ?? input.expression, value: inputs[i] ?? null })),
      matchedRules: matched.map((m) => ({
        id: m.id,
        index: m.index,
        outputs: table.outputs.map((o, i) => ({ id: o.id, name: o.name || o.label || o.id, value: m.outputs[i] ?? null })),
      })),
    },
  });

  switch (table.hitPolicy) {
    case 'UNIQUE':
      if (matched.length > 1) fail(decision, `hit policy UNIQUE but ${matched.length} rules match (${ids.join(', ')})`);
      return done(matched.length ? shape(matched[0].outputs) : null);
    case 'FIRST':
      return done(matched.length ? shape(matched[0].outputs) : null);
    case 'ANY': {
      const differing = matched.find((m) => !same(m.outputs, matched[0].outputs));
      if (differing) fail(decision, `hit policy ANY but rules ${matched[0].id} and ${differing.id} give different outputs`);
      return done(matched.length ? shape(matched[0].outputs) : null);
    }
    case 'PRIORITY':
    case 'OUTPUT ORDER': {
      const rank = (outputs: unknown[]): number[] =>
        table.outputs.map((o, i) => {
          if (!o.values?.length) return 0;
          const at = o.values.findIndex((v) => same(v, outputs[i]));
          return at < 0 ? o.values.length : at;
        });
      const sorted = matched
        .map((m, order) => ({ m, order, rank: rank(m.outputs) }))
        .sort((a, b) => {
          for (let i = 0; i < a.rank.length; i++) if (a.rank[i] !== b.rank[i]) return a.rank[i] - b.rank[i];
          return a.order - b.order;
        });
      if (table.hitPolicy === 'PRIORITY') return done(sorted.length ? shape(sorted[0].m.outputs) : null);
      return done(sorted.map((s) => shape(s.m.outputs)));
    }
    case 'RULE ORDER':
      return done(matched.map((m) => shape(m.outputs)));
    case 'COLLECT': {
      if (!table.aggregation) return done(matched.map((m) => shape(m.outputs)));
      const values = matched.map((m) => m.outputs[0]).filter((v) => v !== null && v !== undefined);
      if (table.aggregation === 'COUNT') return done(new Set(values.map((v) => JSON.stringify(v))).size);
      if (!values.length) return done(null);
      const bad = values.find((v) => typeof v !== 'number');
      if (bad !== undefined) fail(decision, `aggregation ${table.aggregation} needs numbers, got ${JSON.stringify(bad)}`);
      const nums = values as number[];
      if (table.aggregation === 'SUM') return done(nums.reduce((a, b) => a + b, 0));
      return done(table.aggregation === 'MIN' ? Math.min(...nums) : Math.max(...nums));
    }
  }
}

function evaluateOne(model: DmnModel, decision: Decision, variables: Variables, visiting: Set<string>, trace: EvaluatedDecision[]): Omit<DecisionResult, 'evaluated'> {
  if (visiting.has(decision.id)) fail(decision, `required decisions form a cycle (${[...visiting, decision.id].join(' -> ')})`);
  visiting.add(decision.id);
  const vars: Variables = { ...variables };
  for (const requiredId of decision.requires) {
    const required = model.decisions.find((d) => d.id === requiredId);
    if (!required) fail(decision, `required decision ${requiredId} is missing`);
    vars[requiredId] = evaluateOne(model, required, variables, visiting, trace).result;
  }
  visiting.delete(decision.id);
  if (decision.logic.kind === 'literal') {
    const result = expression(decision, decision.logic.expression, vars, 'literal expression');
    trace.push({ decisionId: decision.id, decisionName: decision.name ?? decision.id, kind: 'literal', result, inputs: [], matchedRules: [] });
    return { decisionId: decision.id, result, matchedRules: [] };
  }
  const { trace: evaluated, ...result } = evaluateTable(decision, decision.logic, vars);
  trace.push(evaluated);
  return result;
}

/** Evaluates `decisionId` of `model` against `variables`. */
export function evaluateDecision(model: DmnModel, decisionId: string, variables: Variables): DecisionResult {
  const decision = model.decisions.find((d) => d.id === decisionId);
  if (!decision) throw new DecisionEvaluationError(`decision ${decisionId} is not in this DMN document`, decisionId);
  const evaluated: EvaluatedDecision[] = [];
  return { ...evaluateOne(model, decision, variables, new Set(), evaluated), evaluated };
}
