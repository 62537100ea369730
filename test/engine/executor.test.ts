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
import { bpmn, chain, deployXml, endEvent, startEvent, userTask } from './helpers';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-executor-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const WAIT = bpmn('wait', [startEvent(), userTask('Check'), endEvent(), chain('Start', 'Check', 'End')]);

/**
 * The real store, except that the next `times` commits of one instance fail: as stale (a ConflictError,
 * another process committed first) or as broken (any other error, a disk that fails).
 */
function staleCommits(store: Store): { store: Store; refuse: (instanceId: string, times: number, as?: 'stale' | 'broken') => void; attempts: () => number } {
  let target = '';
  let left = 0;
  let attempts = 0;
  let kind: 'stale' | 'broken' = 'stale';
  const wrapped = new Proxy(store, {
    get(t, prop) {
      if (prop === 'commit') {
        return async (b: CommitBatch) => {
          if (b.instance.id === target) {
            attempts++;
            if (left > 0) {
              left--;
              if (kind === 'broken') throw new Error('disk I/O error (refused by the test)');
              throw new ConflictError(`instance ${target} moved on (refused by the test)`);
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
    refuse: (id, times, as = 'stale') => {
      target = id;
      left = times;
      kind = as;
      attempts = 0;
    },
    attempts: () => attempts,
  };
}

async function engineOn(store: Store): Promise<Engine> {
  const engine = await new Engine({ store, dataDir: dir, checkpointIntervalMs: 0, onError: () => undefined }).start();
  await deployXml(engine, WAIT);
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
