/**
 * SLA reports: the SLA records completed in a time range (store/types.ts SLA_RECORDS), counted met and
 * breached per kind (response, resolution) and per the keys asked for (priority, assignment group,
 * month of completion, UTC), of one process or all. Bounded work: at most `scanLimit` records are read
 * (of all processes); a range holding more is refused (INVALID, the API's 400) rather than answered with
 * counts of a part of it.
 */
import type { SlaRecordRow, Store } from '../store/types';
import { invalid } from './errors';

export const SLA_GROUP_KEYS = ['priority', 'group', 'month'] as const;
export type SlaGroupKey = (typeof SLA_GROUP_KEYS)[number];

export interface SlaReportQuery {
  from: number;
  to: number;
  groupBy: SlaGroupKey[];
  /** Only the records of this process (any deployed process may write SLA records: a test process too). */
  processId?: string;
}

export interface SlaReportRow {
  kind: SlaRecordRow['kind'];
  priority: number | null;
  group: string | null;
  /** `YYYY-MM` (UTC) of completion. */
  month: string | null;
  total: number;
  met: number;
  breached: number;
  /** Share met, in percent with one decimal. */
  metPercent: number;
}

export interface SlaReport {
  from: number;
  to: number;
  processId?: string;
  groupBy: SlaGroupKey[];
  /** Records counted. */
  records: number;
  rows: SlaReportRow[];
}

const month = (ms: number): string => new Date(ms).toISOString().slice(0, 7);

export async function slaReport(store: Pick<Store, 'listSlaRecords'>, q: SlaReportQuery, scanLimit: number): Promise<SlaReport> {
  if (!(q.to > q.from)) throw invalid(`an SLA report needs from before to`);
  const records = await store.listSlaRecords({ from: q.from, to: q.to, limit: scanLimit + 1 });
  if (records.length > scanLimit) {
    throw invalid(`more than ${scanLimit} SLA records were completed in this range (SLA_REPORT_SCAN_LIMIT): ask for a shorter one`, { scanLimit });
  }
  const by = new Set(q.groupBy);
  const rows = new Map<string, SlaReportRow>();
  const counted = q.processId === undefined ? records : records.filter((r) => r.processId === q.processId);
  for (const r of counted) {
    const row: SlaReportRow = {
      kind: r.kind,
      priority: by.has('priority') ? (r.priority ?? null) : null,
      group: by.has('group') ? (r.assignmentGroup ?? null) : null,
      month: by.has('month') ? month(r.completedAt) : null,
      total: 0,
      met: 0,
      breached: 0,
      metPercent: 0,
    };
    const key = JSON.stringify([row.kind, row.priority, row.group, row.month]);
    const into = rows.get(key) ?? row;
    rows.set(key, into);
    into.total++;
    if (r.status === 'met') into.met++;
    else into.breached++;
  }
  for (const row of rows.values()) row.metPercent = Math.round((row.met / row.total) * 1000) / 10;
  const order = (a: SlaReportRow, b: SlaReportRow): number =>
    a.kind.localeCompare(b.kind) || (a.month ?? '').localeCompare(b.month ?? '') || (a.priority ?? 0) - (b.priority ?? 0) || (a.group ?? '').localeCompare(b.group ?? '');
  return {
    from: q.from,
    to: q.to,
    ...(q.processId === undefined ? {} : { processId: q.processId }),
    groupBy: [...by],
    records: counted.length,
    rows: [...rows.values()].sort(order),
  };
}
