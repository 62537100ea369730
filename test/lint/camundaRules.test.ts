/**
 * Camunda's own lint rules in the modeler (modeler/src/camundaLint.ts, through lintDefinitions of
 * modeler/src/lint.ts) on small diagrams: a Camunda finding comes with its rule set and rule
 * (`camunda-compat/<rule>`) and Camunda's grade; where Camunda's rule flags what ProcessDesk runs, the
 * diagram deploys on a real engine, Camunda's own config grades it an error (or warning) and ProcessDesk's
 * lint a warning (or nothing); every rule of Camunda's set is loaded or documented off.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BpmnModdle } from 'bpmn-moddle';
import { Linter } from 'bpmnlint';
import StaticResolver from 'bpmnlint/lib/resolver/static-resolver';
import camundaCompat from 'bpmnlint-plugin-camunda-compat';
import eventBasedGatewayTarget from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/event-based-gateway-target';
import loopCharacteristics from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/loop-characteristics';
import noLoop from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/no-loop';
import priorityDefinition from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/priority-definition';
import sequenceFlowCondition from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/sequence-flow-condition';
import timer from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/timer';
import zeebeUserTask from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/zeebe-user-task';
import zeebe from 'zeebe-bpmn-moddle/resources/zeebe.json';
import { DeploymentError } from '../../engine';
import { CAMUNDA_VERSION, camundaRules } from '../../modeler/src/camundaLint';
import { lintDefinitions } from '../../modeler/src/lint';
import { newDiagramXml } from '../../modeler/src/newDiagram';
import { tempEngine } from '../support/engine';

const ROOT = path.join(__dirname, '..', '..');
const XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
// The small diagrams here have no diagram interchange (shapes), so bpmnlint's no-bpmndi reports every
// element; the tests look past it.

/** A process of `inner` elements; `flows` as [id, source, target, FEEL condition?]. */
function diagram(inner: string, flows: [string, string, string, string?][], extra = ''): string {
  const flowXml = flows
    .map(([id, from, to, condition]) =>
      condition
        ? `<bpmn:sequenceFlow id="${id}" sourceRef="${from}" targetRef="${to}"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${condition}</bpmn:conditionExpression></bpmn:sequenceFlow>`
        : `<bpmn:sequenceFlow id="${id}" sourceRef="${from}" targetRef="${to}" />`,
    )
    .join('\n    ');
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" ${XSI} id="d" targetNamespace="t">
  <bpmn:process id="p" name="P" isExecutable="true">
    ${inner}
    ${flowXml}
  </bpmn:process>
  ${extra}
</bpmn:definitions>`;
}

const timerDef = (prop: string, value: string): string =>
  `<bpmn:timerEventDefinition id="td"><bpmn:${prop} xsi:type="bpmn:tFormalExpression">${value}</bpmn:${prop}></bpmn:timerEventDefinition>`;
const userTask = (id: string, extensions = '', inner = ''): string =>
  `<bpmn:userTask id="${id}" name="Work"><bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition candidateGroups="desk" />${extensions}</bpmn:extensionElements>${inner}</bpmn:userTask>`;
const startEndAround = (middle: string): [string, string, string][] => [
  ['f1', 's', middle],
  ['f2', middle, 'e'],
];

/**
 * The definitions as the modeler holds them: bpmn-js keeps each flow node's incoming and outgoing flows
 * (and writes them to the file); some of Camunda's rules follow them, so they are filled in here.
 */
async function read(xml: string): Promise<any> {
  const { rootElement, warnings } = await new BpmnModdle({ zeebe }).fromXML(xml);
  expect(warnings).toEqual([]);
  const link = (container: any): void => {
    for (const el of container.flowElements ?? []) {
      if (el.$type === 'bpmn:SequenceFlow') {
        el.sourceRef.get('outgoing').push(el);
        el.targetRef.get('incoming').push(el);
      }
      link(el);
    }
  };
  for (const root of (rootElement as any).rootElements) link(root);
  return rootElement;
}

type Finding = { id: string; rule: string; category: string };

/** ProcessDesk's lint (Camunda's rules included): the findings of Camunda's rules. */
async function camundaFindings(xml: string): Promise<(Finding & { message: string })[]> {
  const all = await lintDefinitions(await read(xml));
  return all.filter((i) => i.rule.startsWith('camunda-compat/'));
}

/** What Camunda's own config for CAMUNDA_VERSION makes of `rule` on the diagram: its findings with Camunda's grade. */
async function asCamundaGrades(xml: string, rule: string, factory: unknown): Promise<Finding[]> {
  const setting = camundaCompat.configs[`camunda-cloud-${CAMUNDA_VERSION.replace('.', '-')}`]!.rules[rule];
  const linter = new Linter({
    config: { rules: { [`camunda-compat/${rule}`]: setting } },
    resolver: new StaticResolver({ [`rule:bpmnlint-plugin-camunda-compat/${rule}`]: factory }),
  });
  const results = await linter.lint(await read(xml));
  return Object.entries(results).flatMap(([name, reports]) => reports.map((r) => ({ id: r.id, rule: name, category: r.category })));
}

let engine: Awaited<ReturnType<typeof tempEngine>>;
beforeAll(async () => {
  engine = await tempEngine();
});
afterAll(async () => {
  await engine?.close();
});

/** Deploys on a real engine: the server's validation is what decides what ProcessDesk runs. */
const deploy = (xml: string, name: string) => engine.engine.deploy([{ name: `${name}.bpmn`, content: xml }]);

describe(`Camunda ${CAMUNDA_VERSION} findings beside ProcessDesk's`, () => {
  test('a service task without a job type: Camunda’s implementation rule and ProcessDesk’s zeebe-task-type, both errors', async () => {
    const xml = diagram(`<bpmn:startEvent id="s" /><bpmn:serviceTask id="t" name="Notify" /><bpmn:endEvent id="e" />`, startEndAround('t'));
    const all = await lintDefinitions(await read(xml));
    expect(all).toContainEqual(expect.objectContaining({ id: 't', rule: 'camunda-compat/implementation', category: 'error' }));
    expect(all).toContainEqual(expect.objectContaining({ id: 't', rule: 'processdesk/zeebe-task-type', category: 'error' }));
    // with its job type both are satisfied
    const typed = diagram(
      `<bpmn:startEvent id="s" /><bpmn:serviceTask id="t" name="Notify"><bpmn:extensionElements><zeebe:taskDefinition type="notify" /></bpmn:extensionElements></bpmn:serviceTask><bpmn:endEvent id="e" />`,
      startEndAround('t'),
    );
    expect((await lintDefinitions(await read(typed))).filter((i) => i.id === 't' && i.rule !== 'no-bpmndi')).toEqual([]);
  });

  test('a call activity without a called process is an error only Camunda’s rules catch (called-element)', async () => {
    const xml = diagram(`<bpmn:startEvent id="s" /><bpmn:callActivity id="c" name="Approve" /><bpmn:endEvent id="e" />`, startEndAround('c'));
    const findings = await camundaFindings(xml);
    expect(findings).toEqual([
      expect.objectContaining({ id: 'c', rule: 'camunda-compat/called-element', category: 'error', message: expect.stringContaining('zeebe:CalledElement') }),
    ]);
    expect((await lintDefinitions(await read(xml))).filter((i) => i.id === 'c' && i.rule !== 'no-bpmndi' && !i.rule.startsWith('camunda-compat/'))).toEqual([]);
    await expect(deploy(xml, 'no-called-process')).rejects.toThrow(DeploymentError);
  });

  test('a FEEL condition that does not parse is an error (feel)', async () => {
    const inner = `<bpmn:startEvent id="s" /><bpmn:exclusiveGateway id="g" default="f3" /><bpmn:endEvent id="e" /><bpmn:endEvent id="e2" />`;
    const flows = (condition: string): [string, string, string, string?][] => [
      ['f1', 's', 'g'],
      ['f2', 'g', 'e', condition],
      ['f3', 'g', 'e2'],
    ];
    expect(await camundaFindings(diagram(inner, flows('=amount &gt;')))).toEqual([expect.objectContaining({ id: 'f2', rule: 'camunda-compat/feel', category: 'error' })]);
    expect(await camundaFindings(diagram(inner, flows('=amount &gt; 100')))).toEqual([]);
  });

  test('Camunda’s warnings stay warnings: a user task without a form (user-task-definition)', async () => {
    const xml = diagram(`<bpmn:startEvent id="s" />${userTask('t')}<bpmn:endEvent id="e" />`, startEndAround('t'));
    expect(await camundaFindings(xml)).toEqual([expect.objectContaining({ id: 't', rule: 'camunda-compat/user-task-definition', category: 'warn' })]);
  });

  test('a timer with an invalid expression: camunda-compat/timer, and the server refuses it on deploy', async () => {
    const xml = diagram(
      `<bpmn:startEvent id="s" />${userTask('t', '<zeebe:formDefinition formId="f" />')}<bpmn:boundaryEvent id="b" attachedToRef="t">${timerDef('timeDuration', 'one hour')}</bpmn:boundaryEvent><bpmn:endEvent id="e" />`,
      [...startEndAround('t'), ['f3', 'b', 'e']],
    );
    expect(await camundaFindings(xml)).toEqual([
      expect.objectContaining({ id: 'b', rule: 'camunda-compat/timer', category: 'warn', message: expect.stringContaining('one hour') }),
    ]);
    await expect(deploy(xml, 'bad-timer')).rejects.toMatchObject({ problems: [expect.objectContaining({ elementId: 'b', message: expect.stringContaining('one hour') })] });
  });
});

/**
 * Per rule graded down: a diagram ProcessDesk deploys that Camunda's rule flags. The rule name, the
 * diagram and the element the finding is on.
 */
const RUNS_HERE: [rule: string, factory: unknown, xml: string, element: string][] = [
  ['timer', timer, diagram(`<bpmn:startEvent id="s">${timerDef('timeDuration', 'PT1H')}</bpmn:startEvent><bpmn:endEvent id="e" />`, [['f1', 's', 'e']]), 's'],
  [
    'sequence-flow-condition',
    sequenceFlowCondition,
    diagram(`<bpmn:startEvent id="s" />${userTask('t')}<bpmn:endEvent id="e" /><bpmn:endEvent id="e2" />`, [
      ['f1', 's', 't'],
      ['f2', 't', 'e', '=urgent'],
      ['f3', 't', 'e2'],
    ]),
    'f2',
  ],
  [
    'loop-characteristics',
    loopCharacteristics,
    diagram(
      `<bpmn:startEvent id="s" />${userTask('t', '', '<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality xsi:type="bpmn:tFormalExpression">3</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>')}<bpmn:endEvent id="e" />`,
      startEndAround('t'),
    ),
    't',
  ],
  [
    'priority-definition',
    priorityDefinition,
    diagram(`<bpmn:startEvent id="s" />${userTask('t', '<zeebe:priorityDefinition priority="500" />')}<bpmn:endEvent id="e" />`, startEndAround('t')),
    't',
  ],
  [
    'event-based-gateway-target',
    eventBasedGatewayTarget,
    diagram(
      `<bpmn:startEvent id="s" /><bpmn:eventBasedGateway id="g" /><bpmn:receiveTask id="r" messageRef="m" /><bpmn:intermediateCatchEvent id="c">${timerDef('timeDuration', 'PT1H')}</bpmn:intermediateCatchEvent><bpmn:endEvent id="e" />`,
      [
        ['f1', 's', 'g'],
        ['f2', 'g', 'r'],
        ['f3', 'g', 'c'],
        ['f4', 'r', 'e'],
        ['f5', 'c', 'e'],
      ],
      '<bpmn:message id="m" name="answered"><bpmn:extensionElements><zeebe:subscription correlationKey="=ticket" /></bpmn:extensionElements></bpmn:message>',
    ),
    'r',
  ],
  [
    'no-loop',
    noLoop,
    diagram(
      `<bpmn:startEvent id="s" /><bpmn:exclusiveGateway id="g1" /><bpmn:callActivity id="c" name="Approve"><bpmn:extensionElements><zeebe:calledElement processId="approval" /></bpmn:extensionElements></bpmn:callActivity><bpmn:exclusiveGateway id="g2" default="f5" /><bpmn:endEvent id="e" />`,
      [
        ['f1', 's', 'g1'],
        ['f2', 'g1', 'c'],
        ['f3', 'c', 'g2'],
        ['f4', 'g2', 'g1', '=not(approved)'],
        ['f5', 'g2', 'e'],
      ],
    ),
    'p',
  ],
];

describe('where Camunda’s rule contradicts what ProcessDesk runs', () => {
  test.each(RUNS_HERE)('%s: ProcessDesk deploys the diagram; Camunda grades it an error, ProcessDesk’s lint a warning', async (rule, factory, xml, element) => {
    await deploy(xml, rule);
    expect(await asCamundaGrades(xml, rule, factory)).toEqual([{ id: element, rule: `camunda-compat/${rule}`, category: 'error' }]);
    const ours = (await camundaFindings(xml)).filter((f) => f.rule === `camunda-compat/${rule}`);
    expect(ours.map(({ id, rule, category }) => ({ id, rule, category }))).toEqual([{ id: element, rule: `camunda-compat/${rule}`, category: 'warn' }]);
  });

  test('zeebe-user-task: a user task without zeebe:userTask deploys and runs as any other; Camunda warns, ProcessDesk’s lint says nothing', async () => {
    const xml = diagram(
      `<bpmn:startEvent id="s" /><bpmn:userTask id="t" name="Work"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="desk" /><zeebe:formDefinition formId="f" /></bpmn:extensionElements></bpmn:userTask><bpmn:endEvent id="e" />`,
      startEndAround('t'),
    );
    await engine.engine.deploy([
      { name: 'job-user-task.bpmn', content: xml },
      { name: 'f.form', content: JSON.stringify({ id: 'f', type: 'default', components: [] }) },
    ]);
    expect(await asCamundaGrades(xml, 'zeebe-user-task', zeebeUserTask)).toEqual([{ id: 't', rule: 'camunda-compat/zeebe-user-task', category: 'warn' }]);
    expect(await camundaFindings(xml)).toEqual([]);
  });

  test('every rule of Camunda’s set is loaded, or off with its reason; each one graded apart from Camunda is listed in docs/web-app.md', () => {
    const rules = camundaRules();
    const camundaSet = camundaCompat.configs[`camunda-cloud-${CAMUNDA_VERSION.replace('.', '-')}`]!.rules;
    // every rule but bpmnlint's own start-event-required, which ProcessDesk's set has already
    expect(rules.map((r) => r.name).sort()).toEqual(
      Object.keys(camundaSet)
        .filter((r) => r !== 'bpmnlint/start-event-required')
        .sort(),
    );
    const apart = rules.filter((r) => r.category !== r.camundaCategory);
    for (const r of apart) expect(r.why?.length).toBeGreaterThan(30);
    expect(
      apart
        .filter((r) => r.category === 'warn')
        .map((r) => r.name)
        .sort(),
    ).toEqual(RUNS_HERE.map(([rule]) => rule).sort());
    // the rules of Camunda's connector for ad-hoc subprocesses are documented by their common prefix
    const docs = fs.readFileSync(path.join(ROOT, 'docs', 'web-app.md'), 'utf8');
    for (const r of apart) expect(docs).toContain(r.name.startsWith('agent-') ? '`agent-…`' : `\`${r.name}\``);
    // the rules graded as Camunda grades them are the large majority
    expect(rules.filter((r) => r.category === r.camundaCategory).length).toBeGreaterThan(30);
  });

  test('the Camunda version is the one of the Camunda client ProcessDesk’s /v2 API is tested against', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const installed = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', '@camunda8', 'orchestration-cluster-api', 'package.json'), 'utf8'));
    for (const version of [pkg.devDependencies['@camunda8/orchestration-cluster-api'] as string, installed.version as string])
      expect(version.split('.').slice(0, 2).join('.')).toBe(CAMUNDA_VERSION);
  });
});

test('the modeler’s starting diagram has no Camunda findings, so it is linted without them; `camunda: false` leaves them out', async () => {
  const start = await read(newDiagramXml('starting', 'Starting'));
  const all = await lintDefinitions(start);
  expect(all.filter((i) => i.rule.startsWith('camunda-compat/'))).toEqual([]);
  expect(await lintDefinitions(start, undefined, { camunda: false })).toEqual(all);

  const xml = diagram(`<bpmn:startEvent id="s" /><bpmn:callActivity id="c" name="Approve" /><bpmn:endEvent id="e" />`, startEndAround('c'));
  expect((await lintDefinitions(await read(xml))).some((i) => i.rule === 'camunda-compat/called-element')).toBe(true);
  expect((await lintDefinitions(await read(xml), undefined, { camunda: false })).filter((i) => i.rule.startsWith('camunda-compat/'))).toEqual([]);
});
