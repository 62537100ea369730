/**
 * Ad-hoc subprocesses (bpmn:adHocSubProcess with zeebe:adHoc): no start or end events; entering one
 * starts the inner elements its `activeElementsCollection` lists (a FEEL list of element ids; without
 * one, every inner element no sequence flow leads to), and more can be started later (the API,
 * ACTIVATE_ELEMENTS). After each inner element completes, `outputElement` is added to the
 * `outputCollection` and the `completionCondition` is evaluated: once it is true the subprocess
 * completes, cancelling the inner elements still running (`cancelRemainingInstances`, the default) or
 * after they finish. Without a completion condition it completes when no inner element runs any more.
 */
import type { FlowNode } from '../../../bpmn/model';
import { ExpressionError } from '../../../expr/feel';
import type { Run } from '../../run';
import type { ScopeInstance, Token } from '../../state';
import { completeActivity } from '../activity';

/** The inner elements an ad-hoc subprocess may start. */
function startable(run: Run, adHoc: FlowNode): string[] {
  return run.graph.model.scopes[adHoc.id].nodes.filter((id) => run.graph.node(id).kind !== 'boundaryEvent');
}

/** Starts inner elements of a running ad-hoc scope, through the statechart's `activate.<id>` transitions. */
export function activateElements(run: Run, scope: ScopeInstance, elements: string[]): void {
  const adHoc = run.graph.node(scope.model);
  const allowed = new Set(startable(run, adHoc));
  const unknown = elements.filter((e) => typeof e !== 'string' || !allowed.has(e));
  if (unknown.length)
    throw new ExpressionError(
      `${JSON.stringify(unknown)} ${unknown.length === 1 ? 'is no inner element' : 'are no inner elements'} of ad-hoc subprocess ${adHoc.id} (its elements: ${[...allowed].join(', ')})`,
      adHoc.adHoc?.activeElements ?? '',
    );
  scope.completing = undefined;
  for (const element of elements) {
    const [taken] = run.graph.chart.move(adHoc.id, { type: `activate.${element}` });
    run.arrive(taken.to, scope.id);
  }
}

/** Entering: the scope, and the elements its activeElementsCollection (or its structure) names. */
export function startAdHoc(run: Run, token: Token, node: FlowNode): void {
  const def = node.adHoc!;
  const scope = run.createScope('adHoc', node.id, token.scope, token.id, { ...(token.locals ?? {}) });
  token.child = scope.id;
  token.status = 'waiting';
  let elements: string[];
  if (def.activeElements) {
    const value = run.evaluate(def.activeElements, token);
    if (!Array.isArray(value))
      throw new ExpressionError(`activeElementsCollection ${def.activeElements} gave ${JSON.stringify(value)}, not a list of element ids`, def.activeElements);
    elements = value as string[];
  } else {
    elements = startable(run, node).filter((id) => !run.graph.node(id).incoming.length);
  }
  if (def.outputCollection) scope.vars[def.outputCollection] = [];
  activateElements(run, scope, elements);
}

/** An inner element completed: collect its output, and see whether the completion condition is met. */
export function adHocElementDone(run: Run, scope: ScopeInstance): void {
  const adHoc = run.graph.node(scope.model);
  const def = adHoc.adHoc!;
  const host = run.ctx.tokens[scope.host!];
  if (!host) return;
  try {
    if (def.outputCollection && def.outputElement) {
      const collected = (scope.vars[def.outputCollection] as unknown[] | undefined) ?? [];
      scope.vars[def.outputCollection] = [...collected, run.evaluate(def.outputElement, { scope: scope.id } as Token)];
    }
    if (!def.completionCondition || scope.completing) return;
    if (!run.condition(def.completionCondition, { scope: scope.id } as Token)) return;
  } catch (err) {
    run.raiseIncident(host, err);
    return;
  }
  scope.completing = true;
  if (def.cancelRemainingInstances) run.clearScope(scope.id);
  run.requestScopeCheck(scope.id);
}

/**
 * The ad-hoc scope has no running element: it completes, unless a completion condition it has was not
 * met yet (then it waits for elements started through the API).
 */
export function adHocEnded(run: Run, scope: ScopeInstance, host: Token): boolean {
  const def = run.graph.node(scope.model).adHoc!;
  if (def.completionCondition && !scope.completing) return false;
  if (def.outputCollection) run.setVariables(host.scope, { [def.outputCollection]: scope.vars[def.outputCollection] ?? [] });
  completeActivity(run, host, undefined);
  return true;
}
