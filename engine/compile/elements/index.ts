/**
 * The element families, by BPMN element kind, and what reacts to each kind of wait: the registry the
 * token game (step.ts, run.ts) is handed by machine.ts. Where is...
 *   boundary timer / message / signal       events/boundaryEvent.ts
 *   error and escalation propagation        events/errorsAndEscalations.ts
 *   signal caught by its own instance       events/signals.ts
 *   event subprocess                        scopes/eventSubProcess.ts
 *   multi-instance                          scopes/multiInstance.ts
 *   user task / jobs / script / receive     tasks/
 *   gateway joins                           gateways/parallelGateway.ts, gateways/inclusiveGateway.ts
 */
import type { Behaviors } from '../run';
import type { ScopeInstance } from '../state';
import { completeActivity } from './activity';
import { boundaryEvent, boundaryTriggered } from './events/boundaryEvent';
import { endEvent } from './events/endEvent';
import { intermediateCatchEvent } from './events/intermediateCatchEvent';
import { intermediateThrowEvent } from './events/intermediateThrowEvent';
import { catchOwnSignal } from './events/signals';
import { handlerEnded, keepCompensable, recordCompensable } from './events/compensation';
import { startEvent } from './events/startEvent';
import { eventBasedGateway, gatewayTargetTriggered } from './gateways/eventBasedGateway';
import { exclusiveGateway } from './gateways/exclusiveGateway';
import { evaluateInclusiveJoins, inclusiveGateway } from './gateways/inclusiveGateway';
import { parallelGateway } from './gateways/parallelGateway';
import { callActivity, childReported } from './scopes/callActivity';
import { eventSubProcessEnded, eventSubProcessTriggered } from './scopes/eventSubProcess';
import { processEnded, terminateInstance } from './scopes/process';
import { subProcess, subProcessEnded } from './scopes/subProcess';
import { activateElements, adHocElementDone, adHocEnded } from './scopes/adHocSubProcess';
import { businessRuleTask, jobDone, sendTask, serviceTask } from './tasks/jobTask';
import { manualTask, task } from './tasks/passThroughTask';
import { eventCaught, receiveTask } from './tasks/receiveTask';
import { scriptTask } from './tasks/scriptTask';
import { taskCompleted, userTask } from './tasks/userTask';

export const behaviors: Behaviors = {
  elements: {
    startEvent,
    endEvent,
    intermediateCatchEvent,
    intermediateThrowEvent,
    boundaryEvent,
    task,
    manualTask,
    userTask,
    serviceTask,
    sendTask,
    businessRuleTask,
    scriptTask,
    receiveTask,
    exclusiveGateway,
    parallelGateway,
    inclusiveGateway,
    eventBasedGateway,
    subProcess,
    callActivity,
  },
  waits: { task: taskCompleted, job: jobDone, child: childReported, timer: eventCaught, message: eventCaught, signal: eventCaught },
  roles: { boundary: boundaryTriggered, gatewayTarget: gatewayTargetTriggered, eventSubProcess: eventSubProcessTriggered },

  scopeEnd(run, scope: ScopeInstance) {
    for (const w of [...scope.waits]) run.closeWait(w, 'cancel');
    if (scope.kind === 'process') return processEnded(run, scope);
    const host = scope.host ? run.ctx.tokens[scope.host] : undefined;
    // a completed subprocess keeps what of it compensation may undo later
    if (host && (scope.kind === 'subProcess' || scope.kind === 'adHoc')) keepCompensable(scope, host);
    if (scope.kind === 'adHoc' && host && !adHocEnded(run, scope, host)) return;
    delete run.ctx.scopes[scope.id];
    if (!host) return;
    host.child = undefined;
    if (scope.kind === 'eventSubProcess') eventSubProcessEnded(run, scope, host);
    else if (scope.kind === 'subProcess') subProcessEnded(run, scope, host);
  },

  elementCompleted: recordCompensable,
  handlerEnded,

  tokenLeft(run, scopeId) {
    evaluateInclusiveJoins(run, scopeId);
    const scope = run.ctx.scopes[scopeId];
    if (scope?.kind === 'adHoc') adHocElementDone(run, scope);
  },

  activate(run, element, elements) {
    const scopes = Object.values(run.ctx.scopes).filter((s) => s.kind === 'adHoc' && s.model === element);
    if (scopes.length !== 1)
      return scopes.length ? `ad-hoc subprocess ${element} runs ${scopes.length} times here; which one is unclear` : `ad-hoc subprocess ${element} is not running`;
    activateElements(run, scopes[0], elements);
    run.history('adHoc.activated', element, { elements });
    return undefined;
  },

  ownSignal(run, name, variables) {
    catchOwnSignal(run, name, variables, (wait) => (wait.role === 'activity' ? behaviors.waits[wait.kind] : behaviors.roles[wait.role]));
  },

  retry(run, token) {
    const resume = token.resume;
    if (resume) {
      delete token.resume;
      token.status = 'active';
      // the output mappings failed: complete again with the same result; no flow could be taken: leave again
      if ('result' in resume) completeActivity(run, token, resume.result);
      else run.complete(token, resume.leave);
      return;
    }
    for (const w of [...token.waits]) run.closeWait(w, 'cancel');
    run.reenter(token);
  },

  cancel(run, by) {
    terminateInstance(run, { reason: 'canceled', by });
  },
};
