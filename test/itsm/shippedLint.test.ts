/**
 * The shipped processes are clean under the modeler's lint rules (modeler/src/lint.ts: bpmnlint's,
 * ProcessDesk's and Camunda's for CAMUNDA_VERSION, modeler/src/camundaLint.ts), so a process owner who
 * opens one in the modeler sees no warnings to wade through before adapting it.
 */
import { BpmnModdle } from 'bpmn-moddle';
import zeebe from 'zeebe-bpmn-moddle/resources/zeebe.json';
import { CAMUNDA_VERSION } from '../../modeler/src/camundaLint';
import { lintDefinitions } from '../../modeler/src/lint';
import { shippedResources } from './helpers';

/** The forms shipped beside the processes: every form id a shipped user task names is among them. */
const shippedForms = new Set(
  shippedResources()
    .filter((r) => r.name.endsWith('.form'))
    .map((r) => JSON.parse(r.content).id as string),
);

test.each(
  shippedResources()
    .filter((r) => r.name.endsWith('.bpmn'))
    .map((r) => [r.name, r.content]),
)('%s has no lint errors or warnings', async (_name, xml) => {
  const { rootElement, warnings } = await new BpmnModdle({ zeebe }).fromXML(xml);
  expect(warnings).toEqual([]);
  expect(await lintDefinitions(rootElement, shippedForms)).toEqual([]);
});

test('linting the same diagram again gives the same answer (the modeler lints after every change)', async () => {
  const [incident] = shippedResources().filter((r) => r.name === 'incident.bpmn');
  const { rootElement } = await new BpmnModdle({ zeebe }).fromXML(incident.content);
  expect(await lintDefinitions(rootElement)).toEqual([]);
  // a stateful rule (no-duplicate-sequence-flows) must not remember the flows of the run before
  expect(await lintDefinitions(rootElement)).toEqual([]);
});

test(`Camunda's ${CAMUNDA_VERSION} rules are part of that set: request.bpmn without its called process shows Camunda's finding, and only that`, async () => {
  const [requestProcess] = shippedResources().filter((r) => r.name === 'request.bpmn');
  const calledElement = '<zeebe:calledElement processId="approval" propagateAllChildVariables="false" />';
  expect(requestProcess.content).toContain(calledElement);
  const { rootElement } = await new BpmnModdle({ zeebe }).fromXML(requestProcess.content.replace(calledElement, ''));
  const issues = await lintDefinitions(rootElement, shippedForms);
  expect(issues.map(({ id, rule, category }) => ({ id, rule, category }))).toEqual([{ id: 'ManagerApproval', rule: 'camunda-compat/called-element', category: 'error' }]);
});
