/**
 * The result of a script task marked processdesk.slaRecord, checked and made plain for the store: a
 * FEEL context {kind, round, ticket, priority, group, calendar, target, dueAt, breached, pausedSeconds,
 * completedAt}. A result the store could not take is an incident on the task (fix the data, retry),
 * never a record that a report would count wrongly.
 */
import { parseDateTime } from '../../../expr/timers';
import type { SlaRecordValue } from '../../state';

const KINDS = new Set(['response', 'resolution']);

const instant = (value: unknown, what: string): number => {
  if (value == null || value === '') throw new Error(`an SLA record needs ${what} (a date-time)`);
  return parseDateTime(String(value), `SLA record ${what}`);
};
const optText = (value: unknown): string | undefined => (value == null || value === '' ? undefined : String(value));
const wholeNumber = (value: unknown, what: string, min: number): number => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
    throw new Error(`SLA record ${what} must be a whole number of at least ${min}, got ${JSON.stringify(value)}`);
  return value;
};

export function slaRecordOf(value: unknown): SlaRecordValue {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`an SLA record is a context, got ${JSON.stringify(value)}`);
  const r = value as Record<string, unknown>;
  if (typeof r.kind !== 'string' || !KINDS.has(r.kind)) throw new Error(`SLA record kind must be "response" or "resolution", got ${JSON.stringify(r.kind)}`);
  if (typeof r.breached !== 'boolean') throw new Error(`SLA record breached must be true or false, got ${JSON.stringify(r.breached)}`);
  const record: SlaRecordValue = {
    kind: r.kind as SlaRecordValue['kind'],
    round: r.round == null ? 1 : wholeNumber(r.round, 'round', 1),
    breached: r.breached,
    pausedSeconds: r.pausedSeconds == null ? 0 : wholeNumber(r.pausedSeconds, 'pausedSeconds', 0),
    completedAt: instant(r.completedAt, 'completedAt'),
  };
  const ticket = optText(r.ticket);
  const group = optText(r.group);
  const calendar = optText(r.calendar);
  const target = optText(r.target);
  if (ticket) record.ticket = ticket;
  if (group) record.group = group;
  if (calendar) record.calendar = calendar;
  if (target) record.target = target;
  if (r.priority != null) record.priority = wholeNumber(r.priority, 'priority', 0);
  if (r.dueAt != null) record.dueAt = instant(r.dueAt, 'dueAt');
  return record;
}
