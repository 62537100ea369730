import { durationToMs, nextOccurrence, planTimer, TimerError, type TimerRepeat } from '../../engine/expr/timers';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

/** Friday 2026-01-02 18:00:00 UTC (2026-01-01 is a Thursday). */
const FRIDAY_EVENING = Date.UTC(2026, 0, 2, 18, 0, 0);
/** 2026-01-01T00:00:00Z written out by hand. */
const NEW_YEAR_2026 = 1767225600000;

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('durationToMs', () => {
  it('converts the simple units', () => {
    expect(durationToMs('PT5S', 0)).toBe(5000);
    expect(durationToMs('PT10M', 0)).toBe(600000);
    expect(durationToMs('PT2H', 0)).toBe(7200000);
    expect(durationToMs('P1D', 0)).toBe(86400000);
    expect(durationToMs('P1W', 0)).toBe(604800000);
    expect(durationToMs('P2W', 0)).toBe(1209600000);
    expect(durationToMs('P1DT2H', 0)).toBe(93600000);
    expect(durationToMs('PT1H30M', 0)).toBe(5400000);
  });

  it('accepts fractional seconds (dot or comma) and zero-length durations', () => {
    expect(durationToMs('PT1.5S', 0)).toBe(1500);
    expect(durationToMs('PT0,25S', 0)).toBe(250);
    expect(durationToMs('PT0.001S', 0)).toBe(1);
    expect(durationToMs('PT0S', 0)).toBe(0);
    expect(durationToMs('P0D', 0)).toBe(0);
  });

  it('adds months on the calendar, clamped to the end of the month', () => {
    // 2024 is a leap year: Jan 31 + P1M = Feb 29, 29 days later.
    expect(durationToMs('P1M', Date.UTC(2024, 0, 31))).toBe(29 * D);
    // 2023 is not: Jan 31 + P1M = Feb 28.
    expect(durationToMs('P1M', Date.UTC(2023, 0, 31, 12, 0))).toBe(28 * D);
    // Jan 15 + P1M = Feb 15: 31 days.
    expect(durationToMs('P1M', Date.UTC(2026, 0, 15))).toBe(31 * D);
    // Feb 29 2024 + P1Y = Feb 28 2025: 365 days.
    expect(durationToMs('P1Y', Date.UTC(2024, 1, 29))).toBe(365 * D);
  });

  it('combines all components', () => {
    // 2026-01-15 + 1Y2M = 2027-03-15 (365 + 31 + 28 = 424 days), + 3D = 427 days, + 4h 5m 6s.
    const from = Date.UTC(2026, 0, 15);
    const expected = 427 * D + 4 * H + 5 * M + 6 * S;
    expect(expected).toBe(36907506000);
    expect(durationToMs('P1Y2M3DT4H5M6S', from)).toBe(expected);
    expect(from + expected).toBe(Date.UTC(2027, 2, 18, 4, 5, 6));
  });

  it('refuses negative durations', () => {
    expect(() => durationToMs('-PT5S', 0)).toThrow(TimerError);
    expect(() => durationToMs('-PT5S', 0)).toThrow(/negative/);
    expect(() => durationToMs('PT-5S', 0)).toThrow(/negative/);
  });

  it.each(['abc', 'P', 'PT', '', 'P1DT', '5S', 'PT5', 'P1.5Y', 'PT5S5M'])('refuses %j and quotes it', (bad) => {
    const err = errorOf(() => durationToMs(bad, 0));
    expect(err).toBeInstanceOf(TimerError);
    expect(err.message).toContain(JSON.stringify(bad));
  });
});

describe('planTimer: duration', () => {
  it('fires now + duration', () => {
    expect(planTimer('duration', 'PT5S', FRIDAY_EVENING)).toEqual({ dueAt: FRIDAY_EVENING + 5000 });
    expect(planTimer('duration', 'P1D', FRIDAY_EVENING)).toEqual({ dueAt: Date.UTC(2026, 0, 3, 18) });
    expect(planTimer('duration', ' PT1M ', 0)).toEqual({ dueAt: 60000 });
  });

  it('fires immediately for a zero duration', () => {
    expect(planTimer('duration', 'PT0S', FRIDAY_EVENING)).toEqual({ dueAt: FRIDAY_EVENING });
  });

  it('takes a number as milliseconds', () => {
    expect(planTimer('duration', 1500, 1000)).toEqual({ dueAt: 2500 });
    expect(() => planTimer('duration', -1, 0)).toThrow(TimerError);
  });

  it('is calendar-aware from now', () => {
    expect(planTimer('duration', 'P1M', Date.UTC(2024, 0, 31, 8)).dueAt).toBe(Date.UTC(2024, 1, 29, 8));
  });
});

describe('planTimer: date', () => {
  it('reads UTC, offsets, zones, local date-times and epoch numbers', () => {
    expect(planTimer('date', '2026-01-01T00:00:00Z', 0)).toEqual({ dueAt: NEW_YEAR_2026 });
    expect(planTimer('date', '2026-01-01T00:00:00', 0)).toEqual({ dueAt: NEW_YEAR_2026 }); // no offset = UTC
    expect(planTimer('date', '2026-01-01T10:00:00+01:00', 0)).toEqual({ dueAt: NEW_YEAR_2026 + 9 * H });
    expect(planTimer('date', '2026-01-01T10:00:00+0100', 0)).toEqual({ dueAt: NEW_YEAR_2026 + 9 * H });
    expect(planTimer('date', '2025-12-31T18:30:00-05:30', 0)).toEqual({ dueAt: NEW_YEAR_2026 });
    expect(planTimer('date', '2026-01-01T00:00:00.250Z', 0)).toEqual({ dueAt: NEW_YEAR_2026 + 250 });
    expect(planTimer('date', '2026-01-01', 0)).toEqual({ dueAt: NEW_YEAR_2026 });
    expect(planTimer('date', NEW_YEAR_2026, 0)).toEqual({ dueAt: NEW_YEAR_2026 });
  });

  it('reads FEEL / java.time zone forms', () => {
    // Berlin is UTC+2 in July (CEST) and UTC+1 in January (CET).
    expect(planTimer('date', '2026-07-01T12:00:00@Europe/Berlin', 0).dueAt).toBe(Date.UTC(2026, 6, 1, 10));
    expect(planTimer('date', '2026-01-01T12:00:00@Europe/Berlin', 0).dueAt).toBe(Date.UTC(2026, 0, 1, 11));
    expect(planTimer('date', '2026-07-01T12:00:00+02:00[Europe/Berlin]', 0).dueAt).toBe(Date.UTC(2026, 6, 1, 10));
    // 02:30 does not exist on 2026-03-29 in Berlin: moved forward by the gap to 03:30 CEST = 01:30Z.
    expect(planTimer('date', '2026-03-29T02:30:00@Europe/Berlin', 0).dueAt).toBe(Date.UTC(2026, 2, 29, 1, 30));
    // 02:30 happens twice on 2026-10-25: the earlier one (CEST) = 00:30Z.
    expect(planTimer('date', '2026-10-25T02:30:00@Europe/Berlin', 0).dueAt).toBe(Date.UTC(2026, 9, 25, 0, 30));
  });

  it('returns a past date as is (due at once)', () => {
    expect(planTimer('date', '2020-01-01T00:00:00Z', FRIDAY_EVENING)).toEqual({ dueAt: Date.UTC(2020, 0, 1) });
  });

  it.each(['abc', '', '2026-13-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-01-01T25:00:00Z', '2026-01-01T10:00:00@Mars/Olympus', 'PT5S'])('refuses %j and quotes it', (bad) => {
    const err = errorOf(() => planTimer('date', bad, 0));
    expect(err).toBeInstanceOf(TimerError);
    expect(err.message).toContain(JSON.stringify(bad));
  });
});

describe('planTimer: cycle', () => {
  it('counts R3/PT10M down to undefined', () => {
    const now = FRIDAY_EVENING;
    const first = planTimer('cycle', 'R3/PT10M', now);
    expect(first).toEqual({ dueAt: now + 10 * M, repeat: { remaining: 2, intervalMs: 600000 } });

    const second = nextOccurrence(first.repeat!, first.dueAt);
    expect(second).toEqual({ dueAt: now + 20 * M, repeat: { remaining: 1, intervalMs: 600000 } });

    // The next firing counts from the actual firing time.
    const third = nextOccurrence(second!.repeat, second!.dueAt + 5 * S);
    expect(third).toEqual({ dueAt: now + 30 * M + 5 * S, repeat: { remaining: 0, intervalMs: 600000 } });

    expect(nextOccurrence(third!.repeat, third!.dueAt)).toBeUndefined();
  });

  it('R1 fires once', () => {
    const plan = planTimer('cycle', 'R1/PT1S', 0);
    expect(plan).toEqual({ dueAt: 1000, repeat: { remaining: 0, intervalMs: 1000 } });
    expect(nextOccurrence(plan.repeat!, plan.dueAt)).toBeUndefined();
  });

  it('R/PT1H is unbounded', () => {
    const plan = planTimer('cycle', 'R/PT1H', 0);
    expect(plan).toEqual({ dueAt: H, repeat: { remaining: -1, intervalMs: 3600000 } });
    let next = nextOccurrence(plan.repeat!, plan.dueAt)!;
    for (let i = 0; i < 100; i++) next = nextOccurrence(next.repeat, next.dueAt)!;
    expect(next).toEqual({ dueAt: 102 * H, repeat: { remaining: -1, intervalMs: 3600000 } });
  });

  it('start date form fires first at the start date', () => {
    const plan = planTimer('cycle', 'R3/2026-01-01T00:00:00Z/PT1H', Date.UTC(2025, 11, 31, 20));
    expect(plan).toEqual({ dueAt: NEW_YEAR_2026, repeat: { remaining: 2, intervalMs: 3600000 } });
    expect(nextOccurrence(plan.repeat!, plan.dueAt)).toEqual({ dueAt: NEW_YEAR_2026 + H, repeat: { remaining: 1, intervalMs: 3600000 } });
    const withOffset = planTimer('cycle', 'R/2026-01-01T09:00:00+01:00/P1D', 0);
    expect(withOffset).toEqual({ dueAt: NEW_YEAR_2026 + 8 * H, repeat: { remaining: -1, intervalMs: 86400000 } });
  });

  it('month intervals stay calendar-aware', () => {
    const plan = planTimer('cycle', 'R/P1M', Date.UTC(2026, 0, 15));
    expect(plan.dueAt).toBe(Date.UTC(2026, 1, 15));
    expect(plan.repeat).toMatchObject({ remaining: -1, interval: 'P1M' });
    const next = nextOccurrence(plan.repeat!, plan.dueAt)!;
    expect(next.dueAt).toBe(Date.UTC(2026, 2, 15)); // 28 days later, not another 31
  });

  it('cron: next occurrence of 0 9 * * MON-FRI after a Friday evening is Monday 09:00 UTC', () => {
    const plan = planTimer('cycle', '0 9 * * MON-FRI', FRIDAY_EVENING);
    expect(plan).toEqual({ dueAt: Date.UTC(2026, 0, 5, 9, 0, 0), repeat: { remaining: -1, cron: '0 9 * * MON-FRI' } });
    // Then Tuesday 09:00, strictly after the Monday firing.
    expect(nextOccurrence(plan.repeat!, plan.dueAt)).toEqual({ dueAt: Date.UTC(2026, 0, 6, 9), repeat: { remaining: -1, cron: '0 9 * * MON-FRI' } });
    // Fired on Friday 09:00 -> Monday again.
    expect(nextOccurrence(plan.repeat!, Date.UTC(2026, 0, 9, 9))!.dueAt).toBe(Date.UTC(2026, 0, 12, 9));
  });

  it('cron: six fields start with seconds (Spring / Camunda form) and macros work', () => {
    expect(planTimer('cycle', '0 30 9 * * *', FRIDAY_EVENING).dueAt).toBe(Date.UTC(2026, 0, 3, 9, 30));
    expect(planTimer('cycle', '0 0 12 ? * MON', FRIDAY_EVENING).dueAt).toBe(Date.UTC(2026, 0, 5, 12));
    expect(planTimer('cycle', '*/15 * * * *', FRIDAY_EVENING + 1).dueAt).toBe(FRIDAY_EVENING + 15 * M);
    expect(planTimer('cycle', '@daily', FRIDAY_EVENING).dueAt).toBe(Date.UTC(2026, 0, 3));
  });

  it('a bounded cron repeat counts down', () => {
    const repeat: TimerRepeat = { remaining: 1, cron: '0 9 * * *' };
    const next = nextOccurrence(repeat, Date.UTC(2026, 0, 5, 9))!;
    expect(next).toEqual({ dueAt: Date.UTC(2026, 0, 6, 9), repeat: { remaining: 0, cron: '0 9 * * *' } });
    expect(nextOccurrence(next.repeat, next.dueAt)).toBeUndefined();
  });

  it.each(['abc', 'P', 'PT', 'R-1/PT1M', '', 'R0/PT1M', 'R3', 'R3/PT', 'R3/abc/PT1H', 'R/PT1H/2026-01-01T00:00:00Z', 'R/PT0S', '61 * * * *', '* * *', 'PT5M'])(
    'refuses %j and quotes it',
    (bad) => {
      const err = errorOf(() => planTimer('cycle', bad, 0));
      expect(err).toBeInstanceOf(TimerError);
      expect(err.message).toContain(JSON.stringify(bad));
    },
  );

  it('allows zero intervals when bounded', () => {
    expect(planTimer('cycle', 'R2/PT0S', 500)).toEqual({ dueAt: 500, repeat: { remaining: 1, intervalMs: 0 } });
  });
});

describe('planTimer: bad values', () => {
  it.each([
    ['duration', undefined, 'undefined'],
    ['duration', null, 'null'],
    ['date', { at: 1 }, '{"at":1}'],
    ['date', true, 'true'],
    ['cycle', ['R/PT1H'], '["R/PT1H"]'],
    ['cycle', 60000, '60000'],
    ['date', Number.NaN, 'NaN'],
  ] as const)('%s %p -> TimerError naming the value', (type, value, shown) => {
    const err = errorOf(() => planTimer(type, value, 0));
    expect(err).toBeInstanceOf(TimerError);
    expect(err.name).toBe('TimerError');
    expect(err.message).toContain(shown);
    expect(err.message).toContain(type);
  });

  it('refuses an unknown type', () => {
    expect(() => planTimer('weekly' as never, 'PT1S', 0)).toThrow(/unknown timer type "weekly"/);
  });
});

describe('nextOccurrence', () => {
  it('returns undefined when nothing remains and refuses broken repeats', () => {
    expect(nextOccurrence({ remaining: 0, intervalMs: 1000 }, 0)).toBeUndefined();
    expect(() => nextOccurrence({ remaining: 2 }, 0)).toThrow(TimerError);
    expect(() => nextOccurrence({ remaining: -5, intervalMs: 1 }, 0)).toThrow(TimerError);
  });

  it('does not mutate the given repeat', () => {
    const repeat: TimerRepeat = { remaining: 3, intervalMs: 10 };
    nextOccurrence(repeat, 0);
    expect(repeat).toEqual({ remaining: 3, intervalMs: 10 });
  });
});
