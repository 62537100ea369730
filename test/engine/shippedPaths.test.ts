/**
 * Model-based tests of the shipped processes: @xstate/graph walks each process's statechart (the
 * machine the engine runs, as getMachineConfig serves it) and lists every simple path from the start to
 * an end event; each path is then run on the engine, event by event (a task completed, a job done, a
 * message, a timer on the engine's clock, a child approval decided), with the variables that make its
 * flows' conditions true, and the engine must enter the path's elements in the path's order.
 *
 * The walk chooses flows, not variables: a path whose flows need contradicting variables (a normal
 * change that skips the review only a standard change may skip) cannot happen, and is listed as such.
 */
import fs from 'node:fs';
import path from 'node:path';
import { getSimplePaths } from '@xstate/graph';
import type { AnyMachineSnapshot } from 'xstate';
import type { Engine, Store } from '../../engine';
import { buildDirectory } from '../../api/directory';
import { parseBpmn } from '../../engine/bpmn/parse';
import { deployShipped } from '../../api/main';
import type { FlowNode, ProcessModel } from '../../engine/bpmn/model';
import { createChartMachine, type ChartEvent } from '../../engine/compile/chart';
import type { InstanceContext, Wait } from '../../engine/compile/state';
import { evaluateExpression } from '../../engine/expr/feel';
import { testConfig } from '../api/helpers';
import { eventually, tempEngine } from '../support/engine';

const PROCESSES = path.resolve(__dirname, '../../processes');
type Vars = Record<string, unknown>;

interface Scenario {
  starter: string;
  start: Vars;
  /** What each user task is completed with (besides the variables its path's flows need). */
  tasks: Record<string, Vars>;
  /** The variables that make a flow's condition true, or the default flow taken. */
  flows: Record<string, Vars>;
  /** Call activity flows: how the votes of the child approval go. */
  child?: Record<string, 'approve' | 'reject'>;
  /** A child that is no approval: what its tasks are completed with, by element, and the job types done for it. */
  childTasks?: Record<string, Vars>;
  childJobs?: string[];
  /** A flow that cannot be taken when all these values hold (a default flow's "otherwise"). */
  unless?: Record<string, Vars>;
  /** What elements the process runs set (so that a path through them and a flow needing otherwise cannot happen). */
  sets?: Record<string, Vars>;
  /** Paths that cannot happen, by the flows (or elements) that contradict each other. */
  impossible?: [string, string][];
  /** Elements only a loop back reaches (a simple path never enters a state twice), each listed for review. */
  loopsOnly?: string[];
}

const HOUR = 3_600_000;
/** The clock of the engine the tests run on now (the Driver that opened last). */
let engineNow = (): number => Date.parse('2026-12-01T09:00:00Z');

const RFC = { title: 'Upgrade core switch firmware', description: 'CVE fix', impact: 'medium', affectedServices: 3, hasBackoutPlan: true, testedInStaging: true };

const SCENARIOS: Record<string, Scenario> = {
  incident: {
    starter: 'alice',
    start: { incidentId: 'INC-MBT-{n}' }, // {n}: each path's instance its own correlation key
    // the reaction to a message while the work goes on or waits, then back to the same wait
    loopsOnly: [
      'WorkDone',
      'PriorityChangedEarly',
      'RedeterminePriorityEarly',
      'RecomputeResponseSla',
      'PriorityChanged',
      'PriorityChangedPending',
      'PriorityJoin',
      'RedeterminePriority',
      'RecomputeSla',
      'ClockPaused',
      'PauseSlaClock',
      'RequestCustomerInfo',
      'AwaitCustomerJoin',
      'AwaitCustomer',
      'CustomerReplied',
      'ResumeSlaClock',
      'IncidentReopened',
      'CountReopen',
      'ReopenSlaClock',
    ],
    tasks: { LogIncident: { summary: 'Mail down', category: 'email', impact: 3, urgency: 3 }, InvestigateAndResolve: { resolutionNotes: 'restarted', outcome: 'resolved' } },
    flows: {
      F_w_major: { impact: 1, urgency: 1 },
      F_w_minor: { impact: 3, urgency: 3 },
      F_p1: { outcome: 'pending-customer' },
      F_resolved: { outcome: 'resolved' },
      F_rb_again: { responseBreaches: 2 },
      F_sb_again: { resolutionBreaches: 2 },
    },
    // a target is escalated at its first breach: a second one needs a priority change (a loop) first
    sets: { StartSlaClock: { responseBreaches: 0, resolutionBreaches: 0 } },
    impossible: [['StartSlaClock', 'F_rb_again'], ...Array.from({ length: 8 }, (): [string, string] => ['StartSlaClock', 'F_sb_again'])],
  },
  change: {
    starter: 'alice',
    start: {},
    tasks: {
      SubmitRfc: RFC,
      PlanChange: { implementer: 'dave', implementationPlan: 'helm upgrade' },
      // an hour from the engine's now when the task is completed: the timer to the planned start waits for the walk to fire it
      ScheduleChange: {
        get plannedStart() {
          return new Date(engineNow() + HOUR).toISOString();
        },
        get plannedEnd() {
          return new Date(engineNow() + 2 * HOUR).toISOString();
        },
      },
    },
    flows: {
      F_std: { changeType: 'standard' },
      F_emergency: { changeType: 'emergency' },
      F_normal: { changeType: 'normal' },
      F_failed: { verificationResult: 'failed' },
      F_ok: { verificationResult: 'success' },
      F_skip: { changeType: 'standard', changeStatus: 'implemented' },
      // the risk comes from the DMN: the RFC answers that score low (5 points) or high (90)
      F_risk_low: { impact: 'low', affectedServices: 0, hasBackoutPlan: true, testedInStaging: true },
      F_cab_high: { impact: 'high', affectedServices: 9, hasBackoutPlan: false },
    },
    sets: { MarkRejected: { changeStatus: 'rejected' }, MarkImplemented: { changeStatus: 'implemented' }, MarkBackedOut: { changeStatus: 'backed-out' } },
    unless: { F_review: { changeType: 'standard', changeStatus: 'implemented' } },
    child: { F_cab_no: 'reject', F_cab_ok: 'approve', F_cab_high: 'approve', F_ecab_no: 'reject', F_ecab_ok: 'approve', F_peer_no: 'reject', F_peer_ok: 'approve' },
    impossible: [
      ['F_emergency', 'F_skip'],
      ['F_emergency', 'F_skip'],
      ['F_emergency', 'F_skip'],
      ['F_normal', 'F_skip'],
      ['F_normal', 'F_skip'],
      ['F_normal', 'F_skip'],
      // a low-risk change approved by its peer, or a high-risk one by the CAB and the ECAB: reviewed, as every normal change
      ['F_normal', 'F_skip'],
      ['F_normal', 'F_skip'],
      ['F_normal', 'F_skip'],
      ['F_normal', 'F_skip'],
      ['F_normal', 'F_skip'],
      ['F_normal', 'F_skip'],
      ['F_std + MarkImplemented', 'F_review'],
      ['MarkBackedOut', 'F_skip'],
      ['MarkBackedOut', 'F_skip'],
    ],
  },
  problem: {
    starter: 'paula',
    start: { summary: 'VPN drops', category: 'network', impact: 'high' },
    tasks: { AnalyseRootCause: { rootCause: 'firmware' }, CloseProblem: { problemResolution: 'resolved', closureNotes: 'done' } },
    flows: { F_ke: { workaround: 'reconnect' }, F_change: { fixNeedsChange: true } },
    // the change raised to fix the problem, run down its standard path
    childTasks: {
      SubmitRfc: { ...RFC, changeType: 'standard' },
      PlanChange: { implementer: 'dave', implementationPlan: 'upgrade' },
      ScheduleChange: { plannedStart: '2026-12-01T22:00:00Z', plannedEnd: '2026-12-01T23:00:00Z' },
      VerifyChange: { verificationResult: 'success' },
    },
    childJobs: ['deployment-hook', 'notify'],
  },
  request: {
    starter: 'alice',
    start: { catalogItem: 'laptop', items: [{ sku: 'LAPTOP-14', name: 'Laptop', quantity: 1 }], justification: 'new hire' },
    tasks: {},
    flows: {},
    child: { F_rej: 'reject', F_ok: 'approve' },
  },
  approval: {
    starter: 'engine',
    start: { approvers: ['dave', 'erin'], approvalRule: 'any', approvalSubject: 'MBT' },
    tasks: { Vote: { decision: 'approve' }, DecideOverdue: { decision: 'approve' } },
    flows: { F_invalid: { approvalRule: 'none of these' } },
  },
};

/** Flows the walk chooses: every transition of the state (and of the states around it), one event each. */
function eventsOf(snapshot: AnyMachineSnapshot): ChartEvent[] {
  const out: ChartEvent[] = [];
  for (const node of snapshot._nodes) {
    for (const [type, transitions] of node.transitions) {
      if (type.startsWith('xstate.')) continue; // XState raises those itself (a subprocess done)
      for (const t of transitions) {
        const flow = (t.guard as { params?: { flow?: string } } | undefined)?.params?.flow;
        out.push(flow ? { type, flow } : { type });
      }
    }
  }
  return out;
}

/** The walk follows the flow each event names (conditions are the engine's business, below). */
const walkGuards = {
  flow: ({ event }: { event: ChartEvent }, { flow }: { flow: string }) => event.flow === undefined || event.flow === flow,
  condition: ({ event }: { event: ChartEvent }, { flow }: { flow: string }) => event.flow === flow,
  default: ({ event }: { event: ChartEvent }, { flow }: { flow: string }) => event.flow === flow,
};

/** The states a snapshot stands in, outermost first. */
function statesOf(value: unknown): string[] {
  const out: string[] = [];
  for (let v = value; v; v = typeof v === 'object' ? Object.values(v as object)[0] : undefined) out.push(typeof v === 'object' ? Object.keys(v as object)[0] : (v as string));
  return out;
}

interface Step {
  type: string;
  flow?: string;
  /** The element the event happens to (the deepest state the token stood in before it). */
  at: string;
  /** States entered by it, outermost first. */
  entered: string[];
}

function pathsOf(model: ProcessModel, config: Record<string, unknown>): Step[][] {
  const machine = createChartMachine(config).provide({ guards: walkGuards as never });
  const paths = getSimplePaths(machine, { events: eventsOf as never, toState: (s: AnyMachineSnapshot) => s.status === 'done' } as never);
  return paths.map((p) => {
    const steps: Step[] = [];
    let before = statesOf(p.steps[0].state.value);
    steps.push({ type: 'start', at: model.id, entered: before });
    for (const s of p.steps.slice(1)) {
      const now = statesOf(s.state.value);
      const event = s.event as unknown as ChartEvent;
      steps.push({ type: event.type, flow: event.flow, at: before[before.length - 1], entered: now.filter((x, i) => before[i] !== x || i === now.length - 1) });
      before = now;
    }
    return steps;
  });
}

/** The variables a path's flows need, merged; undefined when two of them contradict each other. */
function needs(scenario: Scenario, steps: Step[]): { vars: Vars; conflict?: [string, string] } {
  const vars: Vars = {};
  const from: Record<string, string> = {};
  const fixed: Vars = {};
  for (const s of steps) {
    const entered = s.entered.find((e) => scenario.sets?.[e]);
    const need: [string, Vars | undefined][] = [
      [s.flow ?? '', s.flow ? scenario.flows[s.flow] : undefined],
      [entered ?? '', entered ? scenario.sets![entered] : undefined],
    ];
    for (const [by, values] of need) {
      for (const [k, v] of Object.entries(values ?? {})) {
        if (k in vars && JSON.stringify(vars[k]) !== JSON.stringify(v)) return { vars, conflict: [from[k], by] };
        vars[k] = v;
        from[k] = by;
        if (by === entered) fixed[k] = v;
      }
    }
  }
  for (const s of steps) {
    const unless = s.flow ? scenario.unless?.[s.flow] : undefined;
    if (unless && Object.entries(unless).every(([k, v]) => JSON.stringify(vars[k]) === JSON.stringify(v)))
      return {
        vars,
        conflict: [
          Object.keys(unless)
            .map((k) => from[k])
            .join(' + '),
          s.flow!,
        ],
      };
  }
  // what the process sets itself is not handed in
  for (const k of Object.keys(fixed)) delete vars[k];
  return { vars };
}

class Driver {
  now = Date.parse('2026-12-01T09:00:00Z');
  engine!: Engine;
  store!: Store;
  close!: () => Promise<void>;

  async open(): Promise<void> {
    const t = await tempEngine({ clock: () => this.now, directory: buildDirectory(testConfig()) });
    engineNow = () => this.now;
    this.engine = t.engine;
    this.store = t.store;
    this.close = t.close;
    await deployShipped(this.engine, PROCESSES);
  }

  private async context(instanceId: string): Promise<InstanceContext> {
    const row = await this.store.getInstance(instanceId);
    return (row!.snapshot as { machine: { context: InstanceContext } }).machine.context;
  }

  /** The open wait of `kind` on `element`, once the engine has opened it. */
  async waitOn(instanceId: string, element: string, kind: Wait['kind']): Promise<{ wait: Wait; ctx: InstanceContext }> {
    return eventually(async () => {
      await this.engine.idle();
      const ctx = await this.context(instanceId);
      const wait = Object.values(ctx.waits).find((w) => w.node === element && w.kind === kind);
      if (!wait) {
        const recent = (await this.engine.getHistory(instanceId))
          .slice(-12)
          .map((e) => `${e.type} ${e.elementId ?? ''}`)
          .join('; ');
        throw new Error(
          `nothing of kind ${kind} waits on ${element}; waits: ${Object.values(ctx.waits)
            .map((w) => `${w.node}/${w.kind}`)
            .join(', ')}; lately: ${recent}`,
        );
      }
      return { wait, ctx };
    }, 5000);
  }

  /** Completes the open tasks and jobs of one element until none is left (the instances of a multi-instance activity). */
  async completeAll(instanceId: string, element: string, vars: Vars): Promise<void> {
    for (let round = 0; round < 50; round++) {
      await this.engine.idle();
      const ctx = await this.context(instanceId);
      // one at a time: a completion condition may end the other instances
      const waits = Object.values(ctx.waits)
        .filter((w) => w.node === element && (w.kind === 'task' || w.kind === 'job'))
        .slice(0, 1);
      if (!waits.length && round === 0) {
        // the element may not be reached yet: a decision before it is the engine's decision worker's job
        await eventually(async () => {
          const now = await this.context(instanceId);
          if (!Object.values(now.waits).some((w) => w.node === element && (w.kind === 'task' || w.kind === 'job'))) throw new Error(`nothing waits on ${element}`);
        });
        continue;
      }
      if (!waits.length) return;
      for (const w of waits) {
        if (w.kind === 'job') await this.engine.completeJob(`${instanceId}.${w.id}`, vars, 'mbt');
        else {
          const tasks = (await this.engine.listTasks({ instanceId, state: 'created', limit: 1000 })).items;
          const task = tasks.find((t) => t.waitId === w.id);
          if (!task) throw new Error(`no task for wait ${w.id} on ${element}; tasks: ${tasks.map((t) => `${t.elementId}/${t.waitId}/${t.state}`).join(', ')}`);
          await this.engine.completeTask(task.id, vars, task.assignee ?? 'bob');
        }
      }
    }
    throw new Error(`${element} of ${instanceId} does not finish`);
  }

  /** Completes every open task of an instance (each by its assignee) until it ends: a child approval decided. */
  async decideChild(parentId: string, decision: 'approve' | 'reject', scenario?: Scenario): Promise<void> {
    const child = await eventually(async () => {
      await this.engine.idle();
      const [c] = (await this.engine.listInstances({ parentInstanceId: parentId, limit: 10 })).items.filter((i) => i.state === 'active');
      if (!c) throw new Error('no active child');
      return c;
    }, 5000);
    for (let round = 0; round < 20; round++) {
      await this.engine.idle();
      if ((await this.engine.getInstance(child.id)).state !== 'active') return;
      // the child's own jobs (asking its voters) are done as a worker would
      for (const job of await this.engine.activateJobs({ type: 'notify', worker: 'mbt', maxJobs: 10, lockMs: 10_000 })) await this.engine.completeJob(job.key, {}, 'mbt');
      const tasks = (await this.engine.listTasks({ instanceId: child.id, state: 'created', limit: 100 })).items;
      for (const t of tasks) {
        const vars = scenario?.childTasks?.[t.elementId] ?? { decision, comment: 'mbt' };
        await this.engine.completeTask(t.id, vars, t.assignee ?? 'bob').catch(() => undefined);
      }
      for (const type of scenario?.childJobs ?? []) {
        for (const job of await this.engine.activateJobs({ type, worker: 'mbt', maxJobs: 10 })) await this.engine.completeJob(job.key, {}, 'mbt');
      }
      // a timer the child waits for (a change waiting for its planned start) fires: the walk moves the clock to it
      await this.engine.idle();
      for (const w of Object.values((await this.context(child.id)).waits).filter((x) => x.kind === 'timer')) {
        const timer = await this.store.getTimer(`${child.id}.${w.id}`);
        if (!timer || timer.state !== 'scheduled') continue;
        this.now = Math.max(this.now, timer.dueAt);
        await this.engine.fireTimer(timer);
      }
    }
    throw new Error(`child ${child.id} did not end`);
  }
}

let runs = 0;
const trace: string[] = [];

async function run(driver: Driver, model: ProcessModel, scenario: Scenario, steps: Step[], vars: Vars): Promise<string> {
  const { engine } = driver;
  const node = (id: string): FlowNode => model.nodes[id];
  const n = ++runs;
  const start = Object.fromEntries(Object.entries(scenario.start).map(([k, v]) => [k, typeof v === 'string' ? v.replace('{n}', String(n)) : v]));
  const inst = await engine.startInstance({ processId: model.id, variables: { ...start, ...vars }, actor: scenario.starter });
  const id = inst.id;
  trace.length = 0;
  for (const step of steps.slice(1)) {
    trace.push(`${step.type}@${step.at}`);
    const [kind, target] = step.type.split(/\.(.*)/s) as [string, string | undefined];
    if (['leave', 'xstate', 'escalation'].includes(kind)) continue; // the engine moves on by itself
    // an event-based gateway's target was entered by the event it catches: it leaves at once
    const previous = steps[steps.indexOf(step) - 1];
    if (model.nodes[previous.at]?.kind === 'eventBasedGateway') continue;
    if (kind === 'multiInstance') {
      // every instance of the multi-instance task done (each by its own assignee)
      await driver.completeAll(id, step.at, { ...scenario.tasks[step.at], ...vars });
      continue;
    }
    if (kind === 'task') {
      const { wait } = await driver.waitOn(id, step.at, 'task');
      const task = (await engine.listTasks({ instanceId: id, state: 'created', limit: 100 })).items.find((t) => t.waitId === wait.id)!;
      await engine.completeTask(task.id, { ...scenario.tasks[step.at], ...vars }, task.assignee ?? 'bob');
    } else if (kind === 'job') {
      if (node(step.at).calledDecision) continue; // the engine's decision worker
      const { wait } = await driver.waitOn(id, step.at, 'job');
      await engine.completeJob(`${id}.${wait.id}`, vars, 'mbt');
    } else if (kind === 'child') {
      // how the child decides shows in the flows the path takes after it
      const later = steps.slice(steps.indexOf(step)).find((s) => s.flow && scenario.child?.[s.flow]);
      await driver.decideChild(id, later ? scenario.child![later.flow!] : 'approve', scenario);
    } else if (kind === 'error') {
      const { wait } = await driver.waitOn(id, step.at, 'job');
      const code = (node(target!).event as { errorCode?: string }).errorCode ?? 'ERROR';
      await engine.throwJobError(`${id}.${wait.id}`, code, 'mbt', 'mbt');
    } else if (kind === 'timer') {
      const { wait } = await driver.waitOn(id, target ?? step.at, 'timer');
      const timer = (await driver.store.getTimer(`${id}.${wait.id}`))!;
      driver.now = Math.max(driver.now, timer.dueAt);
      await engine.fireTimer(timer);
    } else if (kind === 'message') {
      const catcher = target && model.nodes[target] ? target : step.at;
      const { wait, ctx } = await driver.waitOn(id, catcher, 'message');
      const event = (node(catcher).event ?? {}) as { correlationKey?: string };
      const scopeVars: Vars = {};
      for (const s of Object.values(ctx.scopes)) Object.assign(scopeVars, s.vars);
      const key = event.correlationKey ? String(evaluateExpression(event.correlationKey, scopeVars)) : undefined;
      await engine.publishMessage({ name: wait.name!, correlationKey: key, variables: {} });
    } else if (kind === 'compensation') {
      // the throw waits for the handlers it started: each compensation handler's tasks are done
      for (const handler of Object.values(model.nodes).filter((n) => n.isForCompensation)) await driver.completeAll(id, handler.id, { ...scenario.tasks[handler.id], ...vars });
    } else if (kind === 'signal') {
      await engine.broadcastSignal({ name: target! });
    } else {
      throw new Error(`the test cannot drive ${step.type}`);
    }
    await engine.idle();
  }
  await engine.idle();
  return id;
}

describe.each(Object.keys(SCENARIOS))('every simple path through the shipped %s process runs on the engine', (processId) => {
  const scenario = SCENARIOS[processId];
  const driver = new Driver();
  let model: ProcessModel;
  let paths: Step[][] = [];
  beforeAll(async () => {
    await driver.open();
    model = (await parseBpmn(fs.readFileSync(path.join(PROCESSES, `${processId}.bpmn`), 'utf8'))).processes[0];
    paths = pathsOf(model, (await driver.engine.getMachineConfig(`${processId}:1`)) as Record<string, unknown>);
  });
  afterAll(() => driver.close());

  test('the walk finds paths to an end event, and every element lies on one', () => {
    expect(paths.length).toBeGreaterThan(0);
    const entered = new Set(paths.flatMap((steps) => steps.flatMap((s) => s.entered)));
    // compensation handlers run beside the flow (their throw event is on the paths)
    const offPath = Object.values(model.nodes).filter((n) => !n.isForCompensation && !(n.kind === 'boundaryEvent' && n.event?.kind === 'compensation'));
    expect(
      offPath
        .map((n) => n.id)
        .filter((id) => !entered.has(id))
        .sort(),
    ).toEqual([...(scenario.loopsOnly ?? [])].sort());
  });

  test('each path: the engine enters its elements in its order', async () => {
    const impossible: string[] = [];
    for (const steps of paths) {
      const { vars, conflict } = needs(scenario, steps);
      const label = steps.map((s) => `${s.type}${s.flow ? `(${s.flow})` : ''}>${s.entered.join('/')}`).join(' ');
      if (conflict) {
        impossible.push(conflict.join(' + '));
        continue;
      }
      let id: string;
      try {
        id = await run(driver, model, scenario, steps, vars);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n  on the path ${label}\n  after ${trace.join(' ')}`, { cause: err });
      }
      const activated = (await driver.engine.getHistory(id)).filter((e) => e.type === 'element.activated' || e.type === 'multiInstance.activated').map((e) => e.elementId!);
      const expected = steps.flatMap((s) => s.entered);
      let i = 0;
      for (const element of activated) if (element === expected[i]) i++;
      expect({ path: label, entered: expected.slice(0, i), missing: expected.slice(i) }).toEqual({ path: label, entered: expected, missing: [] });
      // the path's end event ended its token (an error end event throws instead)
      const last = expected[expected.length - 1];
      const ended = (await driver.engine.getHistory(id)).filter((e) => e.elementId === last && (e.type === 'element.completed' || e.type === 'error.thrown'));
      expect({ path: label, ended: ended.length }).toEqual({ path: label, ended: 1 });
    }
    expect(impossible.sort()).toEqual((scenario.impossible ?? []).map((p) => p.join(' + ')).sort());
  }, 120_000);
});
