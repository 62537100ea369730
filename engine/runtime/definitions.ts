/**
 * Compiled definitions by key, loaded from the store on first use: every engine process can run any
 * deployed version, including one deployed by another process.
 */
import type { ProcessModel } from '../bpmn/model';
import { compileProcess, type CompiledProcess, type CompileOptions } from '../compile/machine';
import type { DefinitionRow, Store } from '../store/types';
import { notFound } from './errors';

export interface LoadedDefinition {
  row: DefinitionRow;
  compiled: CompiledProcess;
}

/** How long "the latest version of a process" is trusted before asking the store again. */
const LATEST_TTL_MS = 1000;

export class DefinitionCache {
  private readonly byKey = new Map<string, LoadedDefinition>();
  private readonly latestById = new Map<string, { loaded: LoadedDefinition; until: number }>();

  constructor(
    private readonly store: Store,
    private readonly options: CompileOptions = {},
  ) {}

  /** Compiles a model with this engine's options (the business calendar, the directory, the limits). */
  compile(model: ProcessModel): CompiledProcess {
    return compileProcess(model, this.options);
  }

  add(row: DefinitionRow, compiled?: CompiledProcess): LoadedDefinition {
    const loaded = { row, compiled: compiled ?? this.compile(row.model as ProcessModel) };
    this.byKey.set(row.key, loaded);
    const latest = this.latestById.get(row.processId);
    if (latest && latest.loaded.row.version < row.version) this.latestById.delete(row.processId);
    return loaded;
  }

  async get(key: string): Promise<LoadedDefinition> {
    const cached = this.byKey.get(key);
    if (cached) return cached;
    const row = await this.store.getDefinition(key);
    if (!row) throw notFound(`process definition ${key}`);
    return this.add(row);
  }

  /**
   * Latest version of a process. Another engine process may deploy a newer one: the answer is trusted
   * for LATEST_TTL_MS, a deployment in this process replaces it at once.
   */
  async latest(processId: string, version?: number): Promise<LoadedDefinition> {
    if (version !== undefined) return this.get(`${processId}:${version}`);
    const cached = this.latestById.get(processId);
    if (cached && cached.until > Date.now()) return cached.loaded;
    const row = await this.store.getLatestDefinition(processId);
    if (!row) throw notFound(`process ${processId}`);
    const loaded = this.byKey.get(row.key) ?? this.add(row);
    this.latestById.set(processId, { loaded, until: Date.now() + LATEST_TTL_MS });
    return loaded;
  }
}
