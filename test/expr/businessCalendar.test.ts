import {
  addBusinessTime,
  type BusinessCalendarConfig,
  businessTimeBetween,
  defaultBusinessCalendar,
  fromLocalEpoch,
  toLocalEpoch,
  validateCalendar,
  validateCalendars,
} from '../../engine/expr/businessCalendar';

const M = 60_000;
const H = 60 * M;

const utc = (y: number, mo: number, d: number, h = 0, mi = 0): number => Date.UTC(y, mo - 1, d, h, mi);

// January 2026: Mon 5, Tue 6, Wed 7, ..., Fri 9, Sat 10, Sun 11, Mon 12, ..., Fri 16.
const cal = defaultBusinessCalendar;

const berlin: BusinessCalendarConfig = {
  timeZone: 'Europe/Berlin',
  workingDays: [1, 2, 3, 4, 5],
  workingHours: { start: '09:00', end: '17:00' },
  holidays: [],
};

/** Every day, 01:00-04:00 Berlin: straddles both DST switches (02:00 -> 03:00 in March, 03:00 -> 02:00 in October). */
const berlinNight: BusinessCalendarConfig = {
  timeZone: 'Europe/Berlin',
  workingDays: [1, 2, 3, 4, 5, 6, 7],
  workingHours: { start: '01:00', end: '04:00' },
  holidays: [],
};

describe('defaultBusinessCalendar', () => {
  it('is UTC, Monday to Friday, 09:00-17:00, no holidays', () => {
    expect(defaultBusinessCalendar).toEqual({ timeZone: 'UTC', workingDays: [1, 2, 3, 4, 5], workingHours: { start: '09:00', end: '17:00' }, holidays: [] });
    expect(validateCalendar(defaultBusinessCalendar)).toEqual(defaultBusinessCalendar);
  });
});

describe('addBusinessTime', () => {
  it('within a day', () => {
    expect(addBusinessTime(cal, utc(2026, 1, 5, 10), 2 * H)).toBe(utc(2026, 1, 5, 12));
    expect(addBusinessTime(cal, utc(2026, 1, 5, 10, 15), 90 * M)).toBe(utc(2026, 1, 5, 11, 45));
  });

  it('ends at the end of the working period when the time runs out exactly there', () => {
    expect(addBusinessTime(cal, utc(2026, 1, 5, 9), 8 * H)).toBe(utc(2026, 1, 5, 17));
  });

  it('zero adds nothing', () => {
    expect(addBusinessTime(cal, utc(2026, 1, 10, 12), 0)).toBe(utc(2026, 1, 10, 12));
  });

  it('across a night', () => {
    // Monday 16:00 + 2h: 1h on Monday, 1h on Tuesday from 09:00.
    expect(addBusinessTime(cal, utc(2026, 1, 5, 16), 2 * H)).toBe(utc(2026, 1, 6, 10));
    // Starting in the night counts from the next morning.
    expect(addBusinessTime(cal, utc(2026, 1, 5, 22), 30 * M)).toBe(utc(2026, 1, 6, 9, 30));
    expect(addBusinessTime(cal, utc(2026, 1, 6, 3), 30 * M)).toBe(utc(2026, 1, 6, 9, 30));
  });

  it('across a weekend', () => {
    // Friday 16:00 + 2h -> Monday 10:00.
    expect(addBusinessTime(cal, utc(2026, 1, 9, 16), 2 * H)).toBe(utc(2026, 1, 12, 10));
  });

  it('across a holiday', () => {
    const withHoliday = { ...cal, holidays: ['2026-01-06'] };
    // Monday 16:00 + 2h, Tuesday is off -> Wednesday 10:00.
    expect(addBusinessTime(withHoliday, utc(2026, 1, 5, 16), 2 * H)).toBe(utc(2026, 1, 7, 10));
    // Holiday on the Friday before a weekend: Thursday 16:00 + 2h -> Monday 10:00.
    expect(addBusinessTime({ ...cal, holidays: ['2026-01-09'] }, utc(2026, 1, 8, 16), 2 * H)).toBe(utc(2026, 1, 12, 10));
  });

  it('starting on a Saturday', () => {
    expect(addBusinessTime(cal, utc(2026, 1, 10, 12), 1 * H)).toBe(utc(2026, 1, 12, 10));
    expect(addBusinessTime(cal, utc(2026, 1, 11, 23, 59), 8 * H)).toBe(utc(2026, 1, 12, 17));
  });

  it('ten business days', () => {
    // 80h from Monday 2026-01-05 09:00 -> Friday 2026-01-16 17:00.
    expect(addBusinessTime(cal, utc(2026, 1, 5, 9), 80 * H)).toBe(utc(2026, 1, 16, 17));
    // 80h + 1 minute spills over the weekend.
    expect(addBusinessTime(cal, utc(2026, 1, 5, 9), 80 * H + M)).toBe(utc(2026, 1, 19, 9, 1));
  });

  it('counts working hours in the calendar zone', () => {
    // January: Berlin is UTC+1, so 09:00-17:00 local is 08:00-16:00 UTC.
    expect(addBusinessTime(berlin, utc(2026, 1, 5, 7), 1 * H)).toBe(utc(2026, 1, 5, 9));
    // July: UTC+2, 07:00-15:00 UTC.
    expect(addBusinessTime(berlin, utc(2026, 7, 6, 14), 2 * H)).toBe(utc(2026, 7, 7, 8));
  });

  it('DST spring forward in Europe/Berlin (Sunday 2026-03-29)', () => {
    // Friday 2026-03-27 16:00 CET (15:00Z) + 2h: 1h Friday, 1h Monday from 09:00 CEST (07:00Z) -> 08:00Z.
    expect(addBusinessTime(berlin, utc(2026, 3, 27, 15), 2 * H)).toBe(utc(2026, 3, 30, 8));
    // On the switch day 01:00 CET (00:00Z) - 04:00 CEST (02:00Z) holds only 2h of working time.
    expect(addBusinessTime(berlinNight, utc(2026, 3, 29, 0), 2 * H)).toBe(utc(2026, 3, 29, 2));
    // The third hour comes the next night: 01:00 CEST on March 30 = 23:00Z on March 29, + 1h.
    expect(addBusinessTime(berlinNight, utc(2026, 3, 29, 0), 3 * H)).toBe(utc(2026, 3, 30, 0));
  });

  it('DST fall back in Europe/Berlin (Sunday 2026-10-25)', () => {
    // Friday 2026-10-23 16:00 CEST (14:00Z) + 2h: 1h Friday, 1h Monday from 09:00 CET (08:00Z) -> 09:00Z.
    expect(addBusinessTime(berlin, utc(2026, 10, 23, 14), 2 * H)).toBe(utc(2026, 10, 26, 9));
    // On the switch day 01:00 CEST (23:00Z on the 24th) - 04:00 CET (03:00Z) holds 4h of working time.
    expect(addBusinessTime(berlinNight, utc(2026, 10, 24, 23), 4 * H)).toBe(utc(2026, 10, 25, 3));
    expect(addBusinessTime(berlinNight, utc(2026, 10, 24, 23), 3 * H)).toBe(utc(2026, 10, 25, 2));
  });

  it('refuses negative or non-finite amounts', () => {
    expect(() => addBusinessTime(cal, 0, -1)).toThrow(RangeError);
    expect(() => addBusinessTime(cal, 0, Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => addBusinessTime(cal, Number.NaN, 1)).toThrow(RangeError);
  });

  it('refuses an invalid calendar', () => {
    expect(() => addBusinessTime({ ...cal, timeZone: 'Nowhere/Land' }, 0, 1)).toThrow(/Nowhere\/Land/);
  });
});

describe('businessTimeBetween', () => {
  it('measures working time', () => {
    expect(businessTimeBetween(cal, utc(2026, 1, 5, 10), utc(2026, 1, 5, 12))).toBe(2 * H);
    expect(businessTimeBetween(cal, utc(2026, 1, 9, 16), utc(2026, 1, 12, 10))).toBe(2 * H);
    expect(businessTimeBetween(cal, utc(2026, 1, 10, 0), utc(2026, 1, 12, 0))).toBe(0); // a weekend
    expect(businessTimeBetween(cal, utc(2026, 1, 5, 0), utc(2026, 1, 12, 0))).toBe(40 * H); // a week
    expect(businessTimeBetween(cal, utc(2026, 1, 5, 12), utc(2026, 1, 5, 12))).toBe(0);
  });

  it('is negative when to is before from', () => {
    expect(businessTimeBetween(cal, utc(2026, 1, 12, 10), utc(2026, 1, 9, 16))).toBe(-2 * H);
  });

  it('follows DST and holidays', () => {
    expect(businessTimeBetween(berlinNight, utc(2026, 3, 28, 0), utc(2026, 3, 29, 12))).toBe(3 * H + 2 * H); // 3h Saturday, 2h Sunday
    // Monday 01:00 CEST is 23:00Z on Sunday: one more hour before Monday 00:00Z.
    expect(businessTimeBetween(berlinNight, utc(2026, 3, 28, 0), utc(2026, 3, 30, 0))).toBe(6 * H);
    expect(businessTimeBetween(berlinNight, utc(2026, 10, 24, 12), utc(2026, 10, 25, 12))).toBe(4 * H);
    expect(businessTimeBetween({ ...cal, holidays: ['2026-01-06'] }, utc(2026, 1, 5, 0), utc(2026, 1, 12, 0))).toBe(32 * H);
    // Berlin local holiday: 2026-01-06 is a full day off in Berlin, 08:00-16:00Z.
    expect(businessTimeBetween({ ...berlin, holidays: ['2026-01-06'] }, utc(2026, 1, 6, 0), utc(2026, 1, 7, 0))).toBe(0);
  });

  it('is the inverse of addBusinessTime', () => {
    const cases: Array<[BusinessCalendarConfig, number, number]> = [
      [cal, utc(2026, 1, 5, 10), 2 * H],
      [cal, utc(2026, 1, 9, 16, 30), 7 * H + 13 * M],
      [cal, utc(2026, 1, 10, 12), 1 * H],
      [{ ...cal, holidays: ['2026-01-06', '2026-01-07'] }, utc(2026, 1, 5, 16), 20 * H],
      [berlin, utc(2026, 3, 27, 15), 2 * H],
      [berlin, utc(2026, 10, 23, 14), 17 * H + 1],
      [berlinNight, utc(2026, 10, 24, 23, 30), 10 * H],
    ];
    for (const [c, from, ms] of cases) {
      const to = addBusinessTime(c, from, ms);
      expect(businessTimeBetween(c, from, to)).toBe(ms);
    }
  });

  it('handles long spans without walking minutes', () => {
    const holidays = ['2026-01-01', '2026-04-03', '2026-04-06', '2026-05-01', '2026-12-25', '2026-12-26', '2027-01-01'];
    const c = validateCalendar({ timeZone: 'Europe/Berlin', workingDays: [1, 2, 3, 4, 5], workingHours: { start: '08:30', end: '16:45' }, holidays });
    const from = utc(2026, 1, 2, 12);
    const ms = 300 * (8 * H + 15 * M); // 300 business days
    const to = addBusinessTime(c, from, ms);
    expect(businessTimeBetween(c, from, to)).toBe(ms);
    expect(to).toBeGreaterThan(utc(2027, 1, 1));
  });
});

describe('validateCalendar', () => {
  it('returns a normalized copy and fills missing fields from the default', () => {
    expect(validateCalendar({ timeZone: 'Europe/Berlin', workingDays: [5, 1, 1, 3], holidays: ['2026-12-25', '2026-01-01'] })).toEqual({
      timeZone: 'Europe/Berlin',
      workingDays: [1, 3, 5],
      workingHours: { start: '09:00', end: '17:00' },
      holidays: ['2026-01-01', '2026-12-25'],
    });
    expect(validateCalendar({ workingHours: { start: '00:00', end: '24:00' } }).workingHours).toEqual({ start: '00:00', end: '24:00' });
  });

  it.each([
    [null, 'expected an object, got null'],
    ['UTC', 'expected an object, got string'],
    [[1, 2], 'expected an object, got an array'],
    [{ timeZone: 'Mars/Olympus' }, 'unknown time zone "Mars/Olympus" (expected an IANA zone such as "Europe/Berlin")'],
    [{ timeZone: 42 }, 'unknown time zone 42 (expected an IANA zone such as "Europe/Berlin")'],
    [{ timeZone: '  ' }, 'unknown time zone "  " (expected an IANA zone such as "Europe/Berlin")'],
    [{ workingDays: [0, 1] }, 'working day 0 is not a weekday 1 (Monday) .. 7 (Sunday)'],
    [{ workingDays: [8] }, 'working day 8 is not a weekday 1 (Monday) .. 7 (Sunday)'],
    [{ workingDays: [1.5] }, 'working day 1.5 is not a weekday 1 (Monday) .. 7 (Sunday)'],
    [{ workingDays: ['1'] }, 'working day "1" is not a weekday 1 (Monday) .. 7 (Sunday)'],
    [{ workingDays: [] }, 'workingDays is empty, there would be no working time at all'],
    [{ workingDays: 'Mon-Fri' }, 'workingDays must be an array of weekdays 1 (Monday) .. 7 (Sunday), got "Mon-Fri"'],
    [{ workingHours: { start: '9:00', end: '17:00' } }, `workingHours.start "9:00" is not a time 'HH:mm' between 00:00 and 24:00`],
    [{ workingHours: { start: 900, end: '17:00' } }, `workingHours.start must be a string 'HH:mm', got 900`],
    [{ workingHours: { start: '09:00', end: '24:30' } }, `workingHours.end "24:30" is not a time 'HH:mm' between 00:00 and 24:00`],
    [{ workingHours: { start: '09:60', end: '17:00' } }, `workingHours.start "09:60" is not a time 'HH:mm' between 00:00 and 24:00`],
    [{ workingHours: { start: '17:00', end: '09:00' } }, 'workingHours.start "17:00" must be before workingHours.end "09:00" (overnight shifts are not supported)'],
    [{ workingHours: { start: '09:00', end: '09:00' } }, 'workingHours.start "09:00" must be before workingHours.end "09:00" (overnight shifts are not supported)'],
    [{ workingHours: '09-17' }, `workingHours must be an object { start: 'HH:mm', end: 'HH:mm' }, got "09-17"`],
    [{ workingHours: null }, `workingHours must be an object { start: 'HH:mm', end: 'HH:mm' }, got null`],
    [{ workingHours: ['09:00', '17:00'] }, `workingHours must be an object { start: 'HH:mm', end: 'HH:mm' }, got ["09:00","17:00"]`],
    [{ holidays: ['2026-02-30'] }, `holiday "2026-02-30" is not a valid 'YYYY-MM-DD' date`],
    [{ holidays: ['2026-13-01'] }, `holiday "2026-13-01" is not a valid 'YYYY-MM-DD' date`],
    [{ holidays: ['2026-00-10'] }, `holiday "2026-00-10" is not a valid 'YYYY-MM-DD' date`],
    [{ holidays: ['2026-01-00'] }, `holiday "2026-01-00" is not a valid 'YYYY-MM-DD' date`],
    [{ holidays: ['25.12.2026'] }, `holiday "25.12.2026" is not a valid 'YYYY-MM-DD' date`],
    [{ holidays: [20261225] }, `holiday 20261225 is not a valid 'YYYY-MM-DD' date`],
    [{ holidays: '2026-12-25' }, `holidays must be an array of 'YYYY-MM-DD' dates, got "2026-12-25"`],
    [{ workingday: [1] }, 'unknown field "workingday" (expected timeZone, workingDays, workingHours, holidays)'],
    [{ workingHours: { start: ' 09:00', end: '17:00' } }, `workingHours.start " 09:00" is not a time 'HH:mm' between 00:00 and 24:00`],
    [{ workingHours: { start: '09:00', end: '17:00x' } }, `workingHours.end "17:00x" is not a time 'HH:mm' between 00:00 and 24:00`],
    [{ holidays: ['x2026-12-25'] }, `holiday "x2026-12-25" is not a valid 'YYYY-MM-DD' date`],
    [{ holidays: ['2026-12-25x'] }, `holiday "2026-12-25x" is not a valid 'YYYY-MM-DD' date`],
    [{ holidays: [['2026-12-25']] }, `holiday ["2026-12-25"] is not a valid 'YYYY-MM-DD' date`], // a list, though its text is a date
  ])('%p is refused: %s', (input, message) => {
    expect(() => validateCalendar(input)).toThrow(new Error(`business calendar: ${message}`));
  });

  it('takes the last days of months and leap days as holidays, and a year of any width of four digits', () => {
    expect(validateCalendar({ holidays: ['2028-02-29', '2026-12-31', '2026-04-30', '0999-01-01'] }).holidays).toEqual(['0999-01-01', '2026-04-30', '2026-12-31', '2028-02-29']);
    expect(() => validateCalendar({ holidays: ['2026-02-29'] })).toThrow(`holiday "2026-02-29" is not a valid 'YYYY-MM-DD' date`);
    expect(() => validateCalendar({ holidays: ['2026-04-31'] })).toThrow(`holiday "2026-04-31" is not a valid 'YYYY-MM-DD' date`);
  });

  it('a holiday is a day of the proleptic Gregorian calendar, February 29 by the year given (years below 100 too)', () => {
    const real = ['2024-02-29', '2000-02-29', '0096-02-29', '0000-02-29', '2026-01-01', '2026-01-31', '2026-12-01', '2026-12-31'];
    expect(validateCalendar({ holidays: real }).holidays).toEqual([...real].sort());
    for (const h of ['2026-02-29', '1900-02-29', '2100-02-29', '0100-02-29', '0099-02-29', '2026-04-31', '2026-01-32', '2026-00-10', '2026-13-01', '2026-01-00', '2026-99-99']) {
      expect(() => validateCalendar({ holidays: [h] })).toThrow(new Error(`business calendar: holiday "${h}" is not a valid 'YYYY-MM-DD' date`));
    }
  });
});

describe('zone helpers', () => {
  it('round-trips wall clock and instants, with java.time gap/overlap rules', () => {
    expect(toLocalEpoch('Europe/Berlin', utc(2026, 1, 1, 0))).toBe(utc(2026, 1, 1, 1));
    expect(toLocalEpoch('Europe/Berlin', utc(2026, 7, 1, 0))).toBe(utc(2026, 7, 1, 2));
    expect(fromLocalEpoch('Europe/Berlin', utc(2026, 7, 1, 2))).toBe(utc(2026, 7, 1, 0));
    expect(fromLocalEpoch('Europe/Berlin', utc(2026, 3, 29, 2, 30))).toBe(utc(2026, 3, 29, 1, 30)); // gap
    expect(fromLocalEpoch('Europe/Berlin', utc(2026, 10, 25, 2, 30))).toBe(utc(2026, 10, 25, 0, 30)); // overlap
    expect(fromLocalEpoch('America/New_York', utc(2026, 1, 1, 0))).toBe(utc(2026, 1, 1, 5));
  });

  // The offsets 15 h before and after differ for all of these; only the ones marked gap or overlap are at the change.
  it.each([
    ['Europe/Berlin', '2026-03-28T20:00', '2026-03-28T19:00:00.000Z'], // the evening before: CET
    ['Europe/Berlin', '2026-03-29T01:59', '2026-03-29T00:59:00.000Z'], // CET, a minute before the gap
    ['Europe/Berlin', '2026-03-29T02:00', '2026-03-29T01:00:00.000Z'], // gap: 03:00 CEST
    ['Europe/Berlin', '2026-03-29T02:30', '2026-03-29T01:30:00.000Z'], // gap: 03:30 CEST
    ['Europe/Berlin', '2026-03-29T03:00', '2026-03-29T01:00:00.000Z'], // CEST, just after the gap
    ['Europe/Berlin', '2026-03-29T10:00', '2026-03-29T08:00:00.000Z'], // the morning after: CEST
    ['Europe/Berlin', '2026-10-24T20:00', '2026-10-24T18:00:00.000Z'], // the evening before: CEST
    ['Europe/Berlin', '2026-10-25T01:59', '2026-10-24T23:59:00.000Z'], // CEST, a minute before the overlap
    ['Europe/Berlin', '2026-10-25T02:00', '2026-10-25T00:00:00.000Z'], // overlap: the earlier, CEST
    ['Europe/Berlin', '2026-10-25T02:30', '2026-10-25T00:30:00.000Z'], // overlap: the earlier, CEST
    ['Europe/Berlin', '2026-10-25T03:00', '2026-10-25T02:00:00.000Z'], // CET, just after the overlap
    ['Europe/Berlin', '2026-10-25T10:00', '2026-10-25T09:00:00.000Z'], // the morning after: CET
    ['America/New_York', '2026-03-08T02:30', '2026-03-08T07:30:00.000Z'], // gap: 03:30 EDT
    ['America/New_York', '2026-03-08T04:00', '2026-03-08T08:00:00.000Z'], // EDT, though 04:00Z is before the change (07:00Z)
    ['America/New_York', '2026-03-08T10:00', '2026-03-08T14:00:00.000Z'], // EDT
    ['America/New_York', '2026-11-01T01:30', '2026-11-01T05:30:00.000Z'], // overlap: the earlier, EDT
    ['America/New_York', '2026-11-01T03:00', '2026-11-01T08:00:00.000Z'], // EST, though 03:00Z is before the change (06:00Z)
    ['America/New_York', '2026-11-01T10:00', '2026-11-01T15:00:00.000Z'], // EST
    ['Australia/Sydney', '2026-04-04T20:00', '2026-04-04T09:00:00.000Z'], // AEDT, the evening before the overlap
    ['Australia/Sydney', '2026-04-05T02:30', '2026-04-04T15:30:00.000Z'], // overlap: the earlier, AEDT (+11)
    ['Australia/Sydney', '2026-10-04T02:30', '2026-10-03T16:30:00.000Z'], // gap: 03:30 AEDT
    ['Australia/Sydney', '2026-10-04T10:00', '2026-10-03T23:00:00.000Z'], // AEDT
    ['Australia/Lord_Howe', '2026-04-04T20:00', '2026-04-04T09:00:00.000Z'], // +11, the evening before
    ['Australia/Lord_Howe', '2026-04-05T01:45', '2026-04-04T14:45:00.000Z'], // half-hour overlap: the earlier, +11
    ['Australia/Lord_Howe', '2026-04-05T05:00', '2026-04-04T18:30:00.000Z'], // +10:30
    ['Australia/Lord_Howe', '2026-10-03T20:00', '2026-10-03T09:30:00.000Z'], // +10:30, the evening before
    ['Australia/Lord_Howe', '2026-10-04T02:15', '2026-10-03T15:45:00.000Z'], // half-hour gap: 02:45 at +11
    ['Australia/Lord_Howe', '2026-10-04T05:00', '2026-10-03T18:00:00.000Z'], // +11
  ])('%s %s (wall clock) is %s: a gap moves forward by its length, an overlap takes the earlier instant', (zone, local, instant) => {
    expect(new Date(fromLocalEpoch(zone, Date.parse(`${local}Z`))).toISOString()).toBe(instant);
  });

  it('an empty zone name is refused like an unknown one, never taken as UTC', () => {
    for (const zone of ['', 'Mars/Olympus']) {
      expect(() => toLocalEpoch(zone, 0)).toThrow(RangeError);
      expect(() => fromLocalEpoch(zone, 0)).toThrow(RangeError);
    }
  });

  it('the default calendar (UTC, no holidays) counts business time up to the first and the last instant a Date can hold', () => {
    const first = -8.64e15; // Tuesday -271821-04-20 00:00Z
    const last = 8.64e15; // Saturday +275760-09-13 00:00Z
    expect(businessTimeBetween(cal, first, first + 24 * H)).toBe(8 * H);
    expect(addBusinessTime(cal, first, 8 * H)).toBe(first + 17 * H);
    expect(businessTimeBetween(cal, last - 7 * 24 * H, last)).toBe(40 * H);
    expect(addBusinessTime(cal, last - 7 * 24 * H, 40 * H)).toBe(last - 7 * H);
  });
});

describe('what the engine relies on besides', () => {
  it('working hours with minutes count to the minute', () => {
    const late: BusinessCalendarConfig = { ...cal, workingHours: { start: '09:30', end: '17:15' } };
    expect(addBusinessTime(late, utc(2026, 1, 5, 8), 30 * M)).toBe(utc(2026, 1, 5, 10));
    expect(addBusinessTime(late, utc(2026, 1, 5, 17), 30 * M)).toBe(utc(2026, 1, 6, 9, 45));
    expect(businessTimeBetween(late, utc(2026, 1, 5, 0), utc(2026, 1, 6, 0))).toBe(7 * H + 45 * M);
  });

  it('the wall clock of a zone keeps seconds and milliseconds, before 1970 and before the year 1 too', () => {
    expect(toLocalEpoch('Europe/Berlin', utc(2026, 1, 1, 0) + 12_345)).toBe(utc(2026, 1, 1, 1) + 12_345);
    expect(toLocalEpoch('Europe/Berlin', -1)).toBe(H - 1); // 1969-12-31T23:59:59.999Z is 00:59:59.999 in Berlin
    expect(toLocalEpoch('America/New_York', -1)).toBe(-5 * H - 1);
    const bc = Date.UTC(-100, 5, 1, 12); // 101 BC, local mean time of Berlin (+00:53:28)
    expect(toLocalEpoch('Europe/Berlin', bc)).toBe(bc + 53 * M + 28_000);
    expect(fromLocalEpoch('Europe/Berlin', bc + 53 * M + 28_000)).toBe(bc);
  });

  it('a calendar may carry fields of its own (a name): only its four fields are checked', () => {
    const named = { ...cal, name: 'support' } as BusinessCalendarConfig;
    expect(addBusinessTime(named, utc(2026, 1, 5, 16), 2 * H)).toBe(utc(2026, 1, 6, 10));
    expect(businessTimeBetween(named, utc(2026, 1, 5, 0), utc(2026, 1, 12, 0))).toBe(40 * H);
  });

  it('a day whose start a DST gap moves past its end has no working time, never a negative one', () => {
    // 02:30-03:15 Berlin. On 2026-03-29 02:30 is in the gap and becomes 03:30 CEST, after 03:15 CEST.
    const c: BusinessCalendarConfig = { ...berlinNight, workingHours: { start: '02:30', end: '03:15' } };
    const saturdayEnd = utc(2026, 3, 28, 2, 15); // 03:15 CET
    expect(businessTimeBetween(c, utc(2026, 3, 29, 0), utc(2026, 3, 30, 0))).toBe(0);
    // 15 minutes from Saturday's end: Monday 02:30-02:45 CEST (00:30Z-00:45Z).
    expect(addBusinessTime(c, saturdayEnd, 15 * M)).toBe(utc(2026, 3, 30, 0, 45));
    expect(businessTimeBetween(c, saturdayEnd, utc(2026, 3, 30, 0, 45))).toBe(15 * M);
  });

  it('refusals of bad instants, amounts and calendars say what was wrong', () => {
    expect(() => addBusinessTime(cal, Number.NaN, 1)).toThrow(new RangeError('business calendar: from must be a finite epoch ms number, got NaN'));
    expect(() => addBusinessTime(cal, 0, -1)).toThrow(new RangeError('business calendar: cannot add -1 ms of working time (expected a finite number >= 0)'));
    expect(() => businessTimeBetween(cal, 0, Number.POSITIVE_INFINITY)).toThrow(new RangeError('business calendar: to must be a finite epoch ms number, got Infinity'));
    expect(() => businessTimeBetween(cal, Number.NaN, 0)).toThrow(new RangeError('business calendar: from must be a finite epoch ms number, got NaN'));
    expect(() => addBusinessTime(null as unknown as BusinessCalendarConfig, 0, 1)).toThrow(new Error('business calendar: expected an object, got null'));
    expect(() => businessTimeBetween('UTC' as unknown as BusinessCalendarConfig, 0, 1)).toThrow(new Error('business calendar: expected an object, got string'));
  });

  it('named calendars: names of letters, digits, - _ . up to 64, not the reserved ones; each calendar checked', () => {
    const berlinDays = { timeZone: 'Europe/Berlin' };
    expect(validateCalendars({ 'emea-1.b_2': berlinDays, ['x'.repeat(64)]: berlinDays })).toEqual({
      'emea-1.b_2': { ...cal, timeZone: 'Europe/Berlin' },
      ['x'.repeat(64)]: { ...cal, timeZone: 'Europe/Berlin' },
    });
    for (const name of ['a b', 'a/b', 'x'.repeat(65), '', '24x7', 'business', 'ok!', '!ok'])
      expect(() => validateCalendars({ [name]: berlinDays })).toThrow(new Error(`calendar name "${name}": letters, digits, - _ . (at most 64), and not 24x7 or business`));
    for (const value of [null, 'emea', ['emea']]) expect(() => validateCalendars(value)).toThrow(new Error('named calendars are an object of name -> calendar'));
    let thrown: unknown;
    try {
      validateCalendars({ mars: { timeZone: 'Mars/Olympus' } });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toEqual(new Error('calendar mars: business calendar: unknown time zone "Mars/Olympus" (expected an IANA zone such as "Europe/Berlin")'));
    expect((thrown as Error).cause).toEqual(new Error('business calendar: unknown time zone "Mars/Olympus" (expected an IANA zone such as "Europe/Berlin")'));
  });
});
