/**
 * Versions in flight, the runtime half: a running instance migrated to another deployed version of its
 * process (owners of the process and admins; the mapping is checked as a whole against the instance as
 * it is, before anything moves), and an administrator's instance modification (activate elements,
 * terminate tokens). The token game's half, what moves in the instance, is compile/versions.ts.
 */
import type { InstanceRow } from '../store/types';
import { checkModification, planMigration, type MappingInstruction, type Modification } from '../compile/versions';
import type { Caller } from './access';
import type { DefinitionCache } from './definitions';
import { EngineError, conflict, invalid } from './errors';
import type { Clock, Executor } from './executor';
import { persisted } from './snapshot';

export interface MigrationRequest {
  /** The definition to move to (`processId:version`); the same process, another version. */
  targetDefinitionKey: string;
  /** Elements whose id differs in the target; every other element in use maps to the same id. */
  mappingInstructions?: MappingInstruction[];
  /** Only check: report the mapping and the problems, move nothing. */
  dryRun?: boolean;
}

export interface MigrationReport {
  instanceId: string;
  from: string;
  to: string;
  /** The elements the instance uses now. */
  inUse: string[];
  /** Every element in use that has a place in the target, to that element. */
  mapping: Record<string, string>;
  problems: string[];
  migrated: boolean;
}

const MAX_INSTRUCTIONS = 1000;

export class InstanceVersions {
  constructor(
    private readonly executor: Executor,
    private readonly definitions: DefinitionCache,
    private readonly clock: Clock,
  ) {}

  /**
   * Migrates instance `id` (or, with dryRun, checks it): refused with every problem listed when any
   * element in use has no place in the target; recorded as `instance.migrated` with the mapping used.
   */
  async migrate(id: string, req: MigrationRequest, actor: string): Promise<{ report: MigrationReport; row?: InstanceRow }> {
    const instructions = req.mappingInstructions ?? [];
    if (instructions.length > MAX_INSTRUCTIONS) throw invalid(`at most ${MAX_INSTRUCTIONS} mapping instructions`);
    let report: MigrationReport | undefined;
    const { row, skipped } = await this.executor.execute(id, actor, async (current) => {
      if (current.state === 'completed' || current.state === 'terminated') throw conflict(`instance ${id} is already ${current.state}`);
      const source = await this.definitions.get(current.definitionKey);
      const target = await this.definitions.get(req.targetDefinitionKey);
      if (target.row.processId !== current.processId) {
        throw invalid(
          `${req.targetDefinitionKey} is a version of ${target.row.processId}; instance ${id} runs ${current.processId}: an instance moves between versions of its own process only`,
        );
      }
      if (target.row.key === current.definitionKey) throw invalid(`instance ${id} runs ${current.definitionKey} already`);
      const ctx = persisted(current).machine.context;
      const plan = planMigration(ctx, source.compiled.model, target.compiled.model, instructions);
      report = { instanceId: id, from: current.definitionKey, to: target.row.key, inUse: plan.inUse, mapping: plan.mapping, problems: plan.problems, migrated: false };
      if (plan.problems.length && !req.dryRun) {
        throw invalid(`instance ${id} cannot move to ${target.row.key}: ${plan.problems.join('; ')}`, { problems: plan.problems, mapping: plan.mapping });
      }
      if (req.dryRun) return { event: null, skip: true };
      return {
        definitionKey: target.row.key,
        event: { type: 'MIGRATE', mapping: plan.mapping, fromKey: current.definitionKey, toKey: target.row.key, at: this.clock(), actor },
      };
    });
    return { report: { ...report!, migrated: !skipped }, row: skipped ? undefined : row };
  }

  /** Activates elements and terminates tokens of instance `id`: administrators only (the caller is checked by the engine). */
  async modify(id: string, m: Modification, actor: string, checkVariables?: (row: InstanceRow, variables: Record<string, unknown>) => Promise<void>): Promise<InstanceRow> {
    if (m.activate.length + m.terminate.length > MAX_INSTRUCTIONS) throw invalid(`at most ${MAX_INSTRUCTIONS} instructions`);
    const { row } = await this.executor.execute(id, actor, async (current) => {
      if (current.state === 'completed' || current.state === 'terminated') throw conflict(`instance ${id} is already ${current.state}`);
      const { model } = (await this.definitions.get(current.definitionKey)).compiled;
      const problems = checkModification(persisted(current).machine.context, model, m);
      if (problems.length) throw invalid(`instance ${id} cannot be modified so: ${problems.join('; ')}`, { problems });
      for (const a of m.activate) if (a.variables && checkVariables) await checkVariables(current, a.variables);
      return { event: { type: 'MODIFY', activate: m.activate, terminate: m.terminate, at: this.clock(), actor } };
    });
    return row;
  }
}

/** Instance modification is for administrators: moving tokens past the process's own rules. */
export function checkMayModify(caller: Caller, id: string): void {
  if (!caller.roles.includes('admin')) throw new EngineError('FORBIDDEN', `${caller.id} may not modify instance ${id}: only administrators move tokens`);
}
