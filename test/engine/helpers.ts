/**
 * Small builders for BPMN test diagrams (real XML, parsed by the real parser) and assertions on a
 * running engine, shared by the engine scenario tests in this folder.
 */
import type { Engine } from '../../engine';
import type { JobRow, TaskRow } from '../../engine/store/types';
import { eventually, tempEngine } from '../support/engine';
import { offsetClock, type TestClock } from '../support/clock';

export { eventually };

// ---- XML builders ------------------------------------------------------------------------------

const NAMESPACES =
  'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
  'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" ' +
  'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" ' +
  'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" ' +
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
  'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"';

/** Escapes a value for an XML attribute or text node. */
export function esc(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A bpmn:definitions document around root elements (processes, messages, errors, signals...). */
export function definitions(...roots: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions ${NAMESPACES} id="Defs" targetNamespace="http://processdesk.test">\n${roots.join('\n')}\n</bpmn:definitions>`;
}

/** An executable process. */
export function processEl(id: string, ...body: string[]): string {
  return `<bpmn:process id="${id}" isExecutable="true">\n${body.join('\n')}\n</bpmn:process>`;
}

/** A document with one executable process `id` and optional extra root elements. */
export function bpmn(id: string, body: string[], roots: string[] = []): string {
  return definitions(...roots, processEl(id, ...body));
}

export function flow(id: string, source: string, target: string, condition?: string): string {
  if (condition === undefined) return `<bpmn:sequenceFlow id="${id}" sourceRef="${source}" targetRef="${target}" />`;
  return `<bpmn:sequenceFlow id="${id}" sourceRef="${source}" targetRef="${target}"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${esc(condition)}</bpmn:conditionExpression></bpmn:sequenceFlow>`;
}

/** Sequence flows chaining the given element ids, named `F_a_b`. */
export function chain(...ids: string[]): string {
  const out: string[] = [];
  for (let i = 1; i < ids.length; i++) out.push(flow(`F_${ids[i - 1]}_${ids[i]}`, ids[i - 1], ids[i]));
  return out.join('\n');
}

export const startEvent = (id = 'Start', inner = ''): string => `<bpmn:startEvent id="${id}">${inner}</bpmn:startEvent>`;
export const endEvent = (id = 'End', inner = ''): string => `<bpmn:endEvent id="${id}">${inner}</bpmn:endEvent>`;

/** Extension elements: zeebe:ioMapping from inputs/outputs as [source, target] pairs. */
export function ioMapping(inputs: [string, string][] = [], outputs: [string, string][] = []): string {
  if (!inputs.length && !outputs.length) return '';
  return `<zeebe:ioMapping>${inputs.map(([s, t]) => `<zeebe:input source="${esc(s)}" target="${t}" />`).join('')}${outputs
    .map(([s, t]) => `<zeebe:output source="${esc(s)}" target="${t}" />`)
    .join('')}</zeebe:ioMapping>`;
}

export interface UserTaskOptions {
  name?: string;
  assignee?: string;
  candidateGroups?: string;
  candidateUsers?: string;
  dueDate?: string;
  followUpDate?: string;
  inputs?: [string, string][];
  outputs?: [string, string][];
  /** Extra child elements after extensionElements (e.g. multiInstanceLoopCharacteristics). */
  inner?: string;
}

/** A Camunda user task (`zeebe:userTask`) with optional assignment, schedule and io mapping. */
export function userTask(id: string, o: UserTaskOptions = {}): string {
  const attrs = (pairs: [string, string | undefined][]) =>
    pairs
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => ` ${k}="${esc(v!)}"`)
      .join('');
  const assignment = attrs([
    ['assignee', o.assignee],
    ['candidateGroups', o.candidateGroups],
    ['candidateUsers', o.candidateUsers],
  ]);
  const schedule = attrs([
    ['dueDate', o.dueDate],
    ['followUpDate', o.followUpDate],
  ]);
  return (
    `<bpmn:userTask id="${id}"${o.name ? ` name="${esc(o.name)}"` : ''}><bpmn:extensionElements><zeebe:userTask />` +
    (assignment ? `<zeebe:assignmentDefinition${assignment} />` : '') +
    (schedule ? `<zeebe:taskSchedule${schedule} />` : '') +
    ioMapping(o.inputs, o.outputs) +
    `</bpmn:extensionElements>${o.inner ?? ''}</bpmn:userTask>`
  );
}

export interface JobTaskOptions {
  retries?: string;
  headers?: Record<string, string>;
  inputs?: [string, string][];
  outputs?: [string, string][];
  inner?: string;
}

/** A job-worker task (service by default; also send, businessRule, script) with a zeebe:taskDefinition. */
export function jobTask(id: string, type: string, o: JobTaskOptions = {}, kind: 'serviceTask' | 'sendTask' | 'businessRuleTask' | 'scriptTask' = 'serviceTask'): string {
  const headers = o.headers
    ? `<zeebe:taskHeaders>${Object.entries(o.headers)
        .map(([k, v]) => `<zeebe:header key="${esc(k)}" value="${esc(v)}" />`)
        .join('')}</zeebe:taskHeaders>`
    : '';
  return (
    `<bpmn:${kind} id="${id}"><bpmn:extensionElements><zeebe:taskDefinition type="${esc(type)}"${o.retries ? ` retries="${esc(o.retries)}"` : ''} />` +
    headers +
    ioMapping(o.inputs, o.outputs) +
    `</bpmn:extensionElements>${o.inner ?? ''}</bpmn:${kind}>`
  );
}

export const serviceTask = (id: string, type: string, o: JobTaskOptions = {}): string => jobTask(id, type, o, 'serviceTask');

/** A FEEL script task. */
export function scriptTask(id: string, expression: string, resultVariable: string, inner = ''): string {
  return `<bpmn:scriptTask id="${id}"><bpmn:extensionElements><zeebe:script expression="${esc(expression)}" resultVariable="${resultVariable}" /></bpmn:extensionElements>${inner}</bpmn:scriptTask>`;
}

export const plainTask = (id: string, inner = ''): string => `<bpmn:task id="${id}">${inner}</bpmn:task>`;

/** A bpmn:message with a zeebe:subscription correlation key (omit the key for start messages). */
export function messageDef(id: string, name: string, correlationKey?: string): string {
  if (correlationKey === undefined) return `<bpmn:message id="${id}" name="${name}" />`;
  return `<bpmn:message id="${id}" name="${name}"><bpmn:extensionElements><zeebe:subscription correlationKey="${esc(correlationKey)}" /></bpmn:extensionElements></bpmn:message>`;
}
export const errorDef = (id: string, code: string): string => `<bpmn:error id="${id}" name="${code}" errorCode="${code}" />`;
export const escalationDef = (id: string, code: string): string => `<bpmn:escalation id="${id}" name="${code}" escalationCode="${code}" />`;
export const signalDef = (id: string, name: string): string => `<bpmn:signal id="${id}" name="${name}" />`;

/** Event definitions, to put inside events. */
export const timerDuration = (expr: string): string =>
  `<bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">${esc(expr)}</bpmn:timeDuration></bpmn:timerEventDefinition>`;
export const timerDate = (expr: string): string =>
  `<bpmn:timerEventDefinition><bpmn:timeDate xsi:type="bpmn:tFormalExpression">${esc(expr)}</bpmn:timeDate></bpmn:timerEventDefinition>`;
export const timerCycle = (expr: string): string =>
  `<bpmn:timerEventDefinition><bpmn:timeCycle xsi:type="bpmn:tFormalExpression">${esc(expr)}</bpmn:timeCycle></bpmn:timerEventDefinition>`;
export const messageRef = (ref: string): string => `<bpmn:messageEventDefinition messageRef="${ref}" />`;
export const signalRef = (ref: string): string => `<bpmn:signalEventDefinition signalRef="${ref}" />`;
export const errorRef = (ref?: string): string => (ref ? `<bpmn:errorEventDefinition errorRef="${ref}" />` : '<bpmn:errorEventDefinition />');
export const escalationRef = (ref?: string): string => (ref ? `<bpmn:escalationEventDefinition escalationRef="${ref}" />` : '<bpmn:escalationEventDefinition />');
export const terminate = '<bpmn:terminateEventDefinition />';
export const link = (name: string): string => `<bpmn:linkEventDefinition name="${name}" />`;

export function boundary(id: string, attachedTo: string, definition: string, interrupting = true): string {
  return `<bpmn:boundaryEvent id="${id}" attachedToRef="${attachedTo}"${interrupting ? '' : ' cancelActivity="false"'}>${definition}</bpmn:boundaryEvent>`;
}
export const catchEvent = (id: string, definition: string): string => `<bpmn:intermediateCatchEvent id="${id}">${definition}</bpmn:intermediateCatchEvent>`;
export const throwEvent = (id: string, definition = ''): string => `<bpmn:intermediateThrowEvent id="${id}">${definition}</bpmn:intermediateThrowEvent>`;

export function subProcess(id: string, ...body: string[]): string {
  return `<bpmn:subProcess id="${id}">\n${body.join('\n')}\n</bpmn:subProcess>`;
}
export function eventSubProcess(id: string, ...body: string[]): string {
  return `<bpmn:subProcess id="${id}" triggeredByEvent="true">\n${body.join('\n')}\n</bpmn:subProcess>`;
}
/** The start event of an event subprocess. */
export function esStart(id: string, definition: string, interrupting = true): string {
  return `<bpmn:startEvent id="${id}"${interrupting ? '' : ' isInterrupting="false"'}>${definition}</bpmn:startEvent>`;
}

export function gateway(kind: 'exclusive' | 'parallel' | 'inclusive' | 'eventBased', id: string, defaultFlow?: string): string {
  return `<bpmn:${kind}Gateway id="${id}"${defaultFlow ? ` default="${defaultFlow}"` : ''} />`;
}

export function callActivity(
  id: string,
  processId: string,
  o: { propagateAllChildVariables?: boolean; inputs?: [string, string][]; outputs?: [string, string][]; inner?: string } = {},
): string {
  const prop = o.propagateAllChildVariables === undefined ? '' : ` propagateAllChildVariables="${o.propagateAllChildVariables}"`;
  return `<bpmn:callActivity id="${id}"><bpmn:extensionElements><zeebe:calledElement processId="${processId}"${prop} />${ioMapping(o.inputs, o.outputs)}</bpmn:extensionElements>${o.inner ?? ''}</bpmn:callActivity>`;
}

/** multiInstanceLoopCharacteristics with zeebe:loopCharacteristics. */
export function multiInstance(o: {
  sequential?: boolean;
  inputCollection?: string;
  inputElement?: string;
  outputCollection?: string;
  outputElement?: string;
  completionCondition?: string;
  cardinality?: string;
}): string {
  const attrs = (['inputCollection', 'inputElement', 'outputCollection', 'outputElement'] as const)
    .filter((k) => o[k] !== undefined)
    .map((k) => ` ${k}="${esc(o[k]!)}"`)
    .join('');
  return (
    `<bpmn:multiInstanceLoopCharacteristics${o.sequential ? ' isSequential="true"' : ''}>` +
    (attrs ? `<bpmn:extensionElements><zeebe:loopCharacteristics${attrs} /></bpmn:extensionElements>` : '') +
    (o.cardinality ? `<bpmn:loopCardinality xsi:type="bpmn:tFormalExpression">${esc(o.cardinality)}</bpmn:loopCardinality>` : '') +
    (o.completionCondition ? `<bpmn:completionCondition xsi:type="bpmn:tFormalExpression">${esc(o.completionCondition)}</bpmn:completionCondition>` : '') +
    `</bpmn:multiInstanceLoopCharacteristics>`
  );
}

// ---- engine harness ----------------------------------------------------------------------------

export type TestEngine = Awaited<ReturnType<typeof tempEngine>> & {
  /** The engine's clock: real time, moved forward by `timePasses` (test/support/clock.ts). */
  time: TestClock;
};

/** Registers beforeEach/afterEach that give each test a fresh temp engine; read it via the getter. */
export function useEngine(): () => TestEngine {
  let current: TestEngine | undefined;
  beforeEach(async () => {
    const time = offsetClock();
    current = { ...(await tempEngine({ clock: time.clock })), time };
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('no engine: useEngine() must be called inside describe');
    return current;
  };
}

let deployCounter = 0;
export async function deployXml(engine: Engine, ...xmls: string[]) {
  return engine.deploy(xmls.map((content) => ({ name: `test-${++deployCounter}.bpmn`, content })));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * `ms` pass on the engine's clock: the scheduler (polling it every 10 ms) fires what came due, and the
 * work that caused is done. Instead of sleeping through a timer.
 */
export async function timePasses(t: TestEngine, ms: number): Promise<void> {
  t.time.advance(ms);
  await sleep(50);
  await t.engine.idle();
}

/** Element ids of the open (created) tasks of an instance, sorted. */
export async function openTasks(engine: Engine, instanceId: string): Promise<string[]> {
  return (await engine.listTasks({ instanceId, state: 'created', limit: 1000 })).items.map((t) => t.elementId).sort();
}

export async function tasksOf(engine: Engine, instanceId: string): Promise<TaskRow[]> {
  return (await engine.listTasks({ instanceId, limit: 1000 })).items;
}

/** Waits for an open task of the element and returns it. */
export async function waitTask(engine: Engine, instanceId: string, elementId: string, ms = 3000): Promise<TaskRow> {
  return eventually(async () => {
    const t = (await engine.listTasks({ instanceId, state: 'created', limit: 1000 })).items.find((x) => x.elementId === elementId);
    if (!t) throw new Error(`no open task ${elementId} in ${instanceId}; open: ${(await openTasks(engine, instanceId)).join(', ')}`);
    return t;
  }, ms);
}

/** Completes the (first) open task of the element. */
export async function complete(engine: Engine, instanceId: string, elementId: string, variables: Record<string, unknown> = {}): Promise<TaskRow> {
  const t = await waitTask(engine, instanceId, elementId);
  return engine.completeTask(t.id, variables, 'tester');
}

/** Activates one job of the type (waiting for it to appear). */
export async function activateOne(engine: Engine, type: string, ms = 3000, lockMs = 10_000): Promise<JobRow> {
  return eventually(async () => {
    const [j] = await engine.activateJobs({ type, worker: 'tester', maxJobs: 1, lockMs });
    if (!j) throw new Error(`no activatable job of type ${type}`);
    return j;
  }, ms);
}

/** How many times each element completed, from history. */
export async function completedCounts(engine: Engine, instanceId: string): Promise<Record<string, number>> {
  return countEvents(engine, instanceId, 'element.completed');
}

export async function countEvents(engine: Engine, instanceId: string, type: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const e of await engine.getHistory(instanceId)) if (e.type === type && e.elementId) counts[e.elementId] = (counts[e.elementId] ?? 0) + 1;
  return counts;
}

/** Expects the given element.completed counts (0 allowed: not completed). */
export async function expectCounts(engine: Engine, instanceId: string, expected: Record<string, number>): Promise<void> {
  const counts = await completedCounts(engine, instanceId);
  const got: Record<string, number> = {};
  for (const k of Object.keys(expected)) got[k] = counts[k] ?? 0;
  expect(got).toEqual(expected);
}

export async function expectState(engine: Engine, instanceId: string, state: string, ms = 3000): Promise<void> {
  await eventually(async () => expect((await engine.getInstance(instanceId)).state).toBe(state), ms);
}

export async function expectValidHistory(engine: Engine, ...instanceIds: string[]): Promise<void> {
  for (const id of instanceIds) {
    const result = await engine.verifyHistory(id);
    expect(result).toMatchObject({ valid: true });
  }
}

/** Children of an instance (call activities), after outbox dispatch. */
export async function childrenOf(engine: Engine, parentInstanceId: string) {
  await engine.idle();
  return (await engine.listInstances({ parentInstanceId, limit: 1000 })).items;
}

/** Expects a promise to reject with an EngineError of `code`. */
export async function expectEngineError(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}
