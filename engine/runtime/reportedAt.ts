/**
 * When the subject of an instance was reported (processdesk.reportedAt on the none start event, see
 * bpmn/readPolicy.ts): an incident phoned in at 08:50 and logged at 09:20 has had its SLA running since
 * 08:50. The starter may give that moment as a past date-time with an offset, no older than
 * `maxReportedAgeMs` (an SLA that cannot be gamed by backdating a ticket into last year); never in the
 * future. When not given, it is the start time. Stored as ISO 8601 UTC.
 */
import type { ProcessModel } from '../bpmn/model';
import { parseDateTime } from '../expr/timers';
import { invalid } from './errors';

const WITH_OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/i;

export function withReportedAt(model: ProcessModel, processId: string, variables: Record<string, unknown>, now: number, maxAgeMs: number): Record<string, unknown> {
  const name = model.scopes[processId]?.startEvents.map((id) => model.nodes[id]?.reportedAt).find(Boolean);
  if (!name) return variables;
  const given = variables[name];
  if (given === undefined || given === null) return { ...variables, [name]: new Date(now).toISOString() };
  if (typeof given !== 'string' || !WITH_OFFSET.test(given.trim())) {
    throw invalid(`${name} must be an ISO 8601 date-time with an offset, e.g. "2026-01-05T08:50:00Z"`, { variable: name });
  }
  let at: number;
  try {
    at = parseDateTime(given, name);
  } catch (err) {
    throw invalid((err as Error).message, { variable: name });
  }
  if (at > now) throw invalid(`${name} ${given} is in the future: it says when the ${processId} was reported`, { variable: name });
  if (now - at > maxAgeMs) {
    throw invalid(`${name} ${given} is more than ${Math.round(maxAgeMs / 60_000)} minutes ago (maxReportedAgeMs): start it with a later ${name}`, { variable: name });
  }
  return { ...variables, [name]: new Date(at).toISOString() };
}
