/**
 * One small diagram per refusal reason: the DeploymentError must name the element and say why.
 * `doc(content, ...roots)` wraps the content in an executable process "P".
 */
import { parseBpmn } from '../../engine/bpmn/parse';
import { START, definitions, doc, expectProblem, flow, message, process, refusal } from './helpers';

const timer = (body = '<bpmn:timeDuration>PT1H</bpmn:timeDuration>'): string => `<bpmn:timerEventDefinition>${body}</bpmn:timerEventDefinition>`;
const task = (id: string): string => `<bpmn:userTask id="${id}" />`;
const ext = (inner: string): string => `<bpmn:extensionElements>${inner}</bpmn:extensionElements>`;
const job = (type = 'work'): string => ext(`<zeebe:taskDefinition type="${type}" />`);
const KEYED = message('Msg', 'Ping', '=key');

type Case = [name: string, xml: string, elementId: string | undefined, text: string];

const cases: Case[] = [
  // unsupported element types
  ['complex gateway', doc(`${START}<bpmn:complexGateway id="Cx" />${flow('F', 'Start', 'Cx')}`), 'Cx', 'complex gateways are not supported'],
  ['transaction', doc(`${START}<bpmn:transaction id="Tx"><bpmn:startEvent id="TS" /></bpmn:transaction>`), 'Tx', 'transactions'],
  ['ad-hoc subprocess without activities', doc(`${START}<bpmn:adHocSubProcess id="Ad" />`), 'Ad', 'ad-hoc subprocess needs at least one activity'],
  [
    'compensation boundary',
    doc(`${START}${task('A')}<bpmn:boundaryEvent id="Comp" attachedToRef="A"><bpmn:compensateEventDefinition /></bpmn:boundaryEvent>`),
    'Comp',
    'a compensation boundary event needs exactly one association to its compensation handler (found 0)',
  ],
  [
    'compensation handler of no boundary',
    doc(`${START}<bpmn:serviceTask id="Undo" isForCompensation="true">${job()}</bpmn:serviceTask>`),
    'Undo',
    "is no compensation boundary event's handler",
  ],
  [
    'conditional event',
    doc(
      `${START}<bpmn:intermediateCatchEvent id="Cond"><bpmn:conditionalEventDefinition><bpmn:condition>=x</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>`,
    ),
    'Cond',
    'conditional events are not supported',
  ],
  ['cancel end event', doc(`${START}<bpmn:endEvent id="Cancel"><bpmn:cancelEventDefinition /></bpmn:endEvent>`), 'Cancel', 'cancel events'],
  ['standard loop', doc(`${START}<bpmn:userTask id="Loop"><bpmn:standardLoopCharacteristics /></bpmn:userTask>`), 'Loop', 'standard loops'],
  [
    'multiple event definitions',
    doc(`${START}<bpmn:intermediateCatchEvent id="Multi"><bpmn:messageEventDefinition messageRef="Msg" />${timer()}</bpmn:intermediateCatchEvent>`, KEYED),
    'Multi',
    '2 event definitions (message, timer); events with multiple event definitions are not supported',
  ],
  ['unknown BPMN element', doc(`${START}<bpmn:fooTask id="Foo" name="x" />`), 'Foo', 'unknown BPMN element <bpmn:fooTask>'],
  ['BPMN element in the wrong place', doc(`${START}<bpmn:task id="T"><bpmn:timerEventDefinition id="Misplaced" /></bpmn:task>`), 'Misplaced', 'is not allowed where it appears'],
  ['unknown zeebe element', doc(`<bpmn:startEvent id="Start">${ext('<zeebe:teleport id="Z" />')}</bpmn:startEvent>`), 'Z', 'unknown zeebe extension element <zeebe:teleport>'],
  ['unknown BPMN attribute', doc(`${START}<bpmn:task id="Odd" colour="red" />`), 'Odd', 'unknown attribute "colour"'],
  [
    'execution listeners',
    doc(
      `${START}<bpmn:serviceTask id="L">${ext('<zeebe:taskDefinition type="w" /><zeebe:executionListeners><zeebe:executionListener eventType="start" type="x" /></zeebe:executionListeners>')}</bpmn:serviceTask>`,
    ),
    'L',
    'execution listeners',
  ],
  ['duplicate ids', doc(`${START}${task('Twice')}${task('Twice')}`), 'Twice', 'duplicate id "Twice"'],
  ['illegal id', doc(`${START}<bpmn:task id="1st" />`), '1st', 'illegal id "1st"'],

  // start events and scopes
  ['no start event', doc(task('Lonely')), 'P', 'process has no start event'],
  ['two none start events', doc(`${START}<bpmn:startEvent id="Start2" />`), 'P', '2 none start events'],
  ['start event with incoming flow', doc(`${START}${task('A')}${flow('F1', 'Start', 'A')}${flow('Back', 'A', 'Start')}`), 'Start', 'start event cannot have incoming'],
  ['empty subprocess', doc(`${START}<bpmn:subProcess id="Sub" />`), 'Sub', 'subprocess is empty'],
  [
    'subprocess with a message start',
    doc(`<bpmn:subProcess id="Sub"><bpmn:startEvent id="SubStart"><bpmn:messageEventDefinition messageRef="Msg" /></bpmn:startEvent></bpmn:subProcess>${START}`, KEYED),
    'SubStart',
    'a start event of an embedded subprocess cannot be a message event',
  ],
  [
    'event subprocess with two starts',
    doc(
      `${START}<bpmn:subProcess id="Ev" triggeredByEvent="true"><bpmn:startEvent id="E1">${timer()}</bpmn:startEvent><bpmn:startEvent id="E2">${timer()}</bpmn:startEvent></bpmn:subProcess>`,
    ),
    'Ev',
    'exactly one start event, it has 2',
  ],
  [
    'event subprocess start without definition',
    doc(`${START}<bpmn:subProcess id="Ev" triggeredByEvent="true"><bpmn:startEvent id="Plain" /></bpmn:subProcess>`),
    'Plain',
    'needs a message, timer, signal, error or escalation',
  ],
  [
    'event subprocess with flows',
    doc(`${START}<bpmn:subProcess id="Ev" triggeredByEvent="true"><bpmn:startEvent id="ES">${timer()}</bpmn:startEvent></bpmn:subProcess>${flow('F', 'Start', 'Ev')}`),
    'Ev',
    'event subprocess cannot have incoming or outgoing',
  ],
  [
    'non-interrupting error start',
    doc(
      `${START}<bpmn:subProcess id="Ev" triggeredByEvent="true"><bpmn:startEvent id="ErrStart" isInterrupting="false"><bpmn:errorEventDefinition /></bpmn:startEvent></bpmn:subProcess>`,
    ),
    'ErrStart',
    'error start events of event subprocesses cannot be non-interrupting',
  ],

  // sequence flows
  ['flow to a missing target', doc(`${START}${flow('Dangling', 'Start', 'Nowhere')}`), 'Dangling', 'targetRef "Nowhere" does not refer to any target element'],
  [
    'flow across scopes',
    doc(`${START}<bpmn:subProcess id="Sub"><bpmn:startEvent id="SS" />${task('Inside')}</bpmn:subProcess>${flow('Cross', 'Start', 'Inside')}`),
    'Cross',
    'cannot cross subprocess boundaries',
  ],
  ['flow to a data object', doc(`${START}<bpmn:dataObjectReference id="DataRef" />${flow('ToData', 'Start', 'DataRef')}`), 'ToData', 'is not a flow node'],
  [
    'end event with outgoing flow',
    doc(`${START}<bpmn:endEvent id="End" />${task('After')}${flow('F1', 'Start', 'End')}${flow('F2', 'End', 'After')}`),
    'End',
    'end event cannot have outgoing',
  ],
  [
    'boundary event with incoming flow',
    doc(`${START}${task('A')}<bpmn:boundaryEvent id="B" attachedToRef="A">${timer()}</bpmn:boundaryEvent>${flow('F', 'Start', 'B')}`),
    'B',
    'boundary event cannot have incoming',
  ],

  // gateways
  ['exclusive gateway without outgoing flow', doc(`${START}<bpmn:exclusiveGateway id="X" />${flow('F', 'Start', 'X')}`), 'X', 'exclusive gateway has no outgoing sequence flow'],
  ['inclusive gateway without outgoing flow', doc(`${START}<bpmn:inclusiveGateway id="I" />${flow('F', 'Start', 'I')}`), 'I', 'inclusive gateway has no outgoing sequence flow'],
  ['parallel gateway without outgoing flow', doc(`${START}<bpmn:parallelGateway id="Par" />${flow('F', 'Start', 'Par')}`), 'Par', 'parallel gateway has no outgoing sequence flow'],
  [
    'event-based gateway without outgoing flow',
    doc(`${START}<bpmn:eventBasedGateway id="Ev" />${flow('F', 'Start', 'Ev')}`),
    'Ev',
    'event-based gateway has no outgoing sequence flow',
  ],
  [
    'conditional flow out of a parallel gateway',
    doc(`${START}<bpmn:parallelGateway id="Par" />${task('A')}${task('B')}${flow('F', 'Start', 'Par')}${flow('PA', 'Par', 'A', '=x')}${flow('PB', 'Par', 'B')}`),
    'PA',
    'conditional flow out of parallel gateway "Par" is not supported',
  ],
  [
    'unconditional non-default flow out of an exclusive split',
    doc(`${START}<bpmn:exclusiveGateway id="X" />${task('A')}${task('B')}${flow('F', 'Start', 'X')}${flow('XA', 'X', 'A', '=x')}${flow('XB', 'X', 'B')}`),
    'XB',
    'has no condition and is not its default flow',
  ],
  [
    'default flow that is not outgoing',
    doc(`${START}<bpmn:exclusiveGateway id="X" default="F" />${task('A')}${flow('F', 'Start', 'X')}${flow('XA', 'X', 'A')}`),
    'X',
    'default flow "F" is not an outgoing sequence flow',
  ],
  [
    'default flow with a condition',
    doc(`${START}<bpmn:exclusiveGateway id="X" default="XB" />${task('A')}${task('B')}${flow('F', 'Start', 'X')}${flow('XA', 'X', 'A', '=x')}${flow('XB', 'X', 'B', '=y')}`),
    'XB',
    'the default flow cannot have a condition',
  ],
  ['conditional flow out of an event', doc(`${START}${task('A')}${flow('F', 'Start', 'A', '=x')}`), 'F', 'conditional flow out of startEvent'],
  [
    'event-based gateway to a user task',
    doc(
      `${START}<bpmn:eventBasedGateway id="Ev" />${task('A')}<bpmn:intermediateCatchEvent id="T">${timer()}</bpmn:intermediateCatchEvent>${flow('F', 'Start', 'Ev')}${flow('E1', 'Ev', 'A')}${flow('E2', 'Ev', 'T')}`,
    ),
    'Ev',
    'event-based gateway target "A" is a user task',
  ],
  [
    'event-based gateway with one way out',
    doc(
      `${START}<bpmn:eventBasedGateway id="Ev" /><bpmn:intermediateCatchEvent id="T">${timer()}</bpmn:intermediateCatchEvent>${flow('F', 'Start', 'Ev')}${flow('E1', 'Ev', 'T')}`,
    ),
    'Ev',
    'at least two outgoing',
  ],

  // conditions and expressions
  [
    'condition that does not parse',
    doc(`${START}<bpmn:exclusiveGateway id="X" default="XB" />${task('A')}${task('B')}${flow('F', 'Start', 'X')}${flow('XA', 'X', 'A', '=approved and')}${flow('XB', 'X', 'B')}`),
    'XA',
    'condition is not a valid FEEL expression',
  ],
  [
    'condition that is not FEEL',
    doc(`${START}<bpmn:exclusiveGateway id="X" default="XB" />${task('A')}${task('B')}${flow('F', 'Start', 'X')}${flow('XA', 'X', 'A', '${approved}')}${flow('XB', 'X', 'B')}`),
    'XA',
    'condition must be a FEEL expression starting with "="',
  ],
  [
    'assignee that does not parse',
    doc(`${START}<bpmn:userTask id="U">${ext('<zeebe:assignmentDefinition assignee="=user." />')}</bpmn:userTask>`),
    'U',
    'assignee is not a valid FEEL expression',
  ],
  [
    'candidate groups that do not parse',
    doc(`${START}<bpmn:userTask id="U">${ext('<zeebe:assignmentDefinition candidateGroups="=[&quot;a&quot;," />')}</bpmn:userTask>`),
    'U',
    'candidateGroups is not a valid FEEL expression',
  ],
  [
    'due date that does not parse',
    doc(`${START}<bpmn:userTask id="U">${ext('<zeebe:taskSchedule dueDate="=now( +" />')}</bpmn:userTask>`),
    'U',
    'dueDate is not a valid FEEL expression',
  ],
  ['job type that does not parse', doc(`${START}<bpmn:serviceTask id="S">${job('=type +')}</bpmn:serviceTask>`), 'S', 'job type is not a valid FEEL expression'],
  [
    'job retries not a number',
    doc(`${START}<bpmn:serviceTask id="S">${ext('<zeebe:taskDefinition type="w" retries="many" />')}</bpmn:serviceTask>`),
    'S',
    'job retries must be a whole number',
  ],
  [
    'mapping source that does not parse',
    doc(`${START}<bpmn:userTask id="U">${ext('<zeebe:ioMapping><zeebe:input source="=a +" target="b" /></zeebe:ioMapping>')}</bpmn:userTask>`),
    'U',
    'input mapping source for "b" is not a valid FEEL expression',
  ],
  [
    'mapping without target',
    doc(`${START}<bpmn:userTask id="U">${ext('<zeebe:ioMapping><zeebe:output source="=a" /></zeebe:ioMapping>')}</bpmn:userTask>`),
    'U',
    'output mapping has no target',
  ],
  [
    'script that does not parse',
    doc(`${START}<bpmn:scriptTask id="Sc">${ext('<zeebe:script expression="=1 +" resultVariable="r" />')}</bpmn:scriptTask>`),
    'Sc',
    'script expression is not a valid FEEL expression',
  ],
  [
    'called process id that does not parse',
    doc(`${START}<bpmn:callActivity id="C">${ext('<zeebe:calledElement processId="=ids[" />')}</bpmn:callActivity>`),
    'C',
    'called processId is not a valid FEEL expression',
  ],
  [
    'input collection that does not parse',
    doc(
      `${START}<bpmn:userTask id="U"><bpmn:multiInstanceLoopCharacteristics>${ext('<zeebe:loopCharacteristics inputCollection="=items[" inputElement="item" />')}</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>`,
    ),
    'U',
    'inputCollection is not a valid FEEL expression',
  ],
  [
    'completion condition that is not FEEL',
    doc(
      `${START}<bpmn:userTask id="U"><bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>2</bpmn:loopCardinality><bpmn:completionCondition>done</bpmn:completionCondition></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>`,
    ),
    'U',
    'completionCondition must be a FEEL expression',
  ],
  [
    'correlation key that does not parse',
    doc(`${START}<bpmn:receiveTask id="R" messageRef="Bad" />`, message('Bad', 'Ping', '=a b c +')),
    'R',
    'correlation key is not a valid FEEL expression',
  ],
  [
    'timer expression that does not parse',
    doc(`${START}<bpmn:intermediateCatchEvent id="T">${timer('<bpmn:timeDuration>=duration(</bpmn:timeDuration>')}</bpmn:intermediateCatchEvent>`),
    'T',
    'timer duration is not a valid FEEL expression',
  ],
  [
    'timer literal that is not a duration',
    doc(`${START}<bpmn:intermediateCatchEvent id="T">${timer('<bpmn:timeDuration>five minutes</bpmn:timeDuration>')}</bpmn:intermediateCatchEvent>`),
    'T',
    'timer duration "five minutes" is invalid',
  ],

  // tasks
  ['service task without job type', doc(`${START}<bpmn:serviceTask id="S" />`), 'S', 'service task has no job type'],
  ['service task with empty job type', doc(`${START}<bpmn:serviceTask id="S">${job('')}</bpmn:serviceTask>`), 'S', 'zeebe:taskDefinition has no type'],
  ['send task without job type', doc(`${START}<bpmn:sendTask id="S" />`), 'S', 'send task has no job type'],
  ['business rule task without decision or job', doc(`${START}<bpmn:businessRuleTask id="Br" />`), 'Br', 'business rule task needs zeebe:calledDecision'],
  [
    'business rule task without result variable',
    doc(`${START}<bpmn:businessRuleTask id="Br">${ext('<zeebe:calledDecision decisionId="d" />')}</bpmn:businessRuleTask>`),
    'Br',
    'zeebe:calledDecision has no resultVariable',
  ],
  [
    'script task without script or job',
    doc(`${START}<bpmn:scriptTask id="Sc" scriptFormat="groovy"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>`),
    'Sc',
    'script task needs zeebe:script',
  ],
  ['call activity without process id', doc(`${START}<bpmn:callActivity id="C" calledElement="other" />`), 'C', 'call activity has no called process'],
  [
    'multi-instance without collection or cardinality',
    doc(`${START}<bpmn:userTask id="U"><bpmn:multiInstanceLoopCharacteristics /></bpmn:userTask>`),
    'U',
    'multi-instance needs an inputCollection',
  ],

  // messages, signals, timers, errors
  ['receive task without message', doc(`${START}<bpmn:receiveTask id="R" />`), 'R', 'receive task has no message'],
  [
    'message catch event without message',
    doc(`${START}<bpmn:intermediateCatchEvent id="M"><bpmn:messageEventDefinition /></bpmn:intermediateCatchEvent>`),
    'M',
    'intermediate catch event has no message',
  ],
  [
    'message catch event with an unknown message',
    doc(`${START}<bpmn:intermediateCatchEvent id="M"><bpmn:messageEventDefinition messageRef="Ghost" /></bpmn:intermediateCatchEvent>`),
    'M',
    'messageRef "Ghost" does not refer to any message',
  ],
  [
    'message without a name',
    doc(`${START}<bpmn:intermediateCatchEvent id="M"><bpmn:messageEventDefinition messageRef="Anon" /></bpmn:intermediateCatchEvent>`, message('Anon', undefined, '=k')),
    'M',
    'message "Anon" has no name',
  ],
  [
    'message catch event without correlation key',
    doc(`${START}<bpmn:intermediateCatchEvent id="M"><bpmn:messageEventDefinition messageRef="NoKey" /></bpmn:intermediateCatchEvent>`, message('NoKey', 'Ping')),
    'M',
    'message "Ping" has no correlation key',
  ],
  ['receive task without correlation key', doc(`${START}<bpmn:receiveTask id="R" messageRef="NoKey" />`, message('NoKey', 'Ping')), 'R', 'has no correlation key'],
  [
    'message boundary without correlation key',
    doc(`${START}${task('A')}<bpmn:boundaryEvent id="B" attachedToRef="A"><bpmn:messageEventDefinition messageRef="NoKey" /></bpmn:boundaryEvent>`, message('NoKey', 'Ping')),
    'B',
    'has no correlation key',
  ],
  [
    'event subprocess message start without correlation key',
    doc(
      `${START}<bpmn:subProcess id="Ev" triggeredByEvent="true"><bpmn:startEvent id="MS"><bpmn:messageEventDefinition messageRef="NoKey" /></bpmn:startEvent></bpmn:subProcess>`,
      message('NoKey', 'Ping'),
    ),
    'MS',
    'has no correlation key',
  ],
  ['timer without expression', doc(`${START}<bpmn:intermediateCatchEvent id="T"><bpmn:timerEventDefinition /></bpmn:intermediateCatchEvent>`), 'T', 'timer has no expression'],
  [
    'timer with an empty duration',
    doc(`${START}<bpmn:intermediateCatchEvent id="T">${timer('<bpmn:timeDuration> </bpmn:timeDuration>')}</bpmn:intermediateCatchEvent>`),
    'T',
    'its timeDuration is empty',
  ],
  [
    'signal without name',
    doc(`${START}<bpmn:intermediateCatchEvent id="Sig"><bpmn:signalEventDefinition signalRef="S1" /></bpmn:intermediateCatchEvent>`, '<bpmn:signal id="S1" />'),
    'Sig',
    'signal "S1" has no name',
  ],
  ['signal event without signal', doc(`${START}<bpmn:intermediateThrowEvent id="Sig"><bpmn:signalEventDefinition /></bpmn:intermediateThrowEvent>`), 'Sig', 'has no signal'],
  ['intermediate catch event without definition', doc(`${START}<bpmn:intermediateCatchEvent id="Ice" />`), 'Ice', 'needs an event definition'],
  ['error end event without code', doc(`${START}<bpmn:endEvent id="Err"><bpmn:errorEventDefinition /></bpmn:endEvent>`), 'Err', 'must reference a bpmn:error with an errorCode'],
  [
    'non-interrupting error boundary',
    doc(`${START}${task('A')}<bpmn:boundaryEvent id="B" attachedToRef="A" cancelActivity="false"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>`),
    'B',
    'error boundary events cannot be non-interrupting',
  ],
  [
    'error intermediate throw',
    doc(`${START}<bpmn:intermediateThrowEvent id="Th"><bpmn:errorEventDefinition errorRef="E" /></bpmn:intermediateThrowEvent>`, '<bpmn:error id="E" errorCode="X" />'),
    'Th',
    'an intermediate throw event cannot be an error event',
  ],
  [
    'terminate as a start event',
    doc(`<bpmn:startEvent id="TS"><bpmn:terminateEventDefinition /></bpmn:startEvent>`),
    'TS',
    'a start event of a process cannot be a terminate event',
  ],

  // boundary events and links
  [
    'boundary attached to a missing node',
    doc(`${START}<bpmn:boundaryEvent id="B" attachedToRef="Ghost">${timer()}</bpmn:boundaryEvent>`),
    'B',
    'attachedToRef "Ghost" does not refer to any activity',
  ],
  [
    'boundary attached to a gateway',
    doc(
      `${START}<bpmn:exclusiveGateway id="X" /><bpmn:boundaryEvent id="B" attachedToRef="X">${timer()}</bpmn:boundaryEvent>${task('A')}${flow('F', 'Start', 'X')}${flow('XA', 'X', 'A')}`,
    ),
    'B',
    'boundary events can only be attached to activities',
  ],
  [
    'link throw without catch',
    doc(`${START}<bpmn:intermediateThrowEvent id="Go"><bpmn:linkEventDefinition name="there" /></bpmn:intermediateThrowEvent>${flow('F', 'Start', 'Go')}`),
    'Go',
    'has no link catch event with that name in P',
  ],
  [
    'link catch in another scope',
    doc(
      `${START}<bpmn:intermediateThrowEvent id="Go"><bpmn:linkEventDefinition name="there" /></bpmn:intermediateThrowEvent><bpmn:subProcess id="Sub"><bpmn:startEvent id="SS" /><bpmn:intermediateCatchEvent id="There"><bpmn:linkEventDefinition name="there" /></bpmn:intermediateCatchEvent></bpmn:subProcess>`,
    ),
    'Go',
    'has no link catch event',
  ],
  ['link event without name', doc(`${START}<bpmn:intermediateThrowEvent id="Go"><bpmn:linkEventDefinition /></bpmn:intermediateThrowEvent>`), 'Go', 'link event has no name'],
];

test.each(cases)('refuses %s', async (_name, xml, elementId, text) => {
  expectProblem(await refusal(xml), elementId, text);
});

test('every problem of a document is reported, not only the first', async () => {
  const error = await refusal(doc(`${START}<bpmn:serviceTask id="NoJob" /><bpmn:complexGateway id="Cx" /><bpmn:receiveTask id="NoMsg" />${flow('Bad', 'Start', 'Ghost')}`));
  expectProblem(error, 'NoJob', 'no job type');
  expectProblem(error, 'Cx', 'complex gateways');
  expectProblem(error, 'NoMsg', 'has no message');
  expectProblem(error, 'Bad', 'Ghost');
  expect(error.problems.length).toBeGreaterThanOrEqual(4);
  expect(error.message).toContain('4 problems');
});

test('problems in several processes are all reported', async () => {
  const error = await refusal(definitions(process(task('OnlyTask'), 'A'), process('<bpmn:startEvent id="S2" /><bpmn:sendTask id="Mail" />', 'B')));
  expectProblem(error, 'A', 'no start event');
  expectProblem(error, 'Mail', 'no job type');
});

test('a non-executable process is not validated', async () => {
  const parsed = await parseBpmn(definitions(process('<bpmn:serviceTask id="S" />', 'Doc', 'isExecutable="false"'), process(START)));
  expect(parsed.skipped).toEqual(['Doc']);
  expect(parsed.processes.map((p) => p.id)).toEqual(['P']);
});

test('top-level message start events need no correlation key; job-based message throws need no message', async () => {
  const parsed = await parseBpmn(
    doc(
      `<bpmn:startEvent id="OnPing"><bpmn:messageEventDefinition messageRef="NoKey" /></bpmn:startEvent>
       <bpmn:endEvent id="Notify"><bpmn:extensionElements><zeebe:taskDefinition type="notify" /></bpmn:extensionElements><bpmn:messageEventDefinition /></bpmn:endEvent>
       ${flow('F', 'OnPing', 'Notify')}`,
      message('NoKey', 'Ping'),
    ),
  );
  const m = parsed.processes[0];
  expect(m.eventStarts).toEqual(['OnPing']);
  expect(m.nodes.OnPing.event).toEqual({ kind: 'message', messageName: 'Ping' });
  expect(m.nodes.Notify).toMatchObject({ event: { kind: 'message', messageName: '' }, job: { type: 'notify' } });
});
