/** Every conformance diagram parses; the shape of each is spot-checked. */
import fs from 'fs';
import path from 'path';
import { parseBpmn, type ParsedDefinitions } from '../../engine/bpmn/parse';
import type { ProcessModel } from '../../engine/bpmn/model';

import { CONFORMANCE_DIR as DIR, describeShared, sharedAvailable } from '../support/paths';

const files = sharedAvailable(DIR) ? fs.readdirSync(DIR).filter((f) => f.endsWith('.bpmn')) : [];

async function load(file: string): Promise<ParsedDefinitions> {
  return parseBpmn(fs.readFileSync(path.join(DIR, file), 'utf8'));
}

async function single(file: string): Promise<ProcessModel> {
  const parsed = await load(file);
  expect(parsed.processes).toHaveLength(1);
  return parsed.processes[0];
}

/** Invariants every model must satisfy, whatever the diagram. */
function expectConsistent(model: ProcessModel): void {
  expect(JSON.parse(JSON.stringify(model))).toEqual(model);
  expect(model.scopes[model.id]).toMatchObject({ id: model.id, kind: 'process' });
  for (const node of Object.values(model.nodes)) {
    expect(model.scopes[node.scope].nodes).toContain(node.id);
    for (const f of node.outgoing) expect(model.flows[f].sourceRef).toBe(node.id);
    for (const f of node.incoming) expect(model.flows[f].targetRef).toBe(node.id);
    for (const b of node.boundaries ?? []) expect(model.nodes[b].attachedTo).toBe(node.id);
  }
  for (const flow of Object.values(model.flows)) {
    expect(model.nodes[flow.sourceRef].outgoing).toContain(flow.id);
    expect(model.nodes[flow.targetRef].incoming).toContain(flow.id);
    expect(model.nodes[flow.sourceRef].scope).toBe(model.nodes[flow.targetRef].scope);
  }
  for (const scope of Object.values(model.scopes)) {
    if (scope.parent) expect(model.scopes[scope.parent]).toBeDefined();
    for (const s of scope.startEvents) expect(model.nodes[s].kind).toBe('startEvent');
  }
}

describeShared(DIR, 'conformance diagrams', () => {
  test('the conformance folder has diagrams', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  test.each(files)('%s parses into a consistent model', async (file) => {
    const parsed = await load(file);
    expect(parsed.processes.length).toBeGreaterThan(0);
    expect(parsed.skipped).toEqual([]);
    for (const model of parsed.processes) expectConsistent(model);
  });

  test('wcp01-sequence: kinds, flows, scope', async () => {
    const m = await single('wcp01-sequence.bpmn');
    expect(m).toMatchObject({ id: 'wcp01', name: 'Sequence', eventStarts: [] });
    expect(m.scopes.wcp01).toEqual({ id: 'wcp01', kind: 'process', nodes: ['Start', 'A', 'B', 'End'], startEvents: ['Start'], eventSubProcesses: [] });
    expect(m.nodes.A).toEqual({
      id: 'A',
      kind: 'userTask',
      name: 'Log ticket',
      scope: 'wcp01',
      incoming: ['F_Start_A'],
      outgoing: ['F_A_B'],
      userTask: { candidateGroups: 'service-desk' },
    });
    expect(m.nodes.Start.event).toEqual({ kind: 'none' });
    expect(m.nodes.End).toMatchObject({ kind: 'endEvent', incoming: ['F_B_End'], outgoing: [] });
    expect(m.flows.F_A_B).toEqual({ id: 'F_A_B', sourceRef: 'A', targetRef: 'B' });
  });

  test('wcp02-parallel: split and join', async () => {
    const m = await single('wcp02-parallel.bpmn');
    expect(m.nodes.Split).toMatchObject({ kind: 'parallelGateway', outgoing: ['F_Split_A', 'F_Split_B'] });
    expect(m.nodes.Join).toMatchObject({ kind: 'parallelGateway', incoming: ['F_A_Join', 'F_B_Join'], outgoing: ['F_Join_C'] });
  });

  test('wcp04-exclusive: default flow and condition', async () => {
    const m = await single('wcp04-exclusive.bpmn');
    expect(m.nodes.Choice).toMatchObject({ kind: 'exclusiveGateway', defaultFlow: 'F_Choice_Low' });
    expect(m.flows.F_Choice_High.condition).toBe('=priority <= 2');
    expect(m.flows.F_Choice_Low.condition).toBeUndefined();
  });

  test('wcp06-inclusive: inclusive fork with conditions and a default', async () => {
    const m = await single('wcp06-inclusive.bpmn');
    expect(m.nodes.Fork).toMatchObject({ kind: 'inclusiveGateway', defaultFlow: 'F_Fork_Desk' });
    expect(m.nodes.Sync).toMatchObject({ kind: 'inclusiveGateway', incoming: ['F_Net_Sync', 'F_Db_Sync', 'F_Desk_Sync'] });
    expect(m.flows.F_Fork_Net.condition).toBe('=list contains(affected, "network")');
  });

  test('wcp10-cycle: a loop back through the merge gateway', async () => {
    const m = await single('wcp10-cycle.bpmn');
    expect(m.nodes.Merge.incoming).toEqual(['F_Start_Merge', 'F_Ok_Merge']);
    expect(m.nodes.Ok.defaultFlow).toBe('F_Ok_Merge');
    expect(m.flows.F_Ok_End.condition).toBe('=fixed = true');
  });

  test('wcp16-deferred-choice: event-based gateway, message and timer catch events', async () => {
    const m = await single('wcp16-deferred-choice.bpmn');
    expect(m.nodes.Wait).toMatchObject({ kind: 'eventBasedGateway', outgoing: ['F_Wait_Reply', 'F_Wait_Timeout'] });
    expect(m.nodes.Reply).toMatchObject({
      kind: 'intermediateCatchEvent',
      event: { kind: 'message', messageName: 'CustomerReply', correlationKey: '=ticketId' },
    });
    expect(m.nodes.Timeout.event).toEqual({ kind: 'timer', timer: { type: 'duration', expression: 'PT1S' } });
  });

  test('call-activity: two processes, called element with propagation defaults', async () => {
    const parsed = await load('call-activity.bpmn');
    expect(parsed.processes.map((p) => p.id)).toEqual(['parentProc', 'childProc']);
    const parent = parsed.processes[0];
    expect(parent.nodes.Child).toMatchObject({
      kind: 'callActivity',
      calledElement: { processId: 'childProc', propagateAllChildVariables: true, propagateAllParentVariables: true },
    });
    expect(parsed.processes[1].scopes.childProc.startEvents).toEqual(['CStart']);
  });

  test('job-error-boundary: job definition and error boundary', async () => {
    const m = await single('job-error-boundary.bpmn');
    expect(m.nodes.Lookup).toMatchObject({
      kind: 'serviceTask',
      job: { type: 'cmdb-lookup', headers: {} },
      boundaries: ['NotFound'],
    });
    expect(m.nodes.NotFound).toMatchObject({
      kind: 'boundaryEvent',
      attachedTo: 'Lookup',
      cancelActivity: true,
      scope: 'jobError',
      incoming: [],
      outgoing: ['F_NotFound_Manual'],
      event: { kind: 'error', errorCode: 'NOT_FOUND' },
    });
    expect(m.scopes.jobError.nodes).toContain('NotFound');
  });

  test('message-catch: message name and correlation key from the zeebe subscription', async () => {
    const m = await single('message-catch.bpmn');
    expect(m.nodes.WaitVendor.event).toEqual({ kind: 'message', messageName: 'VendorFixed', correlationKey: '=vendorCase' });
  });

  test('multi-instance-parallel: zeebe loop characteristics', async () => {
    const m = await single('multi-instance-parallel.bpmn');
    expect(m.nodes.Vote.loop).toEqual({
      sequential: false,
      inputCollection: '=cab',
      inputElement: 'member',
      outputCollection: 'votes',
      outputElement: '=vote',
    });
    expect(m.nodes.Vote.userTask).toEqual({ assignee: '=member' });
  });

  test('reminder-non-interrupting: non-interrupting timer boundary', async () => {
    const m = await single('reminder-non-interrupting.bpmn');
    expect(m.nodes.Remind).toMatchObject({ attachedTo: 'Approve', cancelActivity: false, event: { kind: 'timer', timer: { type: 'duration', expression: 'PT1S' } } });
    expect(m.nodes.Approve.boundaries).toEqual(['Remind']);
  });

  test('sla-boundary-timer: interrupting timer boundary', async () => {
    const m = await single('sla-boundary-timer.bpmn');
    expect(m.nodes.Breach).toMatchObject({ attachedTo: 'Resolve', cancelActivity: true });
    expect(m.nodes.Escalate.userTask).toEqual({ candidateGroups: 'network' });
  });

  test('script-task: FEEL script and result variable', async () => {
    const m = await single('script-task.bpmn');
    expect(m.nodes.Prio.script).toEqual({
      expression: '=if impact = 1 and urgency = 1 then 1 else if impact + urgency <= 3 then 2 else 3',
      resultVariable: 'priority',
    });
    expect(m.nodes.Prio.job).toBeUndefined();
  });

  test('subprocess-cancel: subprocess scope and a message boundary on it', async () => {
    const m = await single('subprocess-cancel.bpmn');
    expect(m.scopes.Fulfil).toEqual({
      id: 'Fulfil',
      kind: 'subProcess',
      parent: 'subCancel',
      nodes: ['SStart', 'Order', 'Install', 'SEnd'],
      startEvents: ['SStart'],
      eventSubProcesses: [],
    });
    expect(m.scopes.subCancel.nodes).toEqual(['Start', 'Fulfil', 'Withdrawn', 'Notify', 'Done', 'Cancelled']);
    expect(m.nodes.Fulfil).toMatchObject({ kind: 'subProcess', triggeredByEvent: false, boundaries: ['Withdrawn'] });
    expect(m.nodes.Order.scope).toBe('Fulfil');
    expect(m.nodes.Withdrawn).toMatchObject({ attachedTo: 'Fulfil', event: { kind: 'message', messageName: 'Withdraw', correlationKey: '=requestId' } });
  });

  test('terminate-end: terminate end event', async () => {
    const m = await single('terminate-end.bpmn');
    expect(m.nodes.T.event).toEqual({ kind: 'terminate' });
    expect(m.nodes.EB.event).toEqual({ kind: 'none' });
  });
});
