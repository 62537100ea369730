/**
 * Reports: GET /api/reports/sla counts the SLA records (engine/runtime/slaReports.ts) met and breached
 * per kind and per priority, assignment group and/or month; JSON, or CSV for a spreadsheet when the
 * caller asks with `Accept: text/csv` or `format=csv`.
 */
import { Router } from 'express';
import type { SlaGroupKey, SlaReport } from '../../engine';
import { badRequest } from '../errors';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';
import { inputOf } from '../validate';
import { csvField, iso } from '../views';

const YEAR_MS = 365 * 86_400_000;
const CSV_COLUMNS = ['kind', 'month', 'priority', 'group', 'total', 'met', 'breached', 'metPercent'] as const;

function csv(report: SlaReport): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of report.rows) lines.push(CSV_COLUMNS.map((c) => csvField(row[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function reportsRouter(ctx: ApiContext): Router {
  const router = Router();

  mount(router, ctx, OPERATIONS.getSlaReport, async (req, res) => {
    const q = inputOf<never, { from?: string; to?: string; groupBy?: string; processId?: string; format?: 'json' | 'csv' }>(res).query;
    const to = q.to ? Date.parse(q.to) : Date.now();
    const from = q.from ? Date.parse(q.from) : to - YEAR_MS;
    if (!(to > from)) throw badRequest(`from (${iso(from)}) must be before to (${iso(to)})`);
    const groupBy = (q.groupBy ?? 'priority,month').split(',') as SlaGroupKey[];
    const report = await ctx.engine.slaReport({ from, to, groupBy, processId: q.processId }, ctx.config.slaReportScanLimit);
    const wantsCsv = q.format === 'csv' || (q.format === undefined && req.accepts(['application/json', 'text/csv']) === 'text/csv');
    if (wantsCsv) {
      res.status(200).type('text/csv').attachment('sla-report.csv').send(csv(report));
      return;
    }
    res.json({ ...report, from: iso(report.from), to: iso(report.to) });
  });

  return router;
}
