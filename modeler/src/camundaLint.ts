/**
 * Camunda's own lint rules (bpmnlint-plugin-camunda-compat, MIT) for the Camunda 8 version ProcessDesk
 * claims, beside ProcessDesk's rules (lint.ts): teams coming from Camunda 8 see the findings Camunda's
 * Modeler would show them, named `camunda-compat/<rule>` and graded as Camunda grades them, except where
 * Camunda's rule contradicts what ProcessDesk runs (OFF and WARN_ONLY below, also in docs/web-app.md).
 * This is the modeler's early warning; the server still validates every deployment.
 *
 * lint.ts loads this file on first use: it is a chunk of its own (docs/web-app.md, "Quality").
 */
import camundaCompat from 'bpmnlint-plugin-camunda-compat';
import adHocSubProcess from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/ad-hoc-sub-process';
import calledElement from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/called-element';
import duplicateExecutionListeners from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/duplicate-execution-listeners';
import duplicateTaskHeaders from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/duplicate-task-headers';
import elementType from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/element-type';
import errorReference from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/error-reference';
import escalationBoundaryEventAttachedToRef from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/escalation-boundary-event-attached-to-ref';
import escalationReference from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/escalation-reference';
import eventBasedGatewayTarget from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/event-based-gateway-target';
import executableProcess from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/executable-process';
import executionListener from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/execution-listener';
import feel from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/feel';
import feelCompatibility from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/feel-compatibility';
import implementation from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/implementation';
import ioMapping from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/io-mapping';
import linkEvent from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/link-event';
import loopCharacteristics from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/loop-characteristics';
import messageReference from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/message-reference';
import noBeforeAllExecutionListener from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/no-before-all-execution-listener';
import noBusinessId from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/no-business-id';
import noCancelExecutionListener from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/no-cancel-execution-listener';
import noExecutionListenerHeaders from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/no-execution-listener-headers';
import noExpression from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/no-expression';
import noInterruptingEventSubprocess from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/no-interrupting-event-subprocess';
import noJobPriorityDefinition from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/no-job-priority-definition';
import noLoop from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/no-loop';
import noMultipleNoneStartEvents from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/no-multiple-none-start-events';
import priorityDefinition from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/priority-definition';
import sequenceFlowCondition from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/sequence-flow-condition';
import signalReference from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/signal-reference';
import startEventForm from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/start-event-form';
import subscription from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/subscription';
import taskListener from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/task-listener';
import taskSchedule from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/task-schedule';
import timer from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/timer';
import userTaskDefinition from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/user-task-definition';
import userTaskForm from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/user-task-form';
import variableName from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/variable-name';
import versionTag from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/version-tag';
import waitForCompletion from 'bpmnlint-plugin-camunda-compat/rules/camunda-cloud/wait-for-completion';

/**
 * The Camunda 8 version whose rules apply: the version of the Camunda client ProcessDesk's /v2 API is
 * tested against (@camunda8/orchestration-cluster-api 8.8 in package.json). Raise both together.
 */
export const CAMUNDA_VERSION = '8.8';

/** Camunda's rules that say nothing true about a ProcessDesk diagram, and why. */
const CONNECTORS =
  "checks a job of Camunda's hosted connectors (by its job type or input names): ProcessDesk runs no connector runtime, such a job waits for a worker like any other";
const OFF: Record<string, string> = {
  'zeebe-user-task':
    'asks for zeebe:userTask (a "Camunda user task" instead of a job worker one): ProcessDesk runs every user task as its own task (task list, forms, assignment) with or without it',
  'connector-properties': CONNECTORS,
  secrets: CONNECTORS,
};
/**
 * Camunda's 8.8 set also checks the elements of an ad-hoc subprocess run by one of its hosted connectors
 * (found by that connector's job type or template); their names start with `agent-` (Camunda's name: not
 * ProcessDesk's service desk agents). Off as the connector rules above, and not loaded.
 */
const CONNECTOR_PREFIX = 'agent-';

/**
 * Camunda's rules that flag what ProcessDesk runs: a warning here (the diagram would not run on Camunda
 * 8.8, which matters to a team that may take it back), not an error. The server's checks on deploy stay
 * the judge of what ProcessDesk refuses.
 */
const WARN_ONLY: Record<string, string> = {
  timer: 'ProcessDesk also runs a duration on a timer start event, a cycle on an interrupting boundary timer and 5-field cron cycles; a value it cannot read is refused on deploy',
  'sequence-flow-condition':
    'ProcessDesk runs conditions on flows out of activities (every flow whose condition holds is taken); a gateway flow without a condition stays an error (bpmnlint/conditional-flows)',
  'loop-characteristics': 'ProcessDesk runs a multi-instance by its loopCardinality alone, without zeebe:loopCharacteristics',
  'priority-definition': 'ProcessDesk takes any whole number as a user task priority, not only 0 to 100',
  'event-based-gateway-target': 'ProcessDesk runs a receive task after an event-based gateway',
  'no-loop':
    'ProcessDesk runs loops through call activities and plain tasks (a command works a bounded number of steps and continues in the next); a loop with no way out still never ends',
};

/** Camunda's bpmnlint rule `bpmnlint/start-event-required` is in its set and already in ProcessDesk's. */
const SHARED = 'bpmnlint/start-event-required';

/** The rules of Camunda's 8.8 set that are loaded, by Camunda's name. */
const FACTORIES: Record<string, unknown> = {
  'ad-hoc-sub-process': adHocSubProcess,
  'called-element': calledElement,
  'duplicate-execution-listeners': duplicateExecutionListeners,
  'duplicate-task-headers': duplicateTaskHeaders,
  'element-type': elementType,
  'error-reference': errorReference,
  'escalation-boundary-event-attached-to-ref': escalationBoundaryEventAttachedToRef,
  'escalation-reference': escalationReference,
  'event-based-gateway-target': eventBasedGatewayTarget,
  'executable-process': executableProcess,
  'execution-listener': executionListener,
  feel,
  'feel-compatibility': feelCompatibility,
  implementation,
  'io-mapping': ioMapping,
  'link-event': linkEvent,
  'loop-characteristics': loopCharacteristics,
  'message-reference': messageReference,
  'no-before-all-execution-listener': noBeforeAllExecutionListener,
  'no-business-id': noBusinessId,
  'no-cancel-execution-listener': noCancelExecutionListener,
  'no-execution-listener-headers': noExecutionListenerHeaders,
  'no-expression': noExpression,
  'no-interrupting-event-subprocess': noInterruptingEventSubprocess,
  'no-job-priority-definition': noJobPriorityDefinition,
  'no-loop': noLoop,
  'no-multiple-none-start-events': noMultipleNoneStartEvents,
  'priority-definition': priorityDefinition,
  'sequence-flow-condition': sequenceFlowCondition,
  'signal-reference': signalReference,
  'start-event-form': startEventForm,
  subscription,
  'task-listener': taskListener,
  'task-schedule': taskSchedule,
  timer,
  'user-task-definition': userTaskDefinition,
  'user-task-form': userTaskForm,
  'variable-name': variableName,
  'version-tag': versionTag,
  'wait-for-completion': waitForCompletion,
};

type RuleSetting = [category: string, config: Record<string, unknown>];

/** A rule of Camunda's set as ProcessDesk grades it: Camunda's category unless listed above, with why. */
export interface CamundaRule {
  name: string;
  category: 'error' | 'warn' | 'off';
  camundaCategory: string;
  why?: string;
}

/** Every rule of Camunda's set for CAMUNDA_VERSION, with the grade it has here. */
export function camundaRules(): CamundaRule[] {
  const setting = camundaCompat.configs[`camunda-cloud-${CAMUNDA_VERSION.replace('.', '-')}`];
  if (!setting) throw new Error(`bpmnlint-plugin-camunda-compat has no rules for Camunda ${CAMUNDA_VERSION}`);
  return Object.entries(setting.rules)
    .filter(([name]) => name !== SHARED)
    .map(([name, value]): CamundaRule => {
      const camundaCategory = Array.isArray(value) ? value[0] : value;
      const off = OFF[name] ?? (name.startsWith(CONNECTOR_PREFIX) ? CONNECTORS : undefined);
      if (off) return { name, category: 'off', camundaCategory, why: off };
      if (WARN_ONLY[name]) return { name, category: 'warn', camundaCategory, why: WARN_ONLY[name] };
      return { name, category: camundaCategory === 'error' ? 'error' : 'warn', camundaCategory };
    });
}

/**
 * The resolver cache (`rule:bpmnlint-plugin-camunda-compat/<name>` -> factory) and the rule config
 * (`camunda-compat/<name>` -> [category, { version }]) to add to lint.ts's Linter. A rule of Camunda's
 * set that is neither loaded nor off is an error, so a new plugin version cannot add one unseen.
 */
export function camundaRuleSet(): { cache: Record<string, unknown>; rules: Record<string, RuleSetting> } {
  const cache: Record<string, unknown> = {};
  const rules: Record<string, RuleSetting> = {};
  for (const rule of camundaRules()) {
    if (rule.category === 'off') continue;
    const factory = FACTORIES[rule.name];
    if (!factory) throw new Error(`Camunda's rule ${rule.name} is neither loaded nor listed as off (modeler/src/camundaLint.ts)`);
    cache[`rule:bpmnlint-plugin-camunda-compat/${rule.name}`] = factory;
    rules[`camunda-compat/${rule.name}`] = [rule.category, { version: CAMUNDA_VERSION }];
  }
  return { cache, rules };
}
