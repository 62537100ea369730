/**
 * The shipped processes are clean under the modeler's own lint rules (modeler/src/lint.ts), so a process
 * owner who opens one in the modeler sees no warnings to wade through before adapting it.
 */
import { BpmnModdle } from 'bpmn-moddle';
import zeebe from 'zeebe-bpmn-moddle/resources/zeebe.json';
import { lintDefinitions } from '../../modeler/src/lint';
import { shippedResources } from './helpers';

test.each(shippedResources().filter((r) => r.name.endsWith('.bpmn')).map((r) => [r.name, r.content]))('%s has no lint errors or warnings', async (_name, xml) => {
  const { rootElement, warnings } = await new BpmnModdle({ zeebe }).fromXML(xml);
  expect(warnings).toEqual([]);
  expect(await lintDefinitions(rootElement)).toEqual([]);
});
