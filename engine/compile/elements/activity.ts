/**
 * What every activity shares: multi-instance expansion, input mappings, arming its boundary events,
 * and on completion the output mappings and the move on (or, for a multi-instance inner instance, the
 * hand-back to its body). The task, subprocess and call activity families build on it.
 */
import type { FlowNode } from '../../bpmn/model';
import { applyMappings } from '../mappings';
import type { Run } from '../run';
import type { Token, Variables } from '../state';
import { armBoundaries } from './events/boundaryEvent';
import { enterMultiInstance, innerInstanceDone } from './scopes/multiInstance';

/** What an activity does once its inputs are mapped: create a task, a job, a child instance... */
export type ActivityBody = (run: Run, token: Token, node: FlowNode) => void;

export function enterActivity(run: Run, token: Token, node: FlowNode, body: ActivityBody): void {
  if (node.loop && !token.inner) {
    enterMultiInstance(run, token, node);
    armBoundaries(run, token, node);
    return;
  }
  if (node.inputs?.length) {
    token.locals = applyMappings(node.inputs, run.feelContext(token), token.locals);
  }
  body(run, token, node);
  // Boundary events of an inner instance belong to the multi-instance body, not to each instance.
  if (run.ctx.tokens[token.id] && token.status === 'waiting' && !token.inner) armBoundaries(run, token, node);
}

/** An activity's behaviour: enter through the shared activity steps, then `body`. */
export function activity(body: ActivityBody): { enter: (run: Run, token: Token, node: FlowNode) => void } {
  return { enter: (run, token, node) => enterActivity(run, token, node, body) };
}

/** The activity is done with `result` variables: map them out and continue. */
export function completeActivity(run: Run, token: Token, result: Variables | undefined): void {
  const node = run.graph.node(token.node);
  token.status = 'active';
  if (node.outputs?.length) {
    const context = run.feelContext(token, result);
    let mapped;
    try {
      mapped = applyMappings(node.outputs, context);
    } catch (err) {
      // resolving the incident retries the completion with the same result (step.ts, retry)
      token.resume = { result: result ?? {} };
      run.raiseIncident(token, err);
      return;
    }
    run.setVariables(token.scope, mapped);
  } else if (result && Object.keys(result).length) {
    run.setVariables(token.scope, result);
  }
  if (token.inner) {
    innerInstanceDone(run, token, result ?? {});
    return;
  }
  run.complete(token);
}
