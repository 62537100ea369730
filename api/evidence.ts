/**
 * The evidence pack of one instance for auditors: who started it, who did each task (claims included),
 * which worker completed each job, which messages and errors arrived, with times and submitted data,
 * and the verification of the hash chain the steps come from. For a change this answers "who
 * requested, assessed, approved, implemented and reviewed, when, with what".
 */
import type { Engine } from '../engine';
import type { ProcessModel } from '../engine/bpmn/model';
import type { HistoryEvent } from '../engine/store/types';
import { csvField, iso } from './views';

/** History events that record a decision or an act of someone (person, worker or the engine). */
const EVIDENCE_TYPES = new Set([
  'instance.started', 'task.claimed', 'task.unclaimed', 'task.completed', 'job.completed', 'job.failed', 'error.thrown',
  'message.correlated', 'signal.received', 'incident.created', 'incident.resolved', 'instance.completed', 'instance.terminated',
]);

export interface EvidenceStep {
  seq: number;
  at: string;
  action: string;
  elementId: string | null;
  elementName: string | null;
  actor: string;
  data: unknown;
}

export interface EvidencePack {
  instance: { id: string; processId: string; version: number; businessKey: string | null; state: string; startedAt: string; endedAt: string | null };
  verification: { valid: boolean; events: number; brokenAt?: number; reason?: string };
  participants: Record<string, string[]>;
  steps: EvidenceStep[];
}

function step(e: HistoryEvent, model: ProcessModel | undefined): EvidenceStep {
  const name = e.elementId ? model?.nodes[e.elementId]?.name ?? null : null;
  return { seq: e.seq, at: iso(e.at)!, action: e.type, elementId: e.elementId ?? null, elementName: name, actor: e.actor, data: e.data ?? null };
}

export async function buildEvidence(engine: Engine, instanceId: string): Promise<EvidencePack> {
  const instance = await engine.getInstance(instanceId);
  const [events, verification, definition] = await Promise.all([
    engine.getHistory(instanceId),
    engine.verifyHistory(instanceId),
    engine.store.getDefinition(instance.definitionKey),
  ]);
  const model = definition?.model as ProcessModel | undefined;
  const steps = events.filter((e) => EVIDENCE_TYPES.has(e.type)).map((e) => step(e, model));
  const participants: Record<string, string[]> = {};
  for (const s of steps) {
    const what = s.elementName ?? s.elementId;
    const list = (participants[s.actor] ??= []);
    const entry = what ? `${s.action} ${what}` : s.action;
    if (!list.includes(entry)) list.push(entry);
  }
  return {
    instance: {
      id: instance.id, processId: instance.processId, version: instance.version, businessKey: instance.businessKey ?? null, state: instance.state,
      startedAt: instance.startedAt, endedAt: instance.endedAt ?? null,
    },
    verification,
    participants,
    steps,
  };
}

export const EVIDENCE_CSV_COLUMNS = ['seq', 'at', 'action', 'elementId', 'elementName', 'actor', 'data'] as const;

/** One row a step, then a last row with the verification of the chain. */
export function evidenceCsv(pack: EvidencePack): string {
  const rows = pack.steps.map((s) => EVIDENCE_CSV_COLUMNS.map((c) => csvField(s[c])).join(','));
  rows.push(['', '', 'history.verified', '', '', 'auditor-export', csvField(pack.verification)].join(','));
  return `${EVIDENCE_CSV_COLUMNS.join(',')}\r\n${rows.join('\r\n')}\r\n`;
}
