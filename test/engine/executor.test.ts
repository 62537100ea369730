/**
 * The command path (engine/runtime/executor.ts) on its own terms: commands on one instance run one
 * after another, a refused one holds nothing up, a commit refused for a stale revision is tried again
 * with the fresh row (at most 8 times, then the conflict is the answer), and a snapshot the process
 * machine cannot run fails the command with the event named and nothing written. Real SQLite; the
 * store that refuses commits is the real one with `commit` wrapped.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConflictError, Engine, openStore, type Store } from '../../engine';
import type { CommitBatch } from '../../engine/store/types';
import { frozenClock } from '../support/clock';
import { bpmn, chain, deployXml, endEvent, startEvent, userTask } from './helpers';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-executor-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const WAIT = bpmn('wait', [startEvent(), userTask('Check'), endEvent(), chain('Start', 'Check', 'End')]);
/** Numbered tickets (processdesk.ticketPrefix TKT): each start takes the next number in its commit. */
const TICKET = WAIT.replace(
  'id="wait" isExecutable="true">',
  'id="ticket" isExecutable="true"><bpmn:extensionElements><zeebe:properties><zeebe:property name="processdesk.ticketPrefix" value="TKT" /></zeebe:properties></bpmn:extensionElements>',
);

/**
 * The real store, except that the next `times` commits of one instance fail: as stale (a ConflictError,
 * another process committed first) or as broken (any other error, a disk that fails).
 */
function staleCommits(store: Store): {
  store: Store;
  refuse: (instance: string | ((b: CommitBatch) => boolean), times: number, as?: 'stale' | 'broken') => void;
  attempts: () => number;
} {
  let target: (b: CommitBatch) => boolean = () => false;
  let left = 0;
  let attempts = 0;
  let kind: 'stale' | 'broken' = 'stale';
  const wrapped = new Proxy(store, {
    get(t, prop) {
      if (prop === 'commit') {
        return async (b: CommitBatch) => {
          if (target(b)) {
            attempts++;
            if (left > 0) {
              left--;
              if (kind === 'broken') throw new Error('disk I/O error (refused by the test)');
              throw new ConflictError(`instance ${b.instance.id} moved on (refused by the test)`);
            }
          }
          return t.commit(b);
        };
      }
      const value = Reflect.get(t, prop, t) as unknown;
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
  return {
    store: wrapped,
    refuse: (instance, times, as = 'stale') => {
      target = typeof instance === 'string' ? (b) => b.instance.id === instance : instance;
      left = times;
      kind = as;
      attempts = 0;
    },
    attempts: () => attempts,
  };
}

async function engineOn(store: Store, clock?: () => number): Promise<Engine> {
  const engine = await new Engine({ store, dataDir: dir, checkpointIntervalMs: 0, onError: () => undefined, clock }).start();
  await deployXml(engine, WAIT, TICKET);
  return engine;
}

test('commands on one instance run one after another in the order given; one that fails holds up none after it', async () => {
  const stale = staleCommits(openStore({ dataDir: dir }));
  const engine = await engineOn(stale.store);
  try {
    const { id } = await engine.startInstance({ processId: 'wait' });
    stale.refuse(id, 1, 'broken');
    const results = await Promise.allSettled([1, 2, 3, 4].map((step) => engine.setVariables(id, { step }, `user${step}`)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ message: 'disk I/O error (refused by the test)' });
    expect(stale.attempts()).toBe(4);
    expect((await engine.getInstance(id)).variables).toMatchObject({ step: 4 });
    const set = (await engine.getHistory(id)).filter((e) => e.type === 'variables.set');
    expect(set.map((e) => e.actor)).toEqual(['user2', 'user3', 'user4']);
    expect(await engine.verifyHistory(id)).toMatchObject({ valid: true });
  } finally {
    await engine.stop();
  }
});

test('a commit refused for a stale revision is tried again with the fresh row, and applies once', async () => {
  const stale = staleCommits(openStore({ dataDir: dir }));
  const engine = await engineOn(stale.store);
  try {
    const { id } = await engine.startInstance({ processId: 'wait' });
    const before = await stale.store.getInstance(id);
    stale.refuse(id, 3);
    await engine.setVariables(id, { priority: 2 }, 'alice');
    expect(stale.attempts()).toBe(4);
    const after = (await stale.store.getInstance(id))!;
    expect(after.rev).toBe(before!.rev + 1);
    expect(after.variables).toMatchObject({ priority: 2 });
    expect((await engine.getHistory(id)).filter((e) => e.type === 'variables.set' && e.actor === 'alice')).toHaveLength(1);
  } finally {
    await engine.stop();
  }
});

test('after 8 refused attempts the conflict is the answer, and nothing was written', async () => {
  const stale = staleCommits(openStore({ dataDir: dir }));
  const engine = await engineOn(stale.store);
  try {
    const { id } = await engine.startInstance({ processId: 'wait' });
    const before = (await stale.store.getInstance(id))!;
    const history = await engine.getHistory(id);
    stale.refuse(id, 100);
    await expect(engine.setVariables(id, { priority: 2 }, 'alice')).rejects.toThrow(`instance ${id} moved on (refused by the test)`);
    expect(stale.attempts()).toBe(8);
    stale.refuse(id, 0);
    expect((await stale.store.getInstance(id))!.rev).toBe(before.rev);
    expect(await engine.getHistory(id)).toEqual(history);
    // the instance is not stuck: the next command applies
    await engine.setVariables(id, { priority: 3 }, 'alice');
    expect((await engine.getInstance(id)).variables).toMatchObject({ priority: 3 });
  } finally {
    await engine.stop();
  }
});

test('a snapshot the process machine cannot run fails the command naming the event; nothing is written', async () => {
  const store = openStore({ dataDir: dir });
  const engine = await engineOn(store);
  try {
    const { id } = await engine.startInstance({ processId: 'wait' });
    const row = (await store.getInstance(id))!;
    const snapshot = row.snapshot as { machine: { context: Record<string, unknown> } };
    const damaged = { ...row, rev: row.rev + 1, snapshot: { ...snapshot, machine: { ...snapshot.machine, context: { ...snapshot.machine.context, tokens: 'garbage' } } } };
    await store.commit({ instance: damaged, expectedRev: row.rev, history: [] });
    const history = await engine.getHistory(id);
    const [task] = (await store.listTasks({ instanceId: id, limit: 1 })).items;
    await expect(engine.completeTask(task.id, {}, 'alice')).rejects.toThrow(/^the process machine failed on TASK_COMPLETE: /);
    expect((await store.getInstance(id))!.rev).toBe(row.rev + 1);
    expect(await engine.getHistory(id)).toEqual(history);
    expect((await store.getTask(task.id))!.state).toBe('created');
  } finally {
    await engine.stop();
  }
});

test('a numbered start whose number another commit took tries the next read of the counter; after 50 such races it gives up, nothing written', async () => {
  const stale = staleCommits(openStore({ dataDir: dir }));
  const engine = await engineOn(stale.store);
  const starts = (b: CommitBatch) => b.expectedRev === null && b.instance.processId === 'ticket';
  try {
    stale.refuse(starts, 3);
    const first = await engine.startInstance({ processId: 'ticket' });
    expect(stale.attempts()).toBe(4);
    expect(first.businessKey).toBe('TKT0000001');
    stale.refuse(starts, 1000);
    await expect(engine.startInstance({ processId: 'ticket' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'no TKT ticket number could be taken after 50 attempts: too many concurrent starts',
    });
    expect(stale.attempts()).toBe(50);
    stale.refuse(starts, 0);
    expect((await engine.listInstances({ processId: 'ticket', limit: 10 })).items.map((i) => i.businessKey)).toEqual(['TKT0000001']);
    expect((await engine.startInstance({ processId: 'ticket' })).businessKey).toBe('TKT0000002');
  } finally {
    await engine.stop();
  }
});

test('an instance that ends records when (completed or terminated); a running one has no end', async () => {
  const time = frozenClock(Date.UTC(2030, 0, 1));
  const store = openStore({ dataDir: dir });
  const engine = await engineOn(store, time.clock);
  try {
    const done = await engine.startInstance({ processId: 'wait' });
    const stopped = await engine.startInstance({ processId: 'wait' });
    expect((await store.getInstance(done.id))!.endedAt).toBeUndefined();
    time.advance(60_000);
    const [task] = (await engine.listTasks({ instanceId: done.id, limit: 1 })).items;
    await engine.completeTask(task.id, {}, 'alice');
    time.advance(60_000);
    await engine.cancelInstance(stopped.id, 'admin');
    expect(await store.getInstance(done.id)).toMatchObject({ state: 'completed', endedAt: Date.UTC(2030, 0, 1, 0, 1) });
    expect(await store.getInstance(stopped.id)).toMatchObject({ state: 'terminated', endedAt: Date.UTC(2030, 0, 1, 0, 2) });
  } finally {
    await engine.stop();
  }
});

test('the command queue of an instance is forgotten once it has run dry (a long-running server keeps no entry per instance)', async () => {
  const engine = await engineOn(openStore({ dataDir: dir }));
  const queues = (engine as unknown as { executor: { queues: Map<string, unknown> } }).executor.queues;
  try {
    const { id } = await engine.startInstance({ processId: 'wait' });
    await Promise.all([engine.setVariables(id, { a: 1 }), engine.setVariables(id, { a: 2 })]);
    await engine.idle();
    await new Promise((resolve) => setImmediate(resolve));
    expect([...queues.keys()]).toEqual([]);
  } finally {
    await engine.stop();
  }
});
