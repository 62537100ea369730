/**
 * The messages a person may send to an instance now, for the web app's ticket actions: every message
 * subscription the instance holds (its machine's message waits) whose catching element the caller may
 * publish to. Agents only where the element names them in `processdesk.publishers` and only on
 * instances they may act on (the same rules Messaging.publish enforces); admins any. Each action says
 * which variables the element maps from the message (the only ones an agent may send) and its form.
 */
import { referencedNames } from '../expr/feel';
import type { ProcessModel } from '../bpmn/model';
import type { InstanceRow, Store } from '../store/types';
import { agentMayActOn, isAgentOnly, type Caller } from './access';
import { persisted } from './snapshot';

export interface MessageAction {
  /** The message name to publish. */
  name: string;
  /** The catching element, and its name as the button's label. */
  elementId: string;
  label: string;
  correlationKey: string;
  /** Variables the element maps from the message: the fields of the action's form. */
  fields: string[];
  /** `zeebe:formDefinition formId` of the catching element, when it declares one. */
  formId?: string;
}

/** Whether the caller's roles reach catching elements at all: admins everything, agents what is opened to them. */
const mayPublish = (caller: Caller): boolean => caller.roles.includes('admin') || caller.roles.includes('agent');

export async function messageActions(store: Store, row: InstanceRow, model: ProcessModel, caller: Caller): Promise<MessageAction[]> {
  if ((row.state !== 'active' && row.state !== 'incident') || !mayPublish(caller)) return [];
  const agent = isAgentOnly(caller);
  if (agent && !(await agentMayActOn(store, row, model.policy, caller))) return [];
  const actions: MessageAction[] = [];
  const seen = new Set<string>();
  for (const wait of Object.values(persisted(row).machine.context.waits)) {
    if (wait.kind !== 'message' || !wait.name) continue;
    const node = model.nodes[wait.node];
    if (!node || (agent && !node.publishers?.includes('agent'))) continue;
    const correlationKey = wait.key ?? '';
    const id = `${wait.name}\u0000${correlationKey}`;
    if (seen.has(id)) continue; // one message reaches one of an instance's waits for it: one button
    seen.add(id);
    actions.push({
      name: wait.name,
      elementId: node.id,
      label: node.name ?? wait.name,
      correlationKey,
      fields: [...new Set((node.outputs ?? []).flatMap((o) => referencedNames(o.source)))],
      ...(node.formId ? { formId: node.formId } : {}),
    });
  }
  return actions;
}
