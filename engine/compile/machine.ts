/**
 * ProcessModel -> what the engine runs for it: the process statechart (statechart.ts; XState v5, the
 * machine `GET /api/processes/:key/machine` serves) moving the tokens, and the token game (step.ts)
 * that coordinates them: several tokens, forks and joins, scopes, waits, and the effects for the
 * runtime (tasks, jobs, timers, ...). Nothing here performs I/O or reads the clock.
 */
import type { AnyStateMachine } from 'xstate';
import type { ProcessModel } from '../bpmn/model';
import type { BusinessCalendarConfig } from '../expr/businessCalendar';
import type { Directory } from '../expr/directory';
import type { Limits } from '../expr/limits';
import { behaviors } from './elements';
import { ProcessGraph } from './graph';
import type { InstanceContext, MachineEvent } from './state';
import type { MachineConfig } from './statechart';
import { applyEvent, emptyContext, type Ownership, type StepResult } from './step';

export type { MachineConfig } from './statechart';

export interface CompiledProcess {
  processId: string;
  model: ProcessModel;
  graph: ProcessGraph;
  /** The statechart as JSON. */
  config: MachineConfig;
  /** The statechart as an XState machine (its guards evaluate FEEL conditions). */
  machine: AnyStateMachine;
  /**
   * Applies one event to an instance (a new one: `emptyContext`), purely. `owned`: the caller hands over
   * a context nobody else holds (just read from the store), changed in place rather than copied first (a
   * copy costs as much as the rest of a command on an instance with a thousand tokens); `shared`: a
   * frozen committed context, of which the step copies only what it changes (step.ts, Ownership).
   */
  step(context: InstanceContext | undefined, event: MachineEvent, ownership?: Ownership): StepResult;
}

export interface CompileOptions {
  /** Calendar of the business-time FEEL functions (default: Mon-Fri 09:00-17:00 UTC). */
  calendar?: BusinessCalendarConfig;
  /** Named calendars, picked by name in FEEL (the SLA functions, the business-time functions' last argument). */
  calendars?: Record<string, BusinessCalendarConfig>;
  /** People the FEEL functions groupMembers / managerOf look up. */
  directory?: Directory;
  limits?: Limits;
  /** Retries of a job whose task definition gives none, by job type (JOB_QUEUES); 3 when this says nothing. */
  jobRetries?: (type: string) => number | undefined;
}

export function compileProcess(model: ProcessModel, options: CompileOptions = {}): CompiledProcess {
  const graph = new ProcessGraph(model, options.calendar, options.directory, options.limits, options.jobRetries, options.calendars);
  return {
    processId: model.id,
    model,
    graph,
    config: graph.chart.config,
    machine: graph.chart.machine,
    step: (context, event, ownership) => applyEvent(graph, behaviors, context ?? emptyContext(model.id), event, ownership),
  };
}
