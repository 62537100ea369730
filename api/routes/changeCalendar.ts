/**
 * The change calendar (GET /api/change-calendar): the open changes planned in a range and the blackouts
 * in it, for the people who schedule changes: admins and the agents of group change-managers. What a
 * request may cost is bounded: the range (CHANGE_CALENDAR_MAX_DAYS) and the changes read (CHANGE_SCAN_LIMIT).
 */
import { Router } from 'express';
import { principalOf } from '../auth';
import { CHANGE_MANAGERS, openScheduledChanges, overlaps } from '../changeSchedule';
import { badRequest, forbidden } from '../errors';
import { mount, type ApiContext } from '../operation';
import { OPERATIONS } from '../operations';
import type { ChangeCalendar } from '../schemas';
import { inputOf } from '../validate';

const DAY = 86_400_000;
const DEFAULT_DAYS = 7;

export function changeCalendarRouter(ctx: ApiContext): Router {
  const router = Router();
  const settings = ctx.config.change;

  mount(router, ctx, OPERATIONS.listChangeCalendar, async (_req, res) => {
    const me = principalOf(res);
    if (!me.roles.includes('admin') && !me.groups.includes(CHANGE_MANAGERS)) throw forbidden(`the change calendar is for admins and the group ${CHANGE_MANAGERS}`);
    const q = inputOf<never, { from?: string; to?: string }>(res).query;
    const fromMs = q.from ? Date.parse(q.from) : ctx.engine.clock();
    const toMs = q.to ? Date.parse(q.to) : fromMs + DEFAULT_DAYS * DAY;
    if (toMs <= fromMs) throw badRequest('to must be after from', [{ in: 'query', instancePath: '/to', message: 'must be after from' }]);
    if (toMs - fromMs > settings.maxRangeDays * DAY) {
      throw badRequest(`the range may span at most ${settings.maxRangeDays} days (CHANGE_CALENDAR_MAX_DAYS)`, [
        { in: 'query', instancePath: '/to', message: `at most ${settings.maxRangeDays} days after from` },
      ]);
    }
    const { changes, truncated } = await openScheduledChanges(ctx.engine, settings.scanLimit);
    const body: ChangeCalendar = {
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs).toISOString(),
      changes: changes
        .filter((c) => overlaps(c, fromMs, toMs))
        .sort((a, b) => a.startMs - b.startMs || a.instanceId.localeCompare(b.instanceId))
        .map(({ startMs: _s, endMs: _e, ...c }) => c),
      blackouts: settings.blackouts.filter((b) => overlaps({ startMs: b.fromMs, endMs: b.toMs }, fromMs, toMs)).map((b) => ({ from: b.from, to: b.to, reason: b.reason })),
      truncated,
    };
    res.json(body);
  });

  return router;
}
