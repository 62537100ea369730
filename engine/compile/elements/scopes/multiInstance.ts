/**
 * Multi-instance activities (zeebe:loopCharacteristics): the body token on the activity fans out
 * into inner instances, each in its own scope holding the input element and `loopCounter`, in
 * parallel or one after another. Outputs are collected by index, so the collection keeps the input
 * order whatever order the instances finish in.
 */
import type { FlowNode } from '../../../bpmn/model';
import { ExpressionError } from '../../../expr/feel';
import type { Run } from '../../run';
import type { Token, Variables } from '../../state';

export function enterMultiInstance(run: Run, body: Token, node: FlowNode): void {
  const loop = node.loop!;
  let items: unknown[];
  if (loop.inputCollection) {
    const value = run.evaluate(loop.inputCollection, body);
    if (!Array.isArray(value)) throw new ExpressionError(`input collection ${loop.inputCollection} gave ${JSON.stringify(value)}, not a list`, loop.inputCollection);
    items = value;
  } else {
    const count = Number(run.evaluate(loop.cardinality ?? '0', body));
    if (!Number.isInteger(count) || count < 0) throw new ExpressionError(`loop cardinality ${loop.cardinality} gave ${count}`, loop.cardinality ?? '');
    // never build a list longer than the limit allows (a cardinality of a billion is refused below)
    items = Array.from({ length: Math.min(count, run.graph.limits.maxMultiInstance + 1) }, (_, i) => i + 1);
  }
  const max = run.graph.limits.maxMultiInstance;
  if (items.length > max) {
    throw new ExpressionError(
      `multi-instance over ${loop.inputCollection ? `${items.length} items` : `a cardinality above ${max}`} exceeds the limit of ${max} instances (maxMultiInstance)`,
      loop.inputCollection ?? loop.cardinality ?? '',
    );
  }
  body.status = 'waiting';
  run.addWork(items.length);
  body.mi = { items, next: 0, completed: 0, outputs: items.map(() => null), running: {} };
  if (!items.length) return finishBody(run, body, node);
  const first = loop.sequential ? 1 : items.length;
  for (let i = 0; i < first; i++) startInner(run, body, node);
}

function startInner(run: Run, body: Token, node: FlowNode): void {
  const mi = body.mi!;
  const index = mi.next++;
  const vars: Variables = { loopCounter: index + 1 };
  if (node.loop!.inputElement) vars[node.loop!.inputElement] = mi.items[index];
  const scope = run.createScope('inner', `${node.id}#inner`, body.scope, body.id, vars);
  const inner = run.arrive(node.id, scope.id, undefined, { inner: { body: body.id, index } });
  mi.running[String(index)] = inner.id;
}

/** An inner instance finished: collect its output, then start the next one or finish the body. */
export function innerInstanceDone(run: Run, inner: Token, result: Variables): void {
  const body = run.token(inner.inner!.body);
  const node = run.graph.node(body.node);
  const loop = node.loop!;
  const mi = body.mi!;
  const index = inner.inner!.index;
  const vars = { ...run.visibleVariables(inner.scope, inner), ...result };
  run.history('element.completed', node.id, { loopCounter: index + 1 });
  delete run.ctx.tokens[inner.id];
  delete run.ctx.scopes[inner.scope];
  delete mi.running[String(index)];
  mi.completed += 1;
  try {
    if (loop.outputElement) mi.outputs[index] = run.evaluate(loop.outputElement, body, vars);
    let done = mi.completed === mi.items.length;
    if (!done && loop.completionCondition) {
      // As in Zeebe, the output collection so far (null where an instance has not finished) is visible
      // to the completion condition: "enough approvals yet?" counts it.
      done = run.condition(loop.completionCondition, body, {
        ...vars,
        ...(loop.outputCollection ? { [loop.outputCollection]: mi.outputs } : {}),
        numberOfInstances: mi.items.length,
        numberOfCompletedInstances: mi.completed,
        numberOfActiveInstances: Object.keys(mi.running).length,
      } as Variables);
    }
    if (done) {
      for (const id of Object.values(mi.running)) {
        const t = run.ctx.tokens[id];
        if (t) run.terminate(t);
      }
      finishBody(run, body, node);
    } else if (loop.sequential && mi.next < mi.items.length) {
      startInner(run, body, node);
    }
  } catch (err) {
    run.raiseIncident(body, err);
  }
}

function finishBody(run: Run, body: Token, node: FlowNode): void {
  const outputs = body.mi!.outputs;
  body.mi = undefined;
  body.status = 'active';
  if (node.loop!.outputCollection) run.setVariables(body.scope, { [node.loop!.outputCollection]: outputs });
  run.complete(body, { type: 'multiInstance.completed', data: { instances: outputs.length } });
}
