/**
 * Event definitions (timer, message, signal, error, escalation, terminate, link) of events, and the
 * message of receive tasks, read into EventDefinition. What cannot be read is reported.
 */
import { child, children, describe, expressionBody, extension, str, text, type ModdleElement, type Problems } from './elements';
import type { EventDefinition, TimerKind } from './model';

export interface ReadContext {
  problems: Problems;
  /** Unresolved references reported by moddle: element -> property -> id as written. */
  unresolved: Map<ModdleElement, Map<string, string>>;
}

/** The id an unresolved reference of `el.prop` was written with, if moddle could not resolve it. */
export function unresolvedRef(ctx: ReadContext, el: ModdleElement, prop: string): string | undefined {
  return ctx.unresolved.get(el)?.get(prop);
}

/** Problem for a missing reference: names the id when it was written but does not exist. */
export function reportMissingRef(ctx: ReadContext, owner: ModdleElement, holder: ModdleElement, prop: string, what: string): void {
  const written = unresolvedRef(ctx, holder, prop);
  const label = describe(owner);
  ctx.problems.add(owner.id, written ? `${label}: ${prop} "${written}" does not refer to any ${what} in the document` : `${label} has no ${what} (${prop} is missing)`);
}

const TIMER_PROPS: [string, TimerKind][] = [
  ['timeDuration', 'duration'],
  ['timeDate', 'date'],
  ['timeCycle', 'cycle'],
];

const UNSUPPORTED_DEFINITIONS: Record<string, string> = {
  'bpmn:ConditionalEventDefinition': 'conditional events are not supported',
  'bpmn:CancelEventDefinition': 'cancel events (transactions) are not supported',
};

function definitionName(def: ModdleElement): string {
  return def.$type
    .replace(/^bpmn:/, '')
    .replace(/EventDefinition$/, '')
    .toLowerCase();
}

/**
 * The event definition of an event element: `{ kind: 'none' }` when it has none, undefined (with a
 * problem reported) when it cannot be used.
 */
export function readEventDefinition(ctx: ReadContext, el: ModdleElement): EventDefinition | undefined {
  // eventDefinitionRef: a global event definition (a root element) the event refers to
  const defs = [...children(el, 'eventDefinitions'), ...children(el, 'eventDefinitionRef')];
  if (defs.length === 0) return { kind: 'none' };
  if (defs.length > 1) {
    ctx.problems.add(
      el.id,
      `${describe(el)} has ${defs.length} event definitions (${defs.map(definitionName).join(', ')}); events with multiple event definitions are not supported`,
    );
    return undefined;
  }
  const def = defs[0];
  switch (def.$type) {
    case 'bpmn:TimerEventDefinition':
      return readTimer(ctx, el, def);
    case 'bpmn:MessageEventDefinition':
      // A message throw event implemented by a job worker (zeebe:taskDefinition) needs no message;
      // its messageName is then '' (the worker decides what to send).
      if (isJobThrow(el) && !child(def, 'messageRef') && !unresolvedRef(ctx, def, 'messageRef')) return { kind: 'message', messageName: '' };
      return readMessageRef(ctx, el, def);
    case 'bpmn:SignalEventDefinition': {
      const signal = child(def, 'signalRef');
      if (!signal) {
        reportMissingRef(ctx, el, def, 'signalRef', 'signal');
        return undefined;
      }
      const signalName = text(signal, 'name');
      if (!signalName) {
        ctx.problems.add(el.id, `signal "${signal.id}" has no name`);
        return undefined;
      }
      return { kind: 'signal', signalName };
    }
    case 'bpmn:ErrorEventDefinition': {
      const error = child(def, 'errorRef');
      if (!error && unresolvedRef(ctx, def, 'errorRef')) {
        reportMissingRef(ctx, el, def, 'errorRef', 'error');
        return undefined;
      }
      const result: EventDefinition = { kind: 'error' };
      const errorCode = text(error, 'errorCode');
      if (errorCode !== undefined) result.errorCode = errorCode;
      const errorMessage = text(error, 'name');
      if (errorMessage !== undefined) result.errorMessage = errorMessage;
      return result;
    }
    case 'bpmn:EscalationEventDefinition': {
      const escalation = child(def, 'escalationRef');
      if (!escalation && unresolvedRef(ctx, def, 'escalationRef')) {
        reportMissingRef(ctx, el, def, 'escalationRef', 'escalation');
        return undefined;
      }
      const escalationCode = text(escalation, 'escalationCode');
      return escalationCode === undefined ? { kind: 'escalation' } : { kind: 'escalation', escalationCode };
    }
    case 'bpmn:TerminateEventDefinition':
      return { kind: 'terminate' };
    case 'bpmn:CompensateEventDefinition': {
      // Camunda 8: a compensation throw always waits for its handlers
      if (def.get('waitForCompletion') === false)
        ctx.problems.add(el.id, 'compensation throw events with waitForCompletion="false" are not supported: the event waits for the handlers');
      const activity = child(def, 'activityRef');
      if (!activity && unresolvedRef(ctx, def, 'activityRef')) {
        reportMissingRef(ctx, el, def, 'activityRef', 'activity');
        return undefined;
      }
      return activity?.id ? { kind: 'compensation', activity: activity.id } : { kind: 'compensation' };
    }
    case 'bpmn:LinkEventDefinition': {
      const linkName = text(def, 'name');
      if (!linkName) {
        ctx.problems.add(el.id, 'link event has no name; link throw and catch events are paired by name');
        return undefined;
      }
      return { kind: 'link', linkName };
    }
    default:
      ctx.problems.add(el.id, `${describe(el)}: ${UNSUPPORTED_DEFINITIONS[def.$type] ?? `<${def.$type}> is not supported`}`);
      return undefined;
  }
}

function isJobThrow(el: ModdleElement): boolean {
  return (el.$type === 'bpmn:EndEvent' || el.$type === 'bpmn:IntermediateThrowEvent') && !!extension(el, 'zeebe:TaskDefinition');
}

function readTimer(ctx: ReadContext, el: ModdleElement, def: ModdleElement): EventDefinition | undefined {
  const present = TIMER_PROPS.filter(([prop]) => child(def, prop));
  if (present.length === 0) {
    ctx.problems.add(el.id, 'timer has no expression: set a timeDuration, timeDate or timeCycle');
    return undefined;
  }
  if (present.length > 1) {
    ctx.problems.add(el.id, `timer has ${present.map(([p]) => p).join(' and ')}; only one of timeDuration, timeDate, timeCycle is allowed`);
    return undefined;
  }
  const [prop, type] = present[0];
  const expression = expressionBody(def, prop);
  if (!expression) {
    ctx.problems.add(el.id, `timer has no expression: its ${prop} is empty`);
    return undefined;
  }
  return { kind: 'timer', timer: { type, expression } };
}

/**
 * The message referenced by `holder.messageRef` (a message event definition or a receive task), with
 * the correlation key of its zeebe:subscription.
 */
export function readMessageRef(ctx: ReadContext, owner: ModdleElement, holder: ModdleElement): EventDefinition | undefined {
  const message = child(holder, 'messageRef');
  if (!message) {
    reportMissingRef(ctx, owner, holder, 'messageRef', 'message');
    return undefined;
  }
  const messageName = text(message, 'name');
  if (!messageName) {
    ctx.problems.add(owner.id, `message "${message.id}" has no name; messages are correlated by name`);
    return undefined;
  }
  const result: EventDefinition = { kind: 'message', messageName };
  const correlationKey = str(extension(message, 'zeebe:Subscription'), 'correlationKey')?.trim();
  if (correlationKey) result.correlationKey = correlationKey;
  return result;
}
