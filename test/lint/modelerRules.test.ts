/**
 * The modeler's own lint rules (modeler/src/lint.ts) on small diagrams: what the engine cannot run is an
 * error before deploy (a timer without a value, a message event without a message, a form that is
 * neither deployed nor attached), and the same diagram with the gap filled is clean of ProcessDesk's rules.
 */
import { BpmnModdle } from 'bpmn-moddle';
import zeebe from 'zeebe-bpmn-moddle/resources/zeebe.json';
import { lintDefinitions } from '../../modeler/src/lint';

const diagram = (inner: string, extra = ''): string => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s" name="Start" />
    ${inner}
    <bpmn:endEvent id="e" name="End" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" />
  </bpmn:process>
  ${extra}
</bpmn:definitions>`;

const task = (extensions: string, inner = ''): string =>
  `<bpmn:userTask id="t" name="Work"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="cab" />${extensions}</bpmn:extensionElements>${inner}</bpmn:userTask>`;

async function issues(xml: string, forms?: ReadonlySet<string>): Promise<{ id: string; rule: string; category: string }[]> {
  const { rootElement } = await new BpmnModdle({ zeebe }).fromXML(xml);
  const all = await lintDefinitions(rootElement, forms);
  // bpmnlint's own rules are bpmnlint's business: only ProcessDesk's are looked at here
  return all.filter((i) => i.rule.startsWith('processdesk/')).map(({ id, rule, category }) => ({ id, rule, category }));
}

const boundary = (definition: string): string => `<bpmn:boundaryEvent id="b" name="Wait" attachedToRef="t">${definition}</bpmn:boundaryEvent>
    <bpmn:endEvent id="e2" name="Late" /><bpmn:sequenceFlow id="f3" sourceRef="b" targetRef="e2" />`;

test('a timer boundary event without a value is an error; with a duration it is clean', async () => {
  const empty = await issues(diagram(task('') + boundary('<bpmn:timerEventDefinition id="td" />')));
  expect(empty).toContainEqual({ id: 'b', rule: 'processdesk/timer-defined', category: 'error' });
  const blank = await issues(
    diagram(
      task('') +
        boundary(
          '<bpmn:timerEventDefinition id="td"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"> </bpmn:timeDuration></bpmn:timerEventDefinition>',
        ),
    ),
  );
  expect(blank).toContainEqual({ id: 'b', rule: 'processdesk/timer-defined', category: 'error' });
  const set = await issues(
    diagram(
      task('') +
        boundary(
          '<bpmn:timerEventDefinition id="td"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>',
        ),
    ),
  );
  expect(set).toEqual([]);
});

test('a message boundary event without a message is an error; with one it is clean', async () => {
  const none = await issues(diagram(task('') + boundary('<bpmn:messageEventDefinition id="md" />')));
  expect(none).toContainEqual({ id: 'b', rule: 'processdesk/message-defined', category: 'error' });
  const named = await issues(
    diagram(
      task('') + boundary('<bpmn:messageEventDefinition id="md" messageRef="m" />'),
      '<bpmn:message id="m" name="cancelled"><bpmn:extensionElements><zeebe:subscription correlationKey="=id" /></bpmn:extensionElements></bpmn:message>',
    ),
  );
  expect(named).toEqual([]);
});

test('a user task whose form is neither deployed nor attached is an error; a known form is clean', async () => {
  const xml = diagram(task('<zeebe:formDefinition formId="review" />'));
  expect(await issues(xml, new Set(['other']))).toEqual([{ id: 't', rule: 'processdesk/form-known', category: 'error' }]);
  expect(await issues(xml, new Set(['other', 'review']))).toEqual([]);
  // without the list of known forms (it could not be loaded) the rule says nothing rather than guess
  expect(await issues(xml)).toEqual([]);
});
