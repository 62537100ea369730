/**
 * Opening the waits that events define: timers (planned from ISO 8601 or FEEL), message subscriptions
 * (with their correlation key evaluated now) and signal subscriptions. Used by catch events, boundary
 * events, event-based gateways, receive tasks and event subprocess starts alike.
 */
import type { EventDefinition } from '../bpmn/model';
import { ExpressionError } from '../expr/feel';
import { checkTimerLimits, nextOccurrence, planTimer } from '../expr/timers';
import type { Run } from './run';
import type { Token, Variables, Wait, WaitRole } from './state';

/** Opens the wait for an event definition; `owner` is the waiting token, or undefined for a scope wait. */
export function openEventWait(run: Run, event: EventDefinition, role: WaitRole, node: string, scope: string, owner: Token | undefined): Wait | undefined {
  const vars: Variables = run.visibleVariables(scope, owner);
  switch (event.kind) {
    case 'timer': {
      const value = run.evaluate(event.timer.expression, owner ?? ({ scope } as Token));
      const plan = planTimer(event.timer.type, value, run.at);
      checkTimerLimits(plan, run.at, run.graph.limits);
      const wait = run.openWait('timer', role, node, scope, owner, plan.repeat ? { repeat: plan.repeat } : undefined);
      run.emit({ type: 'timer.schedule', waitId: wait.id, elementId: node, dueAt: plan.dueAt });
      run.history('timer.scheduled', node, { waitId: wait.id, dueAt: new Date(plan.dueAt).toISOString() });
      return wait;
    }
    case 'message': {
      const key = event.correlationKey ? run.evaluate(event.correlationKey, owner ?? ({ scope } as Token)) : undefined;
      if (event.correlationKey && (key === null || key === undefined || typeof key === 'object')) {
        throw new ExpressionError(
          `correlation key ${event.correlationKey} gave ${JSON.stringify(key)} (variables: ${Object.keys(vars).join(', ') || 'none'})`,
          event.correlationKey,
        );
      }
      const wait = run.openWait('message', role, node, scope, owner, { name: event.messageName, ...(key === undefined ? {} : { key: String(key) }) });
      run.emit({
        type: 'subscription.open',
        waitId: wait.id,
        kind: 'message',
        name: event.messageName,
        correlationKey: key === undefined ? undefined : String(key),
        elementId: node,
      });
      return wait;
    }
    case 'signal': {
      const wait = run.openWait('signal', role, node, scope, owner, { name: event.signalName });
      run.emit({ type: 'subscription.open', waitId: wait.id, kind: 'signal', name: event.signalName, elementId: node });
      return wait;
    }
    default:
      return undefined;
  }
}

/** Re-arms a cycle timer wait after it fired; returns false when the cycle is exhausted. */
export function rearmCycle(run: Run, wait: Wait): boolean {
  if (!wait.repeat) return false;
  if (wait.repeat.remaining === 0) return false;
  const next = nextOccurrence(wait.repeat, run.at);
  if (!next) return false;
  wait.repeat = next.repeat;
  run.emit({ type: 'timer.schedule', waitId: wait.id, elementId: wait.node, dueAt: next.dueAt });
  run.history('timer.scheduled', wait.node, { waitId: wait.id, dueAt: new Date(next.dueAt).toISOString() });
  return true;
}
