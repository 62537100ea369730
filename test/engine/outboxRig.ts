/**
 * What the outbox dispatcher's tests share (outboxDispatcher.test.ts, outboxHandlers.test.ts): an engine
 * on a real SQLite store in a fresh directory, a frozen clock, setInterval faked so that the periodic
 * sweep (every 5 s) runs when a test says so, a store with one method wrapped (to wait or fail), rows
 * planted as a crashed process leaves them, and the processes the tests run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine, type TaskAssignedNotice } from '../../engine';
import type { Scheduler } from '../../engine/queue/types';
import { openStore } from '../../engine/store';
import type { OutboxEntry, OutboxRow, Store } from '../../engine/store/types';
import { frozenClock, type TestClock } from '../support/clock';
import {
  bpmn,
  boundary,
  callActivity,
  chain,
  definitions,
  endEvent,
  errorDef,
  errorRef,
  escalationDef,
  escalationRef,
  processEl,
  scriptTask,
  signalDef,
  signalRef,
  startEvent,
  throwEvent,
  userTask,
} from './helpers';

export const T0 = Date.UTC(2031, 0, 6, 9, 0, 0);
export const SWEEP_MS = 5000;

let dir: string;
let frozen: TestClock;
const engines: Engine[] = [];

/** The frozen clock of the running test (starts at T0 in each). */
export const time: TestClock = { clock: () => frozen.clock(), advance: (ms) => frozen.advance(ms) };

/** A store on the running test's data directory. */
export const freshStore = (): Store => openStore({ dataDir: dir });

/** Each test of the calling file gets a fresh data directory and clock; the engines it started are stopped after it. */
export function useOutboxRig(): void {
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-outbox-'));
    frozen = frozenClock(T0);
    jest.useFakeTimers({
      doNotFake: ['Date', 'hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout'],
    });
  });
  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.stop();
    jest.useRealTimers();
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

export interface Rig {
  engine: Engine;
  store: Store;
  errors: string[];
}

export function rig(o: { store?: Store; onTaskAssigned?: (n: TaskAssignedNotice) => Promise<void>; scheduler?: Scheduler; maxStepsPerCommand?: number } = {}): Rig {
  const errors: string[] = [];
  const store = o.store ?? openStore({ dataDir: dir });
  const engine = new Engine({
    store,
    dataDir: dir,
    clock: time.clock,
    checkpointIntervalMs: 0,
    scheduler: o.scheduler,
    onTaskAssigned: o.onTaskAssigned,
    limits: o.maxStepsPerCommand ? { maxStepsPerCommand: o.maxStepsPerCommand } : {},
    onError: (err, where) => errors.push(`${where}: ${(err as Error).message}`),
  });
  engines.push(engine);
  return { engine, store, errors };
}

export async function started(o: Parameters<typeof rig>[0] = {}): Promise<Rig> {
  const r = rig(o);
  await r.engine.start();
  return r;
}

/** The real store, except that each call of `method` first goes through `before`, which may wait or throw. */
export function intercept<K extends 'getInstance' | 'instanceRev' | 'getDefinition' | 'getLatestDefinition' | 'markOutboxDone' | 'findSubscriptions'>(
  store: Store,
  method: K,
  before: (...args: Parameters<Store[K]>) => Promise<void> | void,
): Store {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === method) {
        return async (...args: Parameters<Store[K]>) => {
          await before(...args);
          return (target[method] as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** An error of the store itself (a driver's), with a `code` that looks like an EngineError's. */
export const storeError = (method: string, code: string) => Object.assign(new Error(`${method} refused by the test`), { code });

export function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** The periodic sweep runs once (its interval is faked), and what it queued is dispatched. */
export async function periodicSweep(engine: Engine): Promise<void> {
  jest.advanceTimersByTime(SWEEP_MS);
  await new Promise((resolve) => setImmediate(resolve)); // the sweep has read the outbox and queued
  await engine.idle();
}

export const pending = async (store: Store) => (await store.pendingOutbox(100)).map((r) => r.kind);

/** An outbox row as a crashed process left it: committed with `carrier`'s next revision, never dispatched. */
export async function plant(store: Store, carrier: string, rows: (OutboxEntry & { id: string; createdAt: number })[]): Promise<void> {
  const row = (await store.getInstance(carrier))!;
  await store.commit({ instance: { ...row, rev: row.rev + 1 }, expectedRev: row.rev, history: [], outbox: rows as OutboxRow[] });
}

/** A row of a kind this version does not know: dispatching it only marks it done. */
export const unknownRow = (id: string, createdAt: number) =>
  ({ id, kind: 'ticket.archived', payload: {}, createdAt }) as unknown as OutboxEntry & { id: string; createdAt: number };

/** Who the history says did what at `elementId` (distinct actors, in order). */
export async function actorsAt(engine: Engine, instanceId: string, elementId: string): Promise<string[]> {
  return [...new Set((await engine.getHistory(instanceId)).filter((e) => e.elementId === elementId).map((e) => e.actor))];
}

export const ONE_TASK = bpmn('oneTask', [startEvent(), userTask('Check'), endEvent(), chain('Start', 'Check', 'End')]);

/**
 * A caller whose call activity runs the process named by its variable `callee`; a script task on each
 * way out records who acted (FEEL currentUser()): `doneBy` (completed), `helpedBy` (escalation),
 * `caughtBy` (error).
 */
export const CALLS = definitions(
  escalationDef('Esc_Help', 'HELP'),
  errorDef('Err_Fail', 'FAILED'),
  processEl(
    'caller',
    startEvent('Start'),
    callActivity('Call', '=callee'),
    scriptTask('Done', '=currentUser()', 'doneBy'),
    userTask('After'),
    endEvent('End'),
    boundary('OnHelp', 'Call', escalationRef('Esc_Help'), false),
    scriptTask('Helped', '=currentUser()', 'helpedBy'),
    endEvent('HelpEnd'),
    boundary('OnFail', 'Call', errorRef('Err_Fail')),
    scriptTask('Caught', '=currentUser()', 'caughtBy'),
    userTask('Handle'),
    endEvent('FailEnd'),
    chain('Start', 'Call', 'Done', 'After', 'End'),
    chain('OnHelp', 'Helped', 'HelpEnd'),
    chain('OnFail', 'Caught', 'Handle', 'FailEnd'),
  ),
  processEl('quick', startEvent('QStart'), endEvent('QEnd'), chain('QStart', 'QEnd')),
  processEl('work', startEvent('WStart'), userTask('Work'), endEvent('WEnd'), chain('WStart', 'Work', 'WEnd')),
  processEl(
    'helpThenWork',
    startEvent('HStart'),
    throwEvent('AskHelp', escalationRef('Esc_Help')),
    userTask('Later'),
    endEvent('HEnd'),
    chain('HStart', 'AskHelp', 'Later', 'HEnd'),
  ),
  processEl('failing', startEvent('FStart'), userTask('Try'), endEvent('FErr', errorRef('Err_Fail')), chain('FStart', 'Try', 'FErr')),
);

/** `shout` throws signal `go`; `listen` starts on it. */
export const SIGNALS = definitions(
  signalDef('Sig_Go', 'go'),
  processEl('shout', startEvent('Start'), throwEvent('Shout', signalRef('Sig_Go')), endEvent('End'), chain('Start', 'Shout', 'End')),
  processEl('listen', startEvent('Heard', signalRef('Sig_Go')), userTask('React'), endEvent('LEnd'), chain('Heard', 'React', 'LEnd')),
);
