/**
 * DMN 1.3 XML -> DmnModel through dmn-moddle. Decision tables and literal-expression decisions are
 * supported; everything else (BKMs, contexts, invocations...) is refused with the decision id. Every
 * FEEL text is parsed here, so a deployment with a broken table is refused, not its first evaluation.
 */
import { DmnModdle, type DmnElement } from 'dmn-moddle';
import { parseUnaryTests } from 'feelin';
import { DMN, guardXml } from '../bpmn/xmlGuard';
import { checkExpression, evaluateExpression } from '../expr/feel';
import { type Aggregation, type Decision, type DecisionTable, type DmnModel, type DmnProblem, DmnParseError, type HitPolicy } from './model';

const HIT_POLICIES: HitPolicy[] = ['UNIQUE', 'FIRST', 'PRIORITY', 'ANY', 'COLLECT', 'RULE ORDER', 'OUTPUT ORDER'];
const AGGREGATIONS: Aggregation[] = ['SUM', 'MIN', 'MAX', 'COUNT'];

let sharedModdle: DmnModdle | undefined;

const list = (value: unknown): DmnElement[] => (Array.isArray(value) ? (value as DmnElement[]) : []);
const text = (el: unknown): string => (typeof (el as { text?: unknown })?.text === 'string' ? (el as { text: string }).text.trim() : '');

function unaryTestProblem(source: string): string | undefined {
  if (source === '' || source === '-') return undefined;
  try {
    let problem: string | undefined;
    parseUnaryTests(source, {}, undefined).iterate({
      enter(node) {
        if (problem) return false;
        if (node.type.isError) problem = `syntax error at ${node.from}`;
        return undefined;
      },
    });
    return problem;
  } catch (err) {
    return (err as Error).message;
  }
}

function readTable(decisionId: string, table: DmnElement, problems: DmnProblem[]): DecisionTable {
  const add = (message: string): void => void problems.push({ decisionId, message });
  const hitPolicy = ((table.hitPolicy as string | undefined) ?? 'UNIQUE') as HitPolicy;
  if (!HIT_POLICIES.includes(hitPolicy)) add(`hit policy ${hitPolicy} is not supported (use ${HIT_POLICIES.join(', ')})`);
  const aggregation = table.aggregation as Aggregation | undefined;
  if (aggregation && !AGGREGATIONS.includes(aggregation)) add(`aggregation ${aggregation} is not supported`);
  if (aggregation && hitPolicy !== 'COLLECT') add(`aggregation ${aggregation} needs hit policy COLLECT, not ${hitPolicy}`);

  const inputs = list(table.input).map((input, i) => {
    const expression = text(input.inputExpression);
    if (!expression) add(`input ${input.id ?? i + 1} has no input expression`);
    else {
      const problem = checkExpression(`=${expression}`);
      if (problem) add(`input ${input.id ?? i + 1}: expression ${expression}: ${problem}`);
    }
    return { id: input.id ?? `input${i + 1}`, label: input.label as string | undefined, expression };
  });
  const outputs = list(table.output).map((output, i) => {
    const valuesText = text(output.outputValues);
    let values: unknown[] | undefined;
    if (valuesText) {
      try {
        values = evaluateExpression(`=[${valuesText}]`, {}) as unknown[];
      } catch (err) {
        add(`output ${output.id ?? i + 1}: output values ${valuesText}: ${(err as Error).message}`);
      }
    }
    return { id: output.id ?? `output${i + 1}`, name: (output.name as string | undefined) ?? '', label: output.label as string | undefined, values };
  });
  if (!outputs.length) add('decision table has no output');
  if (outputs.length > 1 && outputs.some((o) => !o.name)) add('a decision table with several outputs needs a name on each output');
  if (aggregation && outputs.length > 1) add(`aggregation ${aggregation} needs exactly one output`);
  if ((hitPolicy === 'PRIORITY' || hitPolicy === 'OUTPUT ORDER') && !outputs.some((o) => o.values?.length)) {
    add(`hit policy ${hitPolicy} needs output values (the priority order) on an output`);
  }

  const rules = list(table.rule).map((rule, r) => {
    const id = rule.id ?? `rule${r + 1}`;
    const inputEntries = list(rule.inputEntry).map(text);
    const outputEntries = list(rule.outputEntry).map(text);
    if (inputEntries.length !== inputs.length) add(`rule ${id} has ${inputEntries.length} input entries for ${inputs.length} inputs`);
    if (outputEntries.length !== outputs.length) add(`rule ${id} has ${outputEntries.length} output entries for ${outputs.length} outputs`);
    inputEntries.forEach((entry, i) => {
      const problem = unaryTestProblem(entry);
      if (problem) add(`rule ${id}, input ${i + 1}: unary test ${entry}: ${problem}`);
    });
    outputEntries.forEach((entry, i) => {
      const problem = entry ? checkExpression(`=${entry}`) : undefined;
      if (problem) add(`rule ${id}, output ${i + 1}: expression ${entry}: ${problem}`);
    });
    return { id, inputEntries, outputEntries };
  });
  return { kind: 'table', hitPolicy, aggregation, inputs, outputs, rules };
}

function readDecision(el: DmnElement, problems: DmnProblem[]): Decision | undefined {
  const id = el.id;
  if (!id) {
    problems.push({ message: 'a decision has no id' });
    return undefined;
  }
  const requires = list(el.informationRequirement)
    .map((req) => (req.requiredDecision as { href?: string } | undefined)?.href)
    .filter((href): href is string => !!href)
    .map((href) => href.replace(/^.*#/, ''));
  const logic = el.decisionLogic as DmnElement | undefined;
  if (logic?.$type === 'dmn:DecisionTable') return { id, name: el.name, requires, logic: readTable(id, logic, problems) };
  if (logic?.$type === 'dmn:LiteralExpression') {
    const expression = text(logic);
    const problem = expression ? checkExpression(`=${expression}`) : 'empty literal expression';
    if (problem) problems.push({ decisionId: id, message: `literal expression: ${problem}` });
    return { id, name: el.name, requires, logic: { kind: 'literal', expression } };
  }
  problems.push({ decisionId: id, message: `decision logic ${logic?.$type ?? '(none)'} is not supported: use a decision table or a literal expression` });
  return undefined;
}

/** Parses a DMN 1.3 document; throws DmnParseError listing every problem. */
export async function parseDmn(xml: string): Promise<DmnModel> {
  // the same cheap, linear checks as BPMN documents get: size, DTDs, depth, what moddle cannot place
  const guarded = guardXml(xml, {}, DMN);
  if (guarded.length) throw new DmnParseError('DMN refused', guarded);
  sharedModdle ??= new DmnModdle();
  let root: DmnElement;
  let warnings: { message: string }[];
  try {
    ({ rootElement: root, warnings } = await sharedModdle.fromXML(xml, 'dmn:Definitions'));
  } catch (err) {
    throw new DmnParseError('not a DMN 1.3 document', [{ message: `not a readable DMN 1.3 document: ${(err as Error).message.split('\n')[0]}` }]);
  }
  const problems: DmnProblem[] = warnings.map((w) => ({ message: w.message.split('\n')[0] }));
  const decisions: Decision[] = [];
  for (const el of list(root.drgElement)) {
    if (el.$type !== 'dmn:Decision') continue;
    const decision = readDecision(el, problems);
    if (decision) decisions.push(decision);
  }
  if (!decisions.length && !problems.length) problems.push({ message: 'the DMN document has no decision' });
  const ids = new Set(decisions.map((d) => d.id));
  for (const d of decisions) {
    for (const r of d.requires) if (!ids.has(r)) problems.push({ decisionId: d.id, message: `requires decision ${r}, which is not in this document` });
  }
  if (problems.length) throw new DmnParseError(`DMN refused: ${problems.length} problem(s)`, problems);
  return { id: root.id, name: root.name, decisions };
}
