/** Features the conformance diagrams do not cover, read into the ProcessModel. */
import fs from 'fs';
import path from 'path';
import { parseBpmn } from '../../engine/bpmn/parse';
import type { ProcessModel } from '../../engine/bpmn/model';
import { START, definitions, doc, flow, message, process } from './helpers';

async function one(xml: string): Promise<ProcessModel> {
  const parsed = await parseBpmn(xml);
  expect(parsed.processes).toHaveLength(1);
  return parsed.processes[0];
}

const FIXTURES = path.resolve(__dirname, '../fixtures/bpmn');

test("zeebe extensions of tasks: job headers, retries as written (none: the type's default), io mappings, user task details", async () => {
  const m = await one(
    doc(`${START}
      <bpmn:serviceTask id="Svc">
        <bpmn:extensionElements>
          <zeebe:taskDefinition type="=&quot;svc-&quot; + kind" />
          <zeebe:taskHeaders><zeebe:header key="region" value="eu" /><zeebe:header key="empty" /></zeebe:taskHeaders>
          <zeebe:ioMapping>
            <zeebe:input source="=ticket.id" target="id" />
            <zeebe:output source="=result" target="out.result" />
          </zeebe:ioMapping>
          <camunda:properties><camunda:property name="ignored" value="yes" /></camunda:properties>
        </bpmn:extensionElements>
      </bpmn:serviceTask>
      <bpmn:userTask id="Approve" name="Approve">
        <bpmn:extensionElements>
          <zeebe:userTask />
          <zeebe:assignmentDefinition assignee="=owner" candidateGroups="cab, managers" candidateUsers="=[&quot;a&quot;]" />
          <zeebe:taskSchedule dueDate="=now() + duration(&quot;P1D&quot;)" followUpDate="2030-01-01T00:00:00Z" />
          <zeebe:formDefinition formId="approve-form" />
          <zeebe:priorityDefinition priority="80" />
        </bpmn:extensionElements>
      </bpmn:userTask>
      <bpmn:userTask id="External"><bpmn:extensionElements><zeebe:formDefinition externalReference="https://forms.example/x" /></bpmn:extensionElements></bpmn:userTask>
      <bpmn:sendTask id="Send"><bpmn:extensionElements><zeebe:taskDefinition type="mail" retries="5" /></bpmn:extensionElements></bpmn:sendTask>
      <bpmn:businessRuleTask id="Decide"><bpmn:extensionElements><zeebe:calledDecision decisionId="risk" resultVariable="risk" /></bpmn:extensionElements></bpmn:businessRuleTask>
      <bpmn:callActivity id="Call"><bpmn:extensionElements><zeebe:calledElement processId="=childId" propagateAllChildVariables="false" propagateAllParentVariables="false" /></bpmn:extensionElements></bpmn:callActivity>
      <bpmn:manualTask id="Manual" /><bpmn:task id="Plain" />
      ${flow('F1', 'Start', 'Svc')}${flow('F2', 'Svc', 'Approve')}${flow('F3', 'Approve', 'External')}${flow('F4', 'External', 'Send')}
      ${flow('F5', 'Send', 'Decide')}${flow('F6', 'Decide', 'Call')}${flow('F7', 'Call', 'Manual')}${flow('F8', 'Manual', 'Plain')}`),
  );
  expect(m.nodes.Svc).toMatchObject({
    kind: 'serviceTask',
    job: { type: '="svc-" + kind', headers: { region: 'eu', empty: '' } },
    inputs: [{ source: '=ticket.id', target: 'id' }],
    outputs: [{ source: '=result', target: 'out.result' }],
  });
  expect(m.nodes.Svc.job).not.toHaveProperty('retries');
  expect(m.nodes.Approve.userTask).toEqual({
    assignee: '=owner',
    candidateGroups: 'cab, managers',
    candidateUsers: '=["a"]',
    dueDate: '=now() + duration("P1D")',
    followUpDate: '2030-01-01T00:00:00Z',
    formId: 'approve-form',
    priority: '80',
  });
  expect(m.nodes.External.userTask).toEqual({ formKey: 'https://forms.example/x' });
  expect(m.nodes.Send.job).toEqual({ type: 'mail', retries: '5', headers: {} });
  expect(m.nodes.Decide.calledDecision).toEqual({ decisionId: 'risk', resultVariable: 'risk' });
  expect(m.nodes.Call.calledElement).toEqual({ processId: '=childId', propagateAllChildVariables: false, propagateAllParentVariables: false });
  expect(m.nodes.Manual.kind).toBe('manualTask');
  expect(m.nodes.Plain.kind).toBe('task');
  expect(m.nodes.Plain.outgoing).toEqual([]); // implicit end is fine
});

test('event subprocesses, event starts and event definitions', async () => {
  const m = await one(
    doc(
      `<bpmn:startEvent id="Start" />
      <bpmn:startEvent id="OnMail"><bpmn:messageEventDefinition messageRef="MailMsg" /></bpmn:startEvent>
      <bpmn:startEvent id="Nightly"><bpmn:timerEventDefinition><bpmn:timeCycle>R/PT24H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
      <bpmn:startEvent id="OnAlarm"><bpmn:signalEventDefinition signalRef="Alarm" /></bpmn:startEvent>
      <bpmn:intermediateCatchEvent id="Until"><bpmn:timerEventDefinition><bpmn:timeDate>=deadline</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
      <bpmn:intermediateThrowEvent id="Raise"><bpmn:escalationEventDefinition escalationRef="Esc" /></bpmn:intermediateThrowEvent>
      <bpmn:intermediateThrowEvent id="GoTo"><bpmn:linkEventDefinition name="jump" /></bpmn:intermediateThrowEvent>
      <bpmn:intermediateCatchEvent id="Landing"><bpmn:linkEventDefinition name="jump" /></bpmn:intermediateCatchEvent>
      <bpmn:endEvent id="Fail"><bpmn:errorEventDefinition errorRef="Err" /></bpmn:endEvent>
      <bpmn:endEvent id="Shout"><bpmn:signalEventDefinition signalRef="Alarm" /></bpmn:endEvent>
      <bpmn:subProcess id="OnError" triggeredByEvent="true">
        <bpmn:startEvent id="CatchAll"><bpmn:errorEventDefinition /></bpmn:startEvent>
      </bpmn:subProcess>
      <bpmn:subProcess id="OnUpdate" triggeredByEvent="true">
        <bpmn:startEvent id="Update" isInterrupting="false"><bpmn:messageEventDefinition messageRef="UpdateMsg" /></bpmn:startEvent>
        <bpmn:userTask id="Review" />
        ${flow('FU', 'Update', 'Review')}
      </bpmn:subProcess>
      <bpmn:subProcess id="OnEsc" triggeredByEvent="true">
        <bpmn:startEvent id="EscStart"><bpmn:escalationEventDefinition /></bpmn:startEvent>
      </bpmn:subProcess>
      ${flow('F1', 'Start', 'Until')}${flow('F2', 'Until', 'Raise')}${flow('F3', 'Raise', 'GoTo')}${flow('F4', 'Landing', 'Fail')}`,
      message('MailMsg', 'Mail'),
      message('UpdateMsg', 'Update', '=ticketId'),
      '<bpmn:signal id="Alarm" name="alarm" />',
      '<bpmn:escalation id="Esc" escalationCode="LATE" />',
      '<bpmn:error id="Err" errorCode="=code" name="Failure" />',
    ),
  );
  expect(m.eventStarts).toEqual(['OnMail', 'Nightly', 'OnAlarm']);
  expect(m.scopes.P.startEvents).toEqual(['Start']);
  expect(m.scopes.P.eventSubProcesses).toEqual(['OnError', 'OnUpdate', 'OnEsc']);
  expect(m.nodes.OnMail.event).toEqual({ kind: 'message', messageName: 'Mail' });
  expect(m.nodes.Nightly.event).toEqual({ kind: 'timer', timer: { type: 'cycle', expression: 'R/PT24H' } });
  expect(m.nodes.OnAlarm.event).toEqual({ kind: 'signal', signalName: 'alarm' });
  expect(m.nodes.Until.event).toEqual({ kind: 'timer', timer: { type: 'date', expression: '=deadline' } });
  expect(m.nodes.Raise.event).toEqual({ kind: 'escalation', escalationCode: 'LATE' });
  expect(m.nodes.GoTo.event).toEqual({ kind: 'link', linkName: 'jump' });
  expect(m.nodes.Fail.event).toEqual({ kind: 'error', errorCode: '=code', errorMessage: 'Failure' });
  expect(m.nodes.Shout.event).toEqual({ kind: 'signal', signalName: 'alarm' });
  expect(m.nodes.OnError).toMatchObject({ kind: 'subProcess', triggeredByEvent: true, scope: 'P' });
  expect(m.scopes.OnError).toEqual({ id: 'OnError', kind: 'eventSubProcess', parent: 'P', nodes: ['CatchAll'], startEvents: ['CatchAll'], eventSubProcesses: [] });
  expect(m.nodes.CatchAll).toMatchObject({ event: { kind: 'error' }, isInterrupting: true, scope: 'OnError' });
  expect(m.nodes.CatchAll.event).toEqual({ kind: 'error' }); // no code: catch all
  expect(m.nodes.Update).toMatchObject({ isInterrupting: false, event: { kind: 'message', messageName: 'Update', correlationKey: '=ticketId' } });
  expect(m.nodes.EscStart.event).toEqual({ kind: 'escalation' });
  expect(m.nodes.Start.isInterrupting).toBeUndefined();
});

test('multi-instance: sequential with cardinality and completion condition', async () => {
  const m = await one(
    doc(`${START}<bpmn:userTask id="Vote"><bpmn:multiInstanceLoopCharacteristics isSequential="true">
        <bpmn:loopCardinality>3</bpmn:loopCardinality>
        <bpmn:completionCondition xsi:type="bpmn:tFormalExpression">=count(votes) &gt;= 2</bpmn:completionCondition>
      </bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>${flow('F', 'Start', 'Vote')}`),
  );
  expect(m.nodes.Vote.loop).toEqual({ sequential: true, cardinality: '3', completionCondition: '=count(votes) >= 2' });
});

test('boundary events in document order, nested subprocess scopes', async () => {
  const m = await one(
    doc(`${START}
      <bpmn:subProcess id="Outer">
        <bpmn:startEvent id="OS" />
        <bpmn:subProcess id="Inner"><bpmn:startEvent id="IS" /><bpmn:task id="Deep" />${flow('FI', 'IS', 'Deep')}</bpmn:subProcess>
        <bpmn:boundaryEvent id="B2" attachedToRef="Inner" cancelActivity="false"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
        ${flow('FO', 'OS', 'Inner')}
      </bpmn:subProcess>
      <bpmn:boundaryEvent id="B1" attachedToRef="Outer"><bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
      <bpmn:boundaryEvent id="B0" attachedToRef="Outer"><bpmn:escalationEventDefinition /></bpmn:boundaryEvent>
      ${flow('F', 'Start', 'Outer')}`),
  );
  expect(m.nodes.Outer.boundaries).toEqual(['B1', 'B0']);
  expect(m.nodes.Inner.boundaries).toEqual(['B2']);
  expect(m.nodes.B2).toMatchObject({ scope: 'Outer', cancelActivity: false, attachedTo: 'Inner' });
  expect(m.scopes.Inner).toMatchObject({ kind: 'subProcess', parent: 'Outer', nodes: ['IS', 'Deep'] });
  expect(m.nodes.Deep.scope).toBe('Inner');
  expect(m.scopes.P.nodes).toEqual(['Start', 'Outer', 'B1', 'B0']);
});

test('non-executable processes are skipped; a lone process without isExecutable is executable', async () => {
  const start = (id: string): string => `<bpmn:startEvent id="${id}" />`;
  const both = await parseBpmn(definitions(process(start('S1'), 'Run'), process(start('S2'), 'Doc', 'isExecutable="false"'), process(start('S3'), 'Unset', '')));
  expect(both.processes.map((p) => p.id)).toEqual(['Run']);
  expect(both.skipped).toEqual(['Doc', 'Unset']);
  const lone = await parseBpmn(definitions(process(START, 'Lone', '')));
  expect(lone.processes.map((p) => p.id)).toEqual(['Lone']);
  const none = await parseBpmn(definitions(process(START, 'Doc', 'isExecutable="false"')));
  expect(none).toEqual({ processes: [], skipped: ['Doc'] });
});

test('collaborations: participants reference their processes; lanes, artifacts, data and documentation are ignored', async () => {
  const xml = fs.readFileSync(path.join(FIXTURES, 'collaboration.bpmn'), 'utf8');
  const parsed = await parseBpmn(xml);
  expect(parsed.processes.map((p) => p.id)).toEqual(['Support']);
  expect(parsed.skipped).toEqual(['Customer']);
  const m = parsed.processes[0];
  expect(m.name).toBe('Support desk');
  expect(m.versionTag).toBe('v7');
  expect(Object.keys(m.nodes)).toEqual(['Start', 'Handle', 'End']);
  expect(m.nodes.Handle).toMatchObject({ kind: 'userTask', incoming: ['F1'], outgoing: ['F2'] });
});
