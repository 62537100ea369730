/**
 * BPMN 2.0 XML (Camunda 8 / zeebe dialect) -> one ProcessModel per executable process.
 *
 *   xmlGuard    size, DTD, depth, emptiness: refused before any parser runs
 *   readXml     bpmn-moddle + zeebe descriptor, moddle warnings -> problems
 *   readProcess moddle process -> ProcessModel (unsupported elements reported)
 *   validate    rules the engine relies on, and every expression parsed
 *
 * Either every executable process is returned, or a DeploymentError lists every problem found, each with
 * the element id and a reason. Nothing is silently skipped except non-executable processes (listed in
 * `skipped`) and what carries no behaviour (diagram layout, lanes, documentation, artifacts, data).
 */
import { Problems, child, children, type ModdleElement } from './elements';
import { DeploymentError, type ModelProblem, type ProcessModel } from './model';
import { reportMissingRef, type ReadContext } from './readEvents';
import { readProcess } from './readProcess';
import { readXml } from './readXml';
import { validateProcess } from './validate';
import { guardXml } from './xmlGuard';

export interface ParsedDefinitions {
  processes: ProcessModel[];
  /** processes with isExecutable=false, skipped */
  skipped: string[];
}

export async function parseBpmn(xml: string, options?: { maxBytes?: number /* default 5 MiB */; maxDepth?: number /* default 100 */ }): Promise<ParsedDefinitions> {
  const guarded = guardXml(xml, options);
  const document = documentId(xml);
  if (guarded.length) throw refuse(guarded, document);

  const read = await readXml(xml);
  if (!read.definitions) throw refuse(read.problems, document);

  const problems = new Problems();
  problems.list.push(...read.problems);
  const ctx: ReadContext = { problems, unresolved: read.unresolved };

  for (const root of children(read.definitions, 'rootElements')) {
    // Global tasks are called by call activities in BPMN; here call activities call processes only.
    if (/^bpmn:Global\w*Task$/.test(root.$type))
      problems.add(root.id ?? document, `${root.$type.slice(5)} is not supported: a call activity calls a process (zeebe:calledElement), not a global task`);
  }
  const candidates = processesOf(ctx, read.definitions);
  if (candidates.length === 0 && problems.size === 0) problems.add(undefined, 'the document contains no process');

  const processes: ProcessModel[] = [];
  const skipped: string[] = [];
  for (const process of candidates) {
    const flag = process.get('isExecutable');
    const executable = flag === true || (flag === undefined && candidates.length === 1);
    if (!process.id) {
      problems.add(undefined, 'a process has no id');
      continue;
    }
    if (!executable) {
      skipped.push(process.id);
      continue;
    }
    const model = readProcess(ctx, process);
    validateProcess(model, problems);
    processes.push(model);
  }

  if (problems.size) throw refuse(problems.list, document);
  return { processes, skipped };
}

/** Processes of the definitions, plus those only reachable through a collaboration's participants. */
function processesOf(ctx: ReadContext, definitions: ModdleElement): ModdleElement[] {
  const found: ModdleElement[] = [];
  const seen = new Set<ModdleElement>();
  const add = (process: ModdleElement): void => {
    if (!seen.has(process)) {
      seen.add(process);
      found.push(process);
    }
  };
  const roots = children(definitions, 'rootElements');
  for (const root of roots) if (root.$type === 'bpmn:Process') add(root);
  for (const collaboration of roots.filter((r) => r.$type === 'bpmn:Collaboration')) {
    for (const participant of children(collaboration, 'participants')) {
      const process = child(participant, 'processRef');
      if (process?.$type === 'bpmn:Process') add(process);
      else if (ctx.unresolved.get(participant)?.has('processRef')) reportMissingRef(ctx, participant, participant, 'processRef', 'process');
    }
  }
  return found;
}

/**
 * The id of the document's root element (`<definitions id="...">`), named by problems of the document as
 * a whole (not BPMN 2.0, no process, a process without id) so that every problem names an element.
 */
function documentId(xml: string): string | undefined {
  if (typeof xml !== 'string') return undefined;
  const root = /<(?![?!])[^\s>/]+([^>]*)>/.exec(xml.slice(0, 65_536));
  return root ? /\bid\s*=\s*["']([^"']+)["']/.exec(root[1])?.[1] : undefined;
}

function refuse(found: ModelProblem[], document: string | undefined): DeploymentError {
  const problems = found.map((p) => (p.elementId || !document ? p : { ...p, elementId: document }));
  const shown = problems.slice(0, 5).map((p) => (p.elementId ? `${p.elementId}: ${p.message}` : p.message));
  const more = problems.length > shown.length ? `; and ${problems.length - shown.length} more` : '';
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return new DeploymentError(`BPMN deployment refused (${count}): ${shown.join('; ')}${more}`, problems);
}
