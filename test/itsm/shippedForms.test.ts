/** Every user task of the shipped processes names a form that is shipped with them (the API validates completions against it). */
import { parseBpmn } from '../../engine/bpmn/parse';
import { shippedResources } from './helpers';

test('every user task in processes/ has a zeebe:formDefinition formId that a shipped .form defines', async () => {
  const resources = shippedResources();
  const formIds = new Set(resources.filter((r) => r.name.endsWith('.form')).map((r) => (JSON.parse(r.content) as { id: string }).id));
  const missing: string[] = [];
  let userTasks = 0;
  for (const r of resources.filter((res) => res.name.endsWith('.bpmn'))) {
    for (const model of (await parseBpmn(r.content)).processes) {
      for (const node of Object.values(model.nodes).filter((n) => n.kind === 'userTask')) {
        userTasks += 1;
        const formId = node.userTask?.formId;
        if (!formId || !formIds.has(formId)) missing.push(`${r.name} ${node.id}: ${formId ?? 'no form'}`);
      }
    }
  }
  expect(missing).toEqual([]);
  expect(userTasks).toBe(16); // incident 4, change 7 (its compensation handler included), request 1, approval 2, problem 2: a task the parser stopped seeing would show here
});
