/**
 * The start forms and message-action forms of the shipped processes (zeebe:formDefinition on none start
 * events and on catching message elements, read into FlowNode.formId) name forms shipped with them, and
 * each action form asks exactly for the variables its element maps (nothing an agent could not send).
 */
import { parseBpmn } from '../../engine/bpmn/parse';
import { referencedNames } from '../../engine/expr/feel';
import { shippedResources } from './helpers';

test('start events and message catchers of the shipped processes name shipped forms that ask for what the element takes', async () => {
  const resources = shippedResources();
  const forms = new Map(
    resources
      .filter((r) => r.name.endsWith('.form'))
      .map((r) => {
        const form = JSON.parse(r.content) as { id: string; components: { key?: string }[] };
        return [
          form.id,
          form.components
            .map((c) => c.key)
            .filter(Boolean)
            .sort(),
        ] as const;
      }),
  );
  const found: string[] = [];
  for (const r of resources.filter((res) => res.name.endsWith('.bpmn'))) {
    for (const model of (await parseBpmn(r.content)).processes) {
      for (const node of Object.values(model.nodes).filter((n) => n.formId && n.kind !== 'userTask')) {
        found.push(`${model.id}.${node.id}:${node.formId}`);
        expect(forms.has(node.formId!)).toBe(true);
        if (node.kind === 'startEvent') continue;
        const mapped = [...new Set((node.outputs ?? []).flatMap((o) => referencedNames(o.source)))].sort();
        expect({ element: node.id, fields: forms.get(node.formId!) }).toEqual({ element: node.id, fields: mapped });
      }
    }
  }
  expect(found.sort()).toEqual([
    'change.ChangeRequested:change-start',
    'incident.CustomerReplied:incident-customer-reply',
    'incident.IncidentReopened:incident-reopen',
    'incident.IncidentReported:incident-start',
    'incident.PriorityChanged:incident-priority',
    'incident.PriorityChangedEarly:incident-priority',
    'incident.PriorityChangedPending:incident-priority',
    'incident.ResolutionConfirmed:incident-confirm',
    'problem.ProblemLogged:problem-start',
    'request.RequestSubmitted:request-start',
  ]);
});
