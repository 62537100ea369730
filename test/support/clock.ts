/**
 * Time under the test's control: the engine's injected clock runs with real time plus an offset the
 * test moves forward, so an SLA, timer, backoff or reminder test says "an hour passes" instead of
 * sleeping through it. An engine on such a clock (tempEngine with `clock`) gets an embedded scheduler
 * that asks the clock every 10 ms, so a timer the move made due fires at once.
 */
export interface TestClock {
  clock: () => number;
  /** Moves the clock forward by `ms`. */
  advance: (ms: number) => void;
}

export function offsetClock(): TestClock {
  let offset = 0;
  return {
    clock: () => Date.now() + offset,
    advance: (ms: number) => {
      if (!(ms >= 0)) throw new Error(`time moves forward only, not by ${ms} ms`);
      offset += ms;
    },
  };
}

/**
 * A clock that stands still until the test moves it: every time the engine records (locks, backoffs,
 * history, incident ids) is an exact value the test can assert. Starts at `start`.
 */
export function frozenClock(start = Date.now()): TestClock {
  let now = start;
  return {
    clock: () => now,
    advance: (ms: number) => {
      if (!(ms >= 0)) throw new Error(`time moves forward only, not by ${ms} ms`);
      now += ms;
    },
  };
}
