/**
 * What a signed-in user may start from the web app's "New" menu: the latest version of each process
 * with a none start event that its `processdesk.startableBy` opens to them (access.ts checkMayStart, the
 * same check POST /api/process-instances makes), with the start form its start event declares.
 */
import type { ProcessModel } from '../bpmn/model';
import type { DefinitionRow } from '../store/types';
import { checkMayStart, type Caller } from './access';
import { EngineError } from './errors';

export interface StartableProcess {
  processId: string;
  name?: string;
  version: number;
  key: string;
  /** `zeebe:formDefinition formId` of its none start event, when it declares one. */
  startFormId?: string;
}

function mayStart(processId: string, model: ProcessModel, caller: Caller): boolean {
  try {
    checkMayStart(processId, model.policy, caller);
    return true;
  } catch (err) {
    if (err instanceof EngineError && err.code === 'FORBIDDEN') return false;
    throw err;
  }
}

/** The processes of `latest` (latest versions) that `caller` may start, in the order given. */
export function startableProcesses(latest: DefinitionRow[], caller: Caller): StartableProcess[] {
  const result: StartableProcess[] = [];
  for (const def of latest) {
    const model = def.model as ProcessModel;
    const [start] = model.scopes?.[def.processId]?.startEvents ?? [];
    if (!start || !mayStart(def.processId, model, caller)) continue;
    const formId = model.nodes[start]?.formId;
    result.push({ processId: def.processId, name: def.name ?? model.name, version: def.version, key: def.key, ...(formId ? { startFormId: formId } : {}) });
  }
  return result;
}
