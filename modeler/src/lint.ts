/**
 * Linting with bpmnlint in the browser: bpmnlint's Linter with a static resolver (the "packed config"
 * bpmnlint-pack-config would generate, written out by hand so vite needs no plugin): a selection of
 * bpmnlint's own rules fitting the zeebe dialect, ProcessDesk rules (plugin `processdesk`) for what the
 * engine needs to run a model, and Camunda's rules for the Camunda 8 version ProcessDesk claims
 * (`camunda-compat/*`, camundaLint.ts). A finding's `rule` names its rule set and rule.
 */
import { Linter } from 'bpmnlint';
import StaticResolver from 'bpmnlint/lib/resolver/static-resolver';
import adHocSubProcess from 'bpmnlint/rules/ad-hoc-sub-process';
import conditionalFlows from 'bpmnlint/rules/conditional-flows';
import endEventRequired from 'bpmnlint/rules/end-event-required';
import eventBasedGateway from 'bpmnlint/rules/event-based-gateway';
import eventSubProcessTypedStartEvent from 'bpmnlint/rules/event-sub-process-typed-start-event';
import fakeJoin from 'bpmnlint/rules/fake-join';
import labelRequired from 'bpmnlint/rules/label-required';
import linkEvent from 'bpmnlint/rules/link-event';
import noBpmndi from 'bpmnlint/rules/no-bpmndi';
import noComplexGateway from 'bpmnlint/rules/no-complex-gateway';
import noDisconnected from 'bpmnlint/rules/no-disconnected';
import noDuplicateSequenceFlows from 'bpmnlint/rules/no-duplicate-sequence-flows';
import noImplicitEnd from 'bpmnlint/rules/no-implicit-end';
import noImplicitSplit from 'bpmnlint/rules/no-implicit-split';
import noImplicitStart from 'bpmnlint/rules/no-implicit-start';
import noOverlappingElements from 'bpmnlint/rules/no-overlapping-elements';
import singleBlankStartEvent from 'bpmnlint/rules/single-blank-start-event';
import singleEventDefinition from 'bpmnlint/rules/single-event-definition';
import startEventRequired from 'bpmnlint/rules/start-event-required';
import subProcessBlankStartEvent from 'bpmnlint/rules/sub-process-blank-start-event';
import superfluousGateway from 'bpmnlint/rules/superfluous-gateway';
import superfluousTermination from 'bpmnlint/rules/superfluous-termination';

export interface LintIssue {
  id: string;
  rule: string;
  message: string;
  category: 'error' | 'warn';
}

type Node = any;
type Reporter = { report: (id: string, message: string) => void };

const is = (el: Node, type: string): boolean => typeof el?.$instanceOf === 'function' && el.$instanceOf(type);
const ext = (el: Node, type: string): Node | undefined => (el.extensionElements?.values ?? []).find((v: Node) => is(v, type));

/** ProcessDesk rule: workers need a job type (zeebe:taskDefinition) on service-like tasks. */
function zeebeTaskType() {
  return {
    check(node: Node, reporter: Reporter) {
      const jobTask =
        is(node, 'bpmn:ServiceTask') ||
        is(node, 'bpmn:SendTask') ||
        (is(node, 'bpmn:BusinessRuleTask') && !ext(node, 'zeebe:CalledDecision')) ||
        (is(node, 'bpmn:ScriptTask') && !ext(node, 'zeebe:Script'));
      if (jobTask && !ext(node, 'zeebe:TaskDefinition')?.type) reporter.report(node.id, 'needs a job type (Task definition › Type)');
    },
  };
}

/** ProcessDesk rule: a user task nobody is offered is seen by no agent. */
function userTaskAssignment() {
  return {
    check(node: Node, reporter: Reporter) {
      if (!is(node, 'bpmn:UserTask')) return;
      const a = ext(node, 'zeebe:AssignmentDefinition');
      if (!a?.assignee && !a?.candidateGroups && !a?.candidateUsers) reporter.report(node.id, 'has no assignee or candidate groups: no agent will see it');
    },
  };
}

/** ProcessDesk rule: only executable processes are deployed. */
function executable() {
  return {
    check(node: Node, reporter: Reporter) {
      if (!is(node, 'bpmn:Definitions')) return;
      const processes = (node.rootElements ?? []).filter((r: Node) => is(r, 'bpmn:Process'));
      if (processes.length && !processes.some((p: Node) => p.isExecutable)) reporter.report(processes[0].id, 'is not executable (General › Executable): it cannot be deployed');
    },
  };
}

/** ProcessDesk rule: a timer event without its date, duration or cycle never fires (or fails when reached). */
function timerDefined() {
  return {
    check(node: Node, reporter: Reporter) {
      if (!is(node, 'bpmn:Event')) return;
      for (const def of node.eventDefinitions ?? []) {
        if (!is(def, 'bpmn:TimerEventDefinition')) continue;
        const value = def.timeDuration ?? def.timeDate ?? def.timeCycle;
        if (!String(value?.body ?? '').trim()) reporter.report(node.id, 'is a timer without a value (Timer › date, duration or cycle)');
      }
    },
  };
}

/** ProcessDesk rule: a message event waiting for no message is never reached by one. */
function messageDefined() {
  return {
    check(node: Node, reporter: Reporter) {
      if (!is(node, 'bpmn:CatchEvent')) return;
      const def = (node.eventDefinitions ?? []).find((d: Node) => is(d, 'bpmn:MessageEventDefinition'));
      if (def && !def.messageRef?.name) reporter.report(node.id, 'waits for no message (Message › Name)');
    },
  };
}

/**
 * ProcessDesk rule: a user task's form must be deployed already or go with this deployment, else the
 * server refuses it. The known form ids are handed to lintDefinitions; without them the rule is silent.
 */
function formKnown(forms: ReadonlySet<string> | undefined) {
  return () => ({
    check(node: Node, reporter: Reporter) {
      if (!forms || !is(node, 'bpmn:UserTask')) return;
      const formId = ext(node, 'zeebe:FormDefinition')?.formId;
      if (formId && !forms.has(formId)) reporter.report(node.id, `uses form ${formId}, which is neither deployed nor attached`);
    },
  });
}

const RULES: Record<string, [factory: unknown, severity: 'error' | 'warn']> = {
  'ad-hoc-sub-process': [adHocSubProcess, 'error'],
  'conditional-flows': [conditionalFlows, 'error'],
  'end-event-required': [endEventRequired, 'error'],
  'event-based-gateway': [eventBasedGateway, 'error'],
  'event-sub-process-typed-start-event': [eventSubProcessTypedStartEvent, 'error'],
  'fake-join': [fakeJoin, 'warn'],
  'label-required': [labelRequired, 'warn'],
  'link-event': [linkEvent, 'error'],
  'no-bpmndi': [noBpmndi, 'error'],
  'no-complex-gateway': [noComplexGateway, 'error'],
  'no-disconnected': [noDisconnected, 'error'],
  'no-duplicate-sequence-flows': [noDuplicateSequenceFlows, 'error'],
  'no-implicit-end': [noImplicitEnd, 'error'],
  'no-implicit-split': [noImplicitSplit, 'warn'],
  'no-implicit-start': [noImplicitStart, 'error'],
  'no-overlapping-elements': [noOverlappingElements, 'warn'],
  'single-blank-start-event': [singleBlankStartEvent, 'error'],
  'single-event-definition': [singleEventDefinition, 'error'],
  'start-event-required': [startEventRequired, 'error'],
  'sub-process-blank-start-event': [subProcessBlankStartEvent, 'error'],
  'superfluous-gateway': [superfluousGateway, 'warn'],
  'superfluous-termination': [superfluousTermination, 'warn'],
};
const PLUGIN_RULES: Record<string, [factory: unknown, severity: 'error' | 'warn']> = {
  'zeebe-task-type': [zeebeTaskType, 'error'],
  'user-task-assignment': [userTaskAssignment, 'warn'],
  executable: [executable, 'error'],
  'timer-defined': [timerDefined, 'error'],
  'message-defined': [messageDefined, 'error'],
};

const baseCache: Record<string, unknown> = {};
const rules: Record<string, string | [string, Record<string, unknown>]> = {};
for (const [name, [factory, severity]] of Object.entries(RULES)) {
  baseCache[`rule:bpmnlint/${name}`] = factory;
  rules[name] = severity;
}
for (const [name, [factory, severity]] of Object.entries(PLUGIN_RULES)) {
  baseCache[`rule:bpmnlint-plugin-processdesk/${name}`] = factory;
  rules[`processdesk/${name}`] = severity;
}
rules['processdesk/form-known'] = 'error';

/**
 * Camunda's rules, loaded when the modeler first lints: a chunk of their own, fetched once (they bring a
 * FEEL parser and analyser the rest of the modeler does not need). A failed load is tried again next time.
 */
let camunda: Promise<{ cache: Record<string, unknown>; rules: Record<string, [string, Record<string, unknown>]> }> | undefined;
function camundaRuleSet(): NonNullable<typeof camunda> {
  if (!camunda) {
    camunda = import('./camundaLint').then((m) => m.camundaRuleSet());
    camunda.catch(() => {
      camunda = undefined;
    });
  }
  return camunda;
}

/**
 * Lints the bpmn:Definitions of the diagram. `forms`: the form ids deployed or going with the
 * deployment (deployed, attached, built in the form builder). `camunda: false` leaves Camunda's rules
 * out (and their chunk unfetched): the modeler's untouched starting diagram, where they find nothing.
 */
export async function lintDefinitions(definitions: Node, forms?: ReadonlySet<string>, options: { camunda?: boolean } = {}): Promise<LintIssue[]> {
  // A Linter per run, as bpmn-js-bpmnlint does: a Linter keeps its rule instances, and some rules keep
  // state (no-duplicate-sequence-flows remembers every flow it saw), so a reused one reported every
  // flow of the diagram as a duplicate from the second run on.
  const fromCamunda = options.camunda === false ? { cache: {}, rules: {} } : await camundaRuleSet();
  const cache = { ...baseCache, ...fromCamunda.cache, 'rule:bpmnlint-plugin-processdesk/form-known': formKnown(forms) };
  const linter = new Linter({ config: { rules: { ...rules, ...fromCamunda.rules } }, resolver: new StaticResolver(cache) });
  const results = await linter.lint(definitions);
  const issues: LintIssue[] = [];
  for (const [rule, reports] of Object.entries(results)) {
    for (const r of reports) {
      if (r.category === 'rule-error') throw new Error(`lint rule ${rule} failed: ${r.message}`);
      issues.push({ id: r.id, rule, message: r.message, category: r.category === 'warn' ? 'warn' : 'error' });
    }
  }
  return issues;
}
