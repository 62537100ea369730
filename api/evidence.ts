/**
 * The evidence pack of one instance for auditors: who started it, who did each task (claims included),
 * which worker completed each job, which messages and errors arrived, with times and submitted data,
 * and the verification of the hash chain the steps come from. For a change this answers "who
 * requested, assessed, approved, implemented and reviewed, when, with what", the approvals included: the
 * instances its call activities started (the reusable approval) are part of the pack, each chain verified.
 *
 * The JSON pack carries, per instance, the whole chain, its sealed head and the signed checkpoints that
 * recorded it, with the public key: `npm run verify-evidence -- pack.json --public-key key.pem` checks it
 * away from the server with the key alone (the server's verification is the same function).
 */
import { verifierFromPem, verifyHistoryEvidence, type ChainProblem, type Engine, type HistoryEvent, type HistoryEvidence, type InstanceView, type ProcessModel } from '../engine';
import { approvalsOf, type ApprovalEvidence } from './evidenceApprovals';
import { csvField, iso } from './views';

/** History events that record a decision or an act of someone (person, worker or the engine). */
const EVIDENCE_TYPES = new Set([
  'instance.started',
  'task.claimed',
  'task.unclaimed',
  'task.delegated',
  'task.completed',
  // work notes and attachments (with their SHA-256) of the task page, api/routes/taskNotes.ts
  'task.note',
  'task.attachment',
  // links to other tickets (engine/runtime/ticketLinks.ts)
  'ticket.linked',
  'job.completed',
  'job.failed',
  'error.thrown',
  'message.correlated',
  'signal.received',
  'incident.created',
  'incident.resolved',
  'variables.set',
  'instance.completed',
  'instance.terminated',
]);

export interface EvidenceStep {
  /** The instance the step happened in: the one asked for, or one its call activities started (approvals). */
  instanceId: string;
  processId: string;
  seq: number;
  at: string;
  action: string;
  elementId: string | null;
  elementName: string | null;
  actor: string;
  data: unknown;
}

export interface ChainVerification {
  valid: boolean;
  events: number;
  problems: ChainProblem[];
  brokenAt?: number;
  reason?: string;
}

export interface EvidencePack {
  instance: {
    id: string;
    processId: string;
    version: number;
    businessKey: string | null;
    state: string;
    startedAt: string;
    endedAt: string | null;
    startedBy: string | null;
  };
  /** Valid only when the history chain of every instance in the pack verifies; `events` counts them all. */
  verification: ChainVerification;
  /** The instance and every instance its call activities started (recursively), each with its own chain. */
  instances: (ChainVerification & { id: string; processId: string; parentInstanceId: string | null })[];
  participants: Record<string, string[]>;
  /** In time order across all instances. */
  steps: EvidenceStep[];
  /** The key the seals and checkpoints verify with: compare its keyId with the key you hold. */
  publicKey: { keyId: string; publicKeyPem: string };
  /** Per instance: the whole chain, its sealed head and the checkpoints that recorded it. */
  chains: HistoryEvidence[];
  /** Every vote in the pack: seats, who was kept out, delegations, who voted what and when. */
  approvals: ApprovalEvidence[];
  /**
   * The tickets linked to the instance (a problem it raised, the change that fixes it...), as stored;
   * each link is also a sealed `ticket.linked` step of the instance's chain.
   */
  links: { kind: string; direction: 'to' | 'from'; instanceId: string; businessKey: string | null; createdAt: string; createdBy: string }[];
}

/** Called instances below this many levels are left out (a runaway recursion of call activities). */
const MAX_DEPTH = 10;

function step(e: HistoryEvent, instance: InstanceView, model: ProcessModel | undefined): EvidenceStep {
  const name = e.elementId ? (model?.nodes[e.elementId]?.name ?? null) : null;
  return {
    instanceId: instance.id,
    processId: instance.processId,
    seq: e.seq,
    at: iso(e.at)!,
    action: e.type,
    elementId: e.elementId ?? null,
    elementName: name,
    actor: e.actor,
    data: e.data ?? null,
  };
}

/** The instance and its called instances, depth first, parents before their children. */
async function instanceTree(engine: Engine, root: InstanceView): Promise<InstanceView[]> {
  const out: InstanceView[] = [];
  const visit = async (instance: InstanceView, depth: number): Promise<void> => {
    out.push(instance);
    if (depth >= MAX_DEPTH) return;
    let cursor: string | undefined;
    do {
      const page = await engine.listInstances({ parentInstanceId: instance.id, limit: 1000, cursor });
      for (const child of page.items) await visit(child, depth + 1);
      cursor = page.next;
    } while (cursor);
  };
  await visit(root, 0);
  return out;
}

async function evidenceOf(
  engine: Engine,
  instance: InstanceView,
): Promise<{ steps: EvidenceStep[]; chain: EvidencePack['instances'][number]; evidence: HistoryEvidence; approvals: ApprovalEvidence[] }> {
  const [evidence, definition] = await Promise.all([engine.historyEvidence(instance.id), engine.getProcess(instance.definitionKey)]);
  // Verified as an auditor would: with the public key alone, from what the pack carries.
  const { sealedHead: _sealed, ...verification } = verifyHistoryEvidence(evidence, verifierFromPem(engine.historyPublicKey.publicKeyPem));
  const model = definition.model as ProcessModel;
  return {
    steps: evidence.events.filter((e) => EVIDENCE_TYPES.has(e.type)).map((e) => step(e, instance, model)),
    chain: { id: instance.id, processId: instance.processId, parentInstanceId: instance.parentInstanceId ?? null, ...verification },
    evidence,
    approvals: approvalsOf(instance, evidence.events),
  };
}

export async function buildEvidence(engine: Engine, instanceId: string): Promise<EvidencePack> {
  const root = await engine.getInstance(instanceId);
  const parts = await Promise.all((await instanceTree(engine, root)).map((i) => evidenceOf(engine, i)));
  const order = new Map(parts.map((p, index) => [p.chain.id, index]));
  const steps = parts.flatMap((p) => p.steps).sort((a, b) => a.at.localeCompare(b.at) || order.get(a.instanceId)! - order.get(b.instanceId)! || a.seq - b.seq);
  const participants: Record<string, string[]> = {};
  for (const s of steps) {
    const what = s.elementName ?? s.elementId;
    const list = (participants[s.actor] ??= []);
    const entry = what ? `${s.action} ${what}` : s.action;
    if (!list.includes(entry)) list.push(entry);
  }
  const chains = parts.map((p) => p.chain);
  const broken = chains.find((c) => !c.valid);
  const verification: ChainVerification = {
    valid: !broken,
    events: chains.reduce((n, c) => n + c.events, 0),
    problems: chains.flatMap((c) => c.problems.map((p) => ({ ...p, message: `instance ${c.id}: ${p.message}` }))),
  };
  if (broken) {
    verification.brokenAt = broken.brokenAt;
    verification.reason = `instance ${broken.id}: ${broken.reason ?? 'chain does not verify'}`;
  }
  return {
    instance: {
      id: root.id,
      processId: root.processId,
      version: root.version,
      businessKey: root.businessKey ?? null,
      state: root.state,
      startedAt: root.startedAt,
      endedAt: root.endedAt ?? null,
      startedBy: root.startedBy ?? null,
    },
    verification,
    instances: chains,
    participants,
    steps,
    publicKey: engine.historyPublicKey,
    chains: parts.map((p) => p.evidence),
    approvals: parts.flatMap((p) => p.approvals),
    links: (await engine.links.list(root.id)).map((l) => {
      const outgoing = l.fromId === root.id;
      return {
        kind: l.kind,
        direction: outgoing ? ('to' as const) : ('from' as const),
        instanceId: outgoing ? l.toId : l.fromId,
        businessKey: (outgoing ? l.toKey : l.fromKey) ?? null,
        createdAt: iso(l.createdAt)!,
        createdBy: l.createdBy,
      };
    }),
  };
}

export const EVIDENCE_CSV_COLUMNS = ['instanceId', 'processId', 'seq', 'at', 'action', 'elementId', 'elementName', 'actor', 'data'] as const;

/** One row a step, then a last row with the verification of the chain. */
export function evidenceCsv(pack: EvidencePack): string {
  const rows = pack.steps.map((s) => EVIDENCE_CSV_COLUMNS.map((c) => csvField(s[c])).join(','));
  rows.push([pack.instance.id, pack.instance.processId, '', '', 'history.verified', '', '', 'auditor-export', csvField(pack.verification)].join(','));
  return `${EVIDENCE_CSV_COLUMNS.join(',')}\r\n${rows.join('\r\n')}\r\n`;
}
