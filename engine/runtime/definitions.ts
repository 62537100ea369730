/**
 * Compiled definitions by key, loaded from the store on first use: every engine process can run any
 * deployed version, including one deployed by another process.
 */
import type { ProcessModel } from '../bpmn/model';
import { compileProcess, type CompiledProcess } from '../compile/machine';
import type { DefinitionRow, Store } from '../store/types';
import { notFound } from './errors';

export interface LoadedDefinition {
  row: DefinitionRow;
  compiled: CompiledProcess;
}

export class DefinitionCache {
  private readonly byKey = new Map<string, LoadedDefinition>();

  constructor(private readonly store: Store) {}

  add(row: DefinitionRow, compiled?: CompiledProcess): LoadedDefinition {
    const loaded = { row, compiled: compiled ?? compileProcess(row.model as ProcessModel) };
    this.byKey.set(row.key, loaded);
    return loaded;
  }

  async get(key: string): Promise<LoadedDefinition> {
    const cached = this.byKey.get(key);
    if (cached) return cached;
    const row = await this.store.getDefinition(key);
    if (!row) throw notFound(`process definition ${key}`);
    return this.add(row);
  }

  /** Latest version of a process (always asks the store: another process may have deployed). */
  async latest(processId: string, version?: number): Promise<LoadedDefinition> {
    if (version !== undefined) return this.get(`${processId}:${version}`);
    const row = await this.store.getLatestDefinition(processId);
    if (!row) throw notFound(`process ${processId}`);
    return this.byKey.get(row.key) ?? this.add(row);
  }
}
