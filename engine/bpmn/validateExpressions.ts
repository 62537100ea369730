/**
 * Every expression of a ProcessModel is parsed at deploy time, so a typo is refused with its element id
 * instead of raising an incident at run time: conditions, mappings, job types and retries, user task
 * assignment and dates, scripts, decisions, called processes, multi-instance settings, timers (literal
 * timers are planned once with the runtime's own timer code), message names and correlation keys,
 * signal names and error/escalation codes. Variable names written to are checked for shape.
 */
import { checkExpression, isFeel } from '../expr/feel';
import { planTimer } from '../expr/timers';
import type { Problems } from './elements';
import type { FlowNode, ProcessModel } from './model';

interface Check {
  /** The value must be FEEL (`=...`), a literal is refused. */
  feel?: boolean;
  /** A literal must match this pattern (described by `literal`). */
  literal?: [RegExp, string];
}

function truncate(s: string): string {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}

/** A variable name or dotted path: no whitespace, no empty segment, not an expression. */
const VARIABLE = /^[^\s=.][^\s.]*(\.[^\s.]+)*$/;
const INTEGER: [RegExp, string] = [/^\d+$/, 'a whole number'];

export function validateExpressions(model: ProcessModel, problems: Problems): void {
  const check = (id: string, what: string, source: string | undefined, options: Check = {}): void => {
    if (source === undefined) return;
    if (!isFeel(source)) {
      if (options.feel) problems.add(id, `${what} must be a FEEL expression starting with "=", got "${truncate(source)}"`);
      else if (options.literal && !options.literal[0].test(source.trim())) {
        problems.add(id, `${what} must be ${options.literal[1]} or a FEEL expression starting with "=", got "${truncate(source)}"`);
      }
      return;
    }
    const error = checkExpression(source);
    if (error) problems.add(id, `${what} is not a valid FEEL expression (${truncate(source)}): ${error}`);
  };
  const variable = (id: string, what: string, name: string | undefined): void => {
    if (name !== undefined && !VARIABLE.test(name)) problems.add(id, `${what} "${truncate(name)}" is not a variable name or dotted path`);
  };

  for (const flow of Object.values(model.flows)) check(flow.id, 'condition', flow.condition, { feel: true });

  for (const node of Object.values(model.nodes)) {
    const { id } = node;
    if (node.job) {
      check(id, 'job type', node.job.type);
      check(id, 'job retries', node.job.retries, { literal: INTEGER });
    }
    const task = node.userTask;
    if (task) {
      check(id, 'assignee', task.assignee);
      check(id, 'candidateGroups', task.candidateGroups);
      check(id, 'candidateUsers', task.candidateUsers);
      check(id, 'dueDate', task.dueDate);
      check(id, 'followUpDate', task.followUpDate);
      check(id, 'priority', task.priority, { literal: INTEGER });
      check(id, 'formId', task.formId);
      check(id, 'subject header', task.subject);
    }
    if (node.script) {
      if (node.script.expression) check(id, 'script expression', node.script.expression, { feel: true });
      variable(id, 'script resultVariable', node.script.resultVariable || undefined);
    }
    if (node.calledDecision) {
      check(id, 'decisionId', node.calledDecision.decisionId);
      variable(id, 'decision resultVariable', node.calledDecision.resultVariable || undefined);
    }
    if (node.calledElement) check(id, 'called processId', node.calledElement.processId);
    for (const mapping of node.inputs ?? []) {
      check(id, `input mapping source for "${mapping.target}"`, mapping.source);
      variable(id, 'input mapping target', mapping.target);
    }
    for (const mapping of node.outputs ?? []) {
      check(id, `output mapping source for "${mapping.target}"`, mapping.source);
      variable(id, 'output mapping target', mapping.target);
    }
    if (node.adHoc) {
      check(id, 'ad-hoc activeElementsCollection', node.adHoc.activeElements, { feel: true });
      check(id, 'ad-hoc completionCondition', node.adHoc.completionCondition, { feel: true });
      variable(id, 'ad-hoc outputCollection', node.adHoc.outputCollection);
      check(id, 'ad-hoc outputElement', node.adHoc.outputElement);
    }
    if (node.loop) {
      check(id, 'multi-instance inputCollection', node.loop.inputCollection, { feel: true });
      variable(id, 'multi-instance inputElement', node.loop.inputElement);
      variable(id, 'multi-instance outputCollection', node.loop.outputCollection);
      check(id, 'multi-instance outputElement', node.loop.outputElement);
      check(id, 'multi-instance completionCondition', node.loop.completionCondition, { feel: true });
      check(id, 'multi-instance loopCardinality', node.loop.cardinality, { literal: INTEGER });
    }
    checkEvent(node, check, problems);
  }
}

function checkEvent(node: FlowNode, check: (id: string, what: string, source: string | undefined, options?: Check) => void, problems: Problems): void {
  const event = node.event;
  if (!event) return;
  const { id } = node;
  switch (event.kind) {
    case 'timer': {
      const { type, expression } = event.timer;
      if (isFeel(expression)) {
        check(id, `timer ${type}`, expression);
        break;
      }
      try {
        planTimer(type, expression, Date.now());
      } catch (err) {
        problems.add(id, `timer ${type} "${truncate(expression)}" is invalid: ${(err as Error).message}`);
      }
      break;
    }
    case 'message':
      check(id, 'message name', event.messageName);
      check(id, 'correlation key', event.correlationKey);
      break;
    case 'signal':
      check(id, 'signal name', event.signalName);
      break;
    case 'error':
      check(id, 'error code', event.errorCode);
      break;
    case 'escalation':
      check(id, 'escalation code', event.escalationCode);
      break;
    default:
      break;
  }
}
