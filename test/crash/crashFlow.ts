/**
 * The crash test's model (crash.test.ts, crashWorker.ts): crashFlow runs two jobs, a timer, a user task
 * with a non-interrupting timer boundary, a script, a call activity (crashChild, one job), a message
 * correlated by business key (published with a time to live before the instance waits for it) and a
 * signal throw that starts one crashSignalled instance. Every job writes its effect to a ledger outside
 * the engine (ledger.ts).
 */
import {
  boundary,
  callActivity,
  catchEvent,
  chain,
  definitions,
  endEvent,
  flow,
  gateway,
  messageDef,
  messageRef,
  processEl,
  scriptTask,
  serviceTask,
  signalDef,
  signalRef,
  startEvent,
  throwEvent,
  timerDuration,
  userTask,
} from '../engine/helpers';

export const CRASH_FLOW = definitions(
  processEl(
    'crashFlow',
    startEvent(),
    serviceTask('JobA', 'crash-a', { retries: '3' }),
    catchEvent('Wait', timerDuration('=delay')),
    gateway('parallel', 'Split'),
    serviceTask('JobB', 'crash-b'),
    userTask('Review', { candidateGroups: 'crash-testers' }),
    boundary('Nudge', 'Review', timerDuration('PT0.05S'), false),
    endEvent('Nudged'),
    gateway('parallel', 'Join'),
    scriptTask('Sum', '=a + b', 'total'),
    callActivity('Call', 'crashChild'),
    catchEvent('Go', messageRef('Msg_go')),
    throwEvent('Announce', signalRef('Sig_done')),
    endEvent(),
    chain('Start', 'JobA', 'Wait', 'Split'),
    flow('f_b', 'Split', 'JobB'),
    flow('f_r', 'Split', 'Review'),
    flow('f_b2', 'JobB', 'Join'),
    flow('f_r2', 'Review', 'Join'),
    flow('f_n', 'Nudge', 'Nudged'),
    chain('Join', 'Sum', 'Call', 'Go', 'Announce', 'End'),
  ),
  processEl('crashChild', startEvent('ChildStart'), serviceTask('JobC', 'crash-c'), endEvent('ChildEnd'), chain('ChildStart', 'JobC', 'ChildEnd')),
  processEl('crashSignalled', startEvent('SignalStart', signalRef('Sig_done')), endEvent('SignalEnd'), chain('SignalStart', 'SignalEnd')),
  messageDef('Msg_go', 'crash-go', '=key'),
  signalDef('Sig_done', 'crash-done'),
);

export const JOB_TYPES = ['crash-a', 'crash-b', 'crash-c'];

/** Where the worker kills itself: before the k-th commit of a kind, or right after it (`after`). */
export interface KillPoint {
  /** `start`: an instance start; `child-start`: a call activity's child start (an outbox dispatch); `any`: any commit. */
  kind: 'start' | 'child-start' | 'any';
  nth: number;
  after: boolean;
}

export const formatKill = (k: KillPoint): string => `${k.after ? 'after' : 'before'}:${k.kind}:${k.nth}`;
export function parseKill(s: string): KillPoint {
  const [when, kind, nth] = s.split(':');
  if (!['before', 'after'].includes(when) || !['start', 'child-start', 'any'].includes(kind) || !(Number(nth) > 0)) throw new Error(`bad kill point ${s}`);
  return { kind: kind as KillPoint['kind'], nth: Number(nth), after: when === 'after' };
}

/** A small seeded generator (mulberry32): the same seed gives the same kill points. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
