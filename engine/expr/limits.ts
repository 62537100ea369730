/**
 * How much work one request may cause. Every limit has a default for a production service desk and is
 * configurable (EngineOptions.limits; the API reads them from the environment, see README "Security
 * model"). What a limit refuses is a clear 400 at the door (deployments, variables, messages) or an
 * incident on the element concerned (a multi-instance too large, a timer cycle too fast, a FEEL
 * evaluation too slow or too big), never a blocked server.
 */

export interface Limits {
  /** Flow nodes of one deployed process. */
  maxFlowNodes: number;
  /** Instances of one multi-instance activity (items of its input collection, or its cardinality). */
  maxMultiInstance: number;
  /** Wall-clock time one FEEL evaluation that iterates (for, some, every, filters, ranges) may take. */
  feelTimeoutMs: number;
  /** JSON size of one FEEL result. */
  maxFeelResultBytes: number;
  /** Shortest period of a repeating timer (cycle or cron). */
  minTimerCycleMs: number;
  /** Most firings an ISO repeating interval may ask for (`R<n>/...`). */
  maxTimerRepetitions: number;
  /** Longest time a message may stay buffered. */
  maxMessageTtlMs: number;
  /** How long ago a starter may say the subject of an instance was reported (processdesk.reportedAt). */
  maxReportedAgeMs: number;
  /** Deepest nesting of a variable value (objects and arrays). */
  maxJsonDepth: number;
  /**
   * Token game steps one command runs (agenda items, the effects they emit, i.e. what its commit
   * writes, and the size of FEEL results); the rest continues in commands of their own, so one start of
   * a huge diagram never holds the server for long.
   */
  maxStepsPerCommand: number;
  /** Links one ticket may have (to and from other tickets); more are refused, and lists show at most this many. */
  maxLinksPerTicket: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxFlowNodes: 10_000,
  maxMultiInstance: 10_000,
  feelTimeoutMs: 1000,
  maxFeelResultBytes: 1024 * 1024,
  minTimerCycleMs: 1000,
  maxTimerRepetitions: 10_000,
  maxMessageTtlMs: 7 * 24 * 60 * 60 * 1000,
  maxReportedAgeMs: 7 * 24 * 60 * 60 * 1000,
  maxJsonDepth: 64,
  maxStepsPerCommand: 200,
  maxLinksPerTicket: 100,
};

export function limitsOf(overrides: Partial<Limits> = {}): Limits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(overrides) as [keyof Limits, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) throw new Error(`limit ${key} must be a number >= 0, got ${value}`);
    limits[key] = value;
  }
  return limits;
}

/** How deep `value` nests, counting no further than `max + 1` (iterative: a hostile value cannot overflow the stack). */
export function jsonDepth(value: unknown, max: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const d = depth + 1;
    if (d > deepest) {
      deepest = d;
      if (deepest > max) return deepest;
    }
    for (const child of Array.isArray(v) ? v : Object.values(v as object)) if (child !== null && typeof child === 'object') stack.push([child, d]);
  }
  return deepest;
}
