/**
 * Who may do what with a process, declared in the diagram as zeebe:properties (Camunda Modeler's
 * "Extension properties"), named `processdesk.*`:
 *
 * On the process:
 *   processdesk.starterVariable   = requester               the variable the engine sets to the signed-in starter
 *   processdesk.identityVariables = requester, implementer  variables that hold user ids: never given at start,
 *                                                           by messages, jobs or operators; set once, by a form field
 *   processdesk.startableBy       = agent, group:cab | none who may start it through the API (default: everyone
 *                                                           allowed to start instances); none: only call activities,
 *                                                           messages and timers
 *   processdesk.visibleToGroups   = service-desk            groups whose agents may read every instance
 *   processdesk.owners            = group:itsm-owners, ann  its process owners (designers): they deploy its next
 *                                                           versions, cancel its instances and retry its incidents
 *                                                           (default: whoever deployed it; see runtime/ownership.ts)
 *   processdesk.ticketPrefix      = INC                     the engine numbers its instances INC0000001, INC0000002...
 *                                                           (the business key; runtime/tickets.ts); 2-6 capitals
 * On a message catch event, boundary event, receive task or event subprocess start:
 *   processdesk.publishers        = agent                   agents may publish this message to instances they
 *                                                           may act on (workers and admins always may)
 *   processdesk.correlation       = waiting                 the message means something only while an instance
 *                                                           waits for it here: it is never buffered, reaches one
 *                                                           waiting instance or is refused (runtime/messaging.ts)
 * On the none start event:
 *   processdesk.reportedAt        = reportedAt              the variable that says when the subject was reported:
 *                                                           the starter may give a past date-time (within the limit
 *                                                           maxReportedAgeMs), else the engine sets the start time
 * On a script task:
 *   processdesk.slaRecord         = true                    its result (a context) is an SLA record, written to the
 *                                                           store with the command (runtime/slaRecords.ts)
 * A `processdesk.*` property the engine does not know is a deploy problem (a typo must not open a door).
 */
import { children, extension, str, type ModdleElement } from './elements';
import type { ProcessPolicy } from './model';
import type { ReadContext } from './readEvents';

const PROCESS_PROPERTIES = new Set([
  'processdesk.starterVariable',
  'processdesk.identityVariables',
  'processdesk.startableBy',
  'processdesk.visibleToGroups',
  'processdesk.owners',
  'processdesk.ticketPrefix',
]);
const PUBLISHER_ROLES = new Set(['agent']);
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const STARTER = /^(designer|agent|auditor|admin|worker|group:[^\s,]+)$/;
const TICKET_PREFIX = /^[A-Z]{2,6}$/;
const OWNER = /^(group:[^\s,:]+|[^\s,:]+)$/;

/** The zeebe:properties of an element as name -> value (processdesk.* only). */
function properties(el: ModdleElement): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of children(extension(el, 'zeebe:Properties'), 'properties')) {
    const name = str(p, 'name')?.trim();
    if (name?.startsWith('processdesk.')) out.set(name, str(p, 'value')?.trim() ?? '');
  }
  return out;
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

export function readProcessPolicy(ctx: ReadContext, process: ModdleElement): ProcessPolicy | undefined {
  const props = properties(process);
  if (!props.size) return undefined;
  const id = process.id;
  for (const name of props.keys()) if (!PROCESS_PROPERTIES.has(name)) ctx.problems.add(id, `unknown extension property ${name} (known: ${[...PROCESS_PROPERTIES].join(', ')})`);
  const identityVariables = list(props.get('processdesk.identityVariables'));
  const starterVariable = props.get('processdesk.starterVariable') || undefined;
  for (const name of [...identityVariables, ...(starterVariable ? [starterVariable] : [])]) {
    if (!VARIABLE_NAME.test(name)) ctx.problems.add(id, `identity variable "${name}" is no variable name`);
  }
  if (starterVariable && !identityVariables.includes(starterVariable)) identityVariables.unshift(starterVariable);
  const policy: ProcessPolicy = { identityVariables, visibleToGroups: list(props.get('processdesk.visibleToGroups')) };
  if (starterVariable) policy.starterVariable = starterVariable;
  if (props.has('processdesk.startableBy')) {
    const startable = list(props.get('processdesk.startableBy'));
    const none = startable.length === 1 && startable[0] === 'none';
    const bad = none ? [] : startable.filter((s) => !STARTER.test(s));
    if (!startable.length || bad.length)
      ctx.problems.add(id, `processdesk.startableBy must be "none" or roles and group:<id> separated by commas (got "${props.get('processdesk.startableBy')}")`);
    policy.startableBy = none ? [] : startable;
  }
  if (props.has('processdesk.owners')) {
    const owners = list(props.get('processdesk.owners'));
    if (!owners.length || owners.some((o) => !OWNER.test(o)))
      ctx.problems.add(id, `processdesk.owners must be user ids and group:<id> separated by commas (got "${props.get('processdesk.owners')}")`);
    policy.owners = owners.filter((o) => OWNER.test(o));
  }
  if (props.has('processdesk.ticketPrefix')) {
    const prefix = props.get('processdesk.ticketPrefix') ?? '';
    if (TICKET_PREFIX.test(prefix)) policy.ticketPrefix = prefix;
    else ctx.problems.add(id, `processdesk.ticketPrefix must be 2 to 6 capital letters (got "${prefix}")`);
  }
  return policy;
}

const ELEMENT_PROPERTIES = ['processdesk.publishers', 'processdesk.correlation', 'processdesk.reportedAt', 'processdesk.slaRecord'];

/** The processdesk.* properties of a flow node (where each belongs is checked by readProcess.ts). */
export interface ElementProperties {
  publishers?: string[];
  /** `waiting`: the message is correlated only to an instance waiting for it now, never buffered. */
  correlation?: 'waiting';
  /** The variable that holds when the process's subject was reported (none start events). */
  reportedAt?: string;
  /** The script's result is an SLA record (script tasks). */
  slaRecord?: boolean;
}

export function readElementProperties(ctx: ReadContext, el: ModdleElement): ElementProperties {
  const props = properties(el);
  const out: ElementProperties = {};
  for (const name of props.keys()) {
    if (!ELEMENT_PROPERTIES.includes(name)) ctx.problems.add(el.id, `unknown extension property ${name} here (known: ${ELEMENT_PROPERTIES.join(', ')})`);
  }
  if (props.has('processdesk.publishers')) {
    const roles = list(props.get('processdesk.publishers'));
    const bad = roles.filter((r) => !PUBLISHER_ROLES.has(r));
    if (!roles.length || bad.length) ctx.problems.add(el.id, `processdesk.publishers must list ${[...PUBLISHER_ROLES].join(', ')} (got "${props.get('processdesk.publishers')}")`);
    out.publishers = roles.filter((r) => PUBLISHER_ROLES.has(r));
  }
  if (props.has('processdesk.correlation')) {
    if (props.get('processdesk.correlation') === 'waiting') out.correlation = 'waiting';
    else ctx.problems.add(el.id, `processdesk.correlation must be "waiting" (got "${props.get('processdesk.correlation')}")`);
  }
  if (props.has('processdesk.reportedAt')) {
    const name = props.get('processdesk.reportedAt') ?? '';
    if (VARIABLE_NAME.test(name)) out.reportedAt = name;
    else ctx.problems.add(el.id, `processdesk.reportedAt must name a variable (got "${name}")`);
  }
  if (props.has('processdesk.slaRecord')) {
    if (props.get('processdesk.slaRecord') === 'true') out.slaRecord = true;
    else ctx.problems.add(el.id, `processdesk.slaRecord must be "true" (got "${props.get('processdesk.slaRecord')}")`);
  }
  return out;
}
