/**
 * A service request's fulfilment tasks are due when the catalog says (processes/decisions/
 * request-catalog.dmn: a fulfilment time in working time per catalog item), counted in business time
 * from the approval, on the engine's calendar. The clock is moved to a Monday afternoon so that the
 * answer can be worked out by hand.
 */
import type { BusinessCalendarConfig } from '../../engine/expr/businessCalendar';
import { offsetClock } from '../support/clock';
import { childInstance, completeTask, start, startItsm, waitTasks, type Itsm } from './helpers';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Monday to Friday, 09:00-17:00 UTC, no holidays. */
const OFFICE: BusinessCalendarConfig = { timeZone: 'UTC', workingDays: [1, 2, 3, 4, 5], workingHours: { start: '09:00', end: '17:00' }, holidays: [] };

/** 16:00 UTC on the next Monday after `now`. */
function nextMondayAt16(now: number): number {
  const d = new Date(now);
  const daysAhead = (8 - d.getUTCDay()) % 7 || 7;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + daysAhead, 16, 0, 0);
}

let itsm: Itsm | undefined;
afterEach(async () => {
  await itsm?.close();
  itsm = undefined;
});

test('an access request approved on Monday at 16:00 is due 8 working hours later: Tuesday at 16:00', async () => {
  const time = offsetClock();
  time.advance(nextMondayAt16(Date.now()) - Date.now());
  itsm = await startItsm({ clock: time.clock, businessCalendar: OFFICE });
  const id = await start(itsm.app, 'request', { catalogItem: 'access-request', items: [{ sku: 'VPN', name: 'VPN access' }] }, 'alice');
  await completeTask(itsm.app, await childInstance(itsm.app, id, 'approval'), 'Vote', { decision: 'approve' }, 'bob');
  const [task] = await waitTasks(itsm.app, id, 'FulfilItem');
  const approvedAt = Date.parse(task.createdAt as string);
  // approved within the Monday's last working hour (the test takes seconds, not an hour)
  expect(new Date(approvedAt).getUTCDay()).toBe(1);
  expect(approvedAt - nextMondayAt16(approvedAt - DAY)).toBeLessThan(HOUR);
  // 1 working hour left on Monday (to 17:00) + 7 on Tuesday from 09:00: the same time of day, a day later
  expect(Date.parse(task.dueDate as string)).toBe(approvedAt + DAY);
  expect(task.candidateGroups).toEqual(['network']);
});
