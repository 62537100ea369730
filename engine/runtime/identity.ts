/**
 * Identity is the sign-in, never a typed value. A process names the variables that hold user ids
 * (`processdesk.identityVariables`, e.g. requester, implementer, manager): the engine sets the starter's
 * (`processdesk.starterVariable`) from the signed-in user, and refuses them in start variables, messages,
 * signals, job results and operators' edits. A user task may set one once, through a field of its form
 * (the API lets only declared form fields through); a value once set never changes, so an approval
 * always judged the people who are on the record.
 */
import type { ProcessPolicy } from '../bpmn/model';
import { invalid, type EngineError } from './errors';

export type IdentitySource = 'start' | 'message' | 'signal' | 'job' | 'operator' | 'formless-task' | 'task';

const BY: Record<IdentitySource, string> = {
  start: 'at start (the starter is the signed-in user)',
  message: 'by a message',
  signal: 'by a signal',
  job: 'by a job result',
  operator: 'by an operator',
  'formless-task': "by a task without a form (only a field of a task's form may set it)",
  task: 'by a task',
};

/** Start variables with the starter's user id in the process's starter variable. */
export function withStarter(policy: ProcessPolicy | undefined, variables: Record<string, unknown>, starter: string): Record<string, unknown> {
  return policy?.starterVariable ? { ...variables, [policy.starterVariable]: starter } : variables;
}

/**
 * Why these variables may not be written, or undefined. `current` (task completions) holds the values
 * the task sees now: an identity variable that has one is set already.
 */
export function identityError(
  policy: ProcessPolicy | undefined,
  variables: Record<string, unknown> | undefined,
  source: IdentitySource,
  current?: Record<string, unknown>,
): EngineError | undefined {
  if (!policy?.identityVariables.length || !variables) return undefined;
  const named = policy.identityVariables.filter((name) => Object.prototype.hasOwnProperty.call(variables, name));
  if (!named.length) return undefined;
  if (source !== 'task') {
    return invalid(`${named.join(', ')} ${named.length > 1 ? 'are identity variables' : 'is an identity variable'} of this process and cannot be set ${BY[source]}`, {
      properties: named,
    });
  }
  const set = named.filter((name) => current?.[name] !== undefined && current[name] !== null && current[name] !== variables[name]);
  if (!set.length) return undefined;
  return invalid(`${set.map((n) => `${n} is already ${JSON.stringify(current![n])}`).join('; ')}: identity variables are set once and never change`, { properties: set });
}
