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
import type { StartOptions } from '../../engine/runtime/executor';
import type { CommitBatch } from '../../engine/store/types';
import { frozenClock } from '../support/clock';
import { boundary, bpmn, chain, deployXml, endEvent, flow, gateway, messageDef, messageRef, serviceTask, startEvent, userTask } from './helpers';

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
 * How a refused commit fails: stale (a ConflictError, another process committed first), lost (the same
 * batch was committed by another process first, then the ConflictError) or broken (any other error, a
 * disk that fails).
 */
type Refusal = 'stale' | 'lost' | 'broken';

/** The real store, except that the next `times` commits of one instance fail as `Refusal` says. */
function staleCommits(store: Store): {
  store: Store;
  refuse: (instance: string | ((b: CommitBatch) => boolean), times: number, as?: Refusal) => void;
  attempts: () => number;
  /** How often the store was asked for the last ticket number. */
  counterReads: () => number;
} {
  let target: (b: CommitBatch) => boolean = () => false;
  let left = 0;
  let attempts = 0;
  let kind: Refusal = 'stale';
  let counterReads = 0;
  const wrapped = new Proxy(store, {
    get(t, prop) {
      if (prop === 'commit') {
        return async (b: CommitBatch) => {
          if (target(b)) {
            attempts++;
            if (left > 0) {
              left--;
              if (kind === 'broken') throw new Error('disk I/O error (refused by the test)');
              if (kind === 'lost') await t.commit(b);
              throw new ConflictError(`instance ${b.instance.id} moved on (refused by the test)`);
            }
          }
          return t.commit(b);
        };
      }
      if (prop === 'lastTicketNumber') counterReads++;
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
    counterReads: () => counterReads,
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

/** The executor and a loaded definition, reached inside the engine: starts with an id of the test's choosing. */
function internals(engine: Engine) {
  const inner = engine as unknown as {
    executor: {
      start: (def: unknown, opts: StartOptions) => Promise<{ id: string; businessKey?: string; rev: number }>;
      execute: (id: string, actor: string, build: () => Promise<{ event: null; skip: true }>) => Promise<unknown>;
      queues: Map<string, unknown>;
    };
    definitions: { latest: (processId: string) => Promise<{ compiled: { step: (...args: unknown[]) => unknown } }> };
  };
  return inner;
}

describe('a start that loses its commit', () => {
  const starts = (processId: string) => (b: CommitBatch) => b.expectedRev === null && b.instance.processId === processId;

  test('to the same start committed elsewhere first answers with that row; a numbered one reads the counter once', async () => {
    const stale = staleCommits(openStore({ dataDir: dir }));
    const engine = await engineOn(stale.store);
    const { executor, definitions } = internals(engine);
    try {
      stale.refuse(starts('wait'), 1, 'lost');
      const plain = await executor.start(await definitions.latest('wait'), { id: 'timer-1', variables: {}, actor: 'timer' });
      expect(plain).toMatchObject({ id: 'timer-1', rev: 1 });
      stale.refuse(starts('ticket'), 1, 'lost');
      const reads = stale.counterReads();
      const numbered = await executor.start(await definitions.latest('ticket'), { id: 'timer-2', variables: {}, actor: 'timer' });
      expect(numbered).toMatchObject({ id: 'timer-2', businessKey: 'TKT0000001', rev: 1 });
      expect([stale.attempts(), stale.counterReads() - reads]).toEqual([1, 1]);
      stale.refuse(starts('ticket'), 0);
      expect((await engine.listInstances({ limit: 10 })).items.map((i) => i.id).sort()).toEqual(['timer-1', 'timer-2']);
      expect((await engine.startInstance({ processId: 'ticket' })).businessKey).toBe('TKT0000002');
    } finally {
      await engine.stop();
    }
  });

  test('to a conflict with no row of its id (nothing of it written) answers with the conflict; nothing started', async () => {
    const stale = staleCommits(openStore({ dataDir: dir }));
    const engine = await engineOn(stale.store);
    try {
      stale.refuse(starts('wait'), 1);
      await expect(engine.startInstance({ processId: 'wait' })).rejects.toThrow(/^instance .+ moved on \(refused by the test\)$/);
      expect(stale.attempts()).toBe(1);
      expect((await engine.listInstances({ limit: 10 })).items).toEqual([]);
    } finally {
      await engine.stop();
    }
  });

  test('to a broken store fails with its error at once, numbered or not; nothing started, no number used', async () => {
    const stale = staleCommits(openStore({ dataDir: dir }));
    const engine = await engineOn(stale.store);
    try {
      for (const processId of ['wait', 'ticket']) {
        stale.refuse(starts(processId), 1, 'broken');
        await expect(engine.startInstance({ processId })).rejects.toThrow(/^disk I\/O error \(refused by the test\)$/);
        expect(stale.attempts()).toBe(1);
      }
      expect((await engine.listInstances({ limit: 10 })).items).toEqual([]);
      expect((await engine.startInstance({ processId: 'ticket' })).businessKey).toBe('TKT0000001');
    } finally {
      await engine.stop();
    }
  });
});

test('a process machine that throws something other than an Error: the command fails naming the event and what was thrown', async () => {
  const engine = await engineOn(openStore({ dataDir: dir }));
  const def = await internals(engine).definitions.latest('wait');
  const step = def.compiled.step;
  try {
    const { id } = await engine.startInstance({ processId: 'wait' });
    const before = await engine.getHistory(id);
    for (const thrown of ['out of tokens', null]) {
      def.compiled.step = () => {
        throw thrown;
      };
      await expect(engine.setVariables(id, { a: 1 })).rejects.toMatchObject({ message: `the process machine failed on SET_VARIABLES: ${String(thrown)}`, cause: thrown });
    }
    def.compiled.step = step;
    expect(await engine.getHistory(id)).toEqual(before);
  } finally {
    def.compiled.step = step;
    await engine.stop();
  }
});

test('while a command is queued behind another, the queue stays: a command arriving then waits for both', async () => {
  const store = openStore({ dataDir: dir });
  let holding = '';
  const held: Array<() => void> = [];
  const gated = new Proxy(store, {
    get(t, prop) {
      if (prop === 'commit') {
        return async (b: CommitBatch) => {
          if (b.instance.id === holding) await new Promise<void>((resolve) => held.push(resolve));
          return t.commit(b);
        };
      }
      const value = Reflect.get(t, prop, t) as unknown;
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
  const engine = await engineOn(gated);
  const { queues } = internals(engine).executor;
  const heldCommits = async (n: number) => {
    for (let i = 0; i < 40 && held.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 20)); // a command that should wait has had time not to
    return held.length;
  };
  try {
    const { id } = await engine.startInstance({ processId: 'wait' });
    holding = id;
    const first = engine.setVariables(id, { step: 1 }, 'a');
    const second = engine.setVariables(id, { step: 2 }, 'b');
    expect(await heldCommits(1)).toBe(1);
    held.shift()!();
    await first;
    expect(await heldCommits(1)).toBe(1); // the second command's commit
    expect(queues.has(id)).toBe(true);
    const third = engine.setVariables(id, { step: 3 }, 'c');
    expect(await heldCommits(2)).toBe(1); // the third waits for the second, held
    holding = '';
    held.shift()!();
    await Promise.all([second, third]);
    const set = (await engine.getHistory(id)).filter((e) => e.type === 'variables.set');
    expect(set.map((e) => e.actor)).toEqual(['a', 'b', 'c']);
    expect((await engine.getInstance(id)).variables).toMatchObject({ step: 3 });
  } finally {
    holding = '';
    held.forEach((release) => release());
    await engine.stop();
  }
});

/** Two jobs side by side, each to its own end; B can be interrupted by a message `skip-b` (correlation key = the instance's `ref`). */
const PAIR = bpmn(
  'pair',
  [
    startEvent(),
    gateway('parallel', 'Fork'),
    serviceTask('A', 'pair-a', { retries: '1' }),
    serviceTask('B', 'pair-b', { retries: '1' }),
    boundary('Skip', 'B', messageRef('Msg_skip')),
    endEvent('EndA'),
    endEvent('EndB'),
    endEvent('Skipped'),
    chain('Start', 'Fork', 'A', 'EndA'),
    flow('F_b', 'Fork', 'B'),
    flow('F_b_end', 'B', 'EndB'),
    flow('F_skip', 'Skip', 'Skipped'),
  ],
  [messageDef('Msg_skip', 'skip-b', '=ref')],
);

test('an instance stays in incident while any of its job incidents is open: two added, one resolved, the other ended with its element', async () => {
  const engine = await engineOn(openStore({ dataDir: dir }));
  try {
    await deployXml(engine, PAIR);
    const { id } = await engine.startInstance({ processId: 'pair', variables: { ref: 'r-1' } });
    const [a] = await engine.activateJobs({ type: 'pair-a', worker: 'w', lockMs: 60_000 });
    const [b] = await engine.activateJobs({ type: 'pair-b', worker: 'w', lockMs: 60_000 });
    await engine.failJob(a.key, { retries: 0, errorMessage: 'a down' });
    expect((await engine.getInstance(id)).state).toBe('incident');
    await engine.failJob(b.key, { retries: 0, errorMessage: 'b down' });
    const incidents = await engine.listIncidents({ instanceId: id });
    expect(incidents.map((i) => i.jobKey).sort()).toEqual([a.key, b.key].sort());
    await engine.resolveIncident(incidents.find((i) => i.jobKey === a.key)!.id, 'ops');
    expect((await engine.getInstance(id)).state).toBe('incident');
    // B's element ends by its boundary: its job is canceled and its incident resolved with it
    await engine.publishMessage({ name: 'skip-b', correlationKey: 'r-1' });
    expect((await engine.listIncidents({ instanceId: id })).map((i) => [i.jobKey, i.state])).toEqual(
      expect.arrayContaining([
        [a.key, 'resolved'],
        [b.key, 'resolved'],
      ]),
    );
    expect((await engine.getInstance(id)).state).toBe('active');
    const [again] = await engine.activateJobs({ type: 'pair-a', worker: 'w' });
    await engine.completeJob(again.key);
    expect((await engine.getInstance(id)).state).toBe('completed');
  } finally {
    await engine.stop();
  }
});

test('the outbox rows of a command are numbered within its commit, dated by it; a ticket raised from another is linked in its start', async () => {
  const time = frozenClock(Date.UTC(2030, 0, 1));
  const engine = await new Engine({ store: openStore({ dataDir: dir }), dataDir: dir, checkpointIntervalMs: 0, clock: time.clock, onTaskAssigned: async () => undefined }).start();
  const batches: CommitBatch[] = [];
  engine.onCommit((b) => batches.push(b));
  try {
    await deployXml(engine, WAIT, TICKET);
    const from = await engine.startInstance({ processId: 'ticket' });
    const [task] = (await engine.listTasks({ instanceId: from.id, limit: 1 })).items;
    time.advance(1000);
    await engine.assignTask(task.id, 'bob', 'alice');
    await engine.assignTask(task.id, 'carol', 'alice', true);
    const rows = batches.filter((b) => b.instance.id === from.id).flatMap((b) => (b.outbox ?? []).filter((o) => o.kind === 'task.assigned'));
    const revs = batches.filter((b) => b.instance.id === from.id && b.outbox?.some((o) => o.kind === 'task.assigned')).map((b) => b.instance.rev);
    expect(rows.map((o) => [o.id, o.createdAt])).toEqual(revs.map((rev) => [`${from.id}.x0@${rev}`, Date.UTC(2030, 0, 1, 0, 0, 1)]));
    expect(rows).toHaveLength(2);

    const raised = await engine.startInstance({ processId: 'wait', raisedFrom: from.id, actor: 'alice' });
    const start = batches.find((b) => b.instance.id === raised.id && b.expectedRev === null)!;
    expect(start.links).toEqual([expect.objectContaining({ fromId: from.id, toId: raised.id, kind: 'raised', fromKey: 'TKT0000001', createdBy: 'alice' })]);
    const linked = (await engine.getHistory(raised.id)).filter((e) => e.type === 'ticket.linked');
    expect(linked.map((e) => [e.actor, e.data])).toEqual([['alice', { kind: 'raised', direction: 'from', instanceId: from.id, businessKey: 'TKT0000001' }]]);
    // a plain start names no ticket and links none
    const plain = await engine.startInstance({ processId: 'wait' });
    expect(batches.find((b) => b.instance.id === plain.id)!.links).toEqual([]);
  } finally {
    await engine.stop();
  }
});

test('a command on an instance that does not exist is NOT_FOUND; a command that skips writes nothing and says so', async () => {
  const engine = await engineOn(openStore({ dataDir: dir }));
  const { executor } = internals(engine);
  try {
    await expect(engine.setVariables('no-such-instance', { a: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'process instance no-such-instance not found' });
    const { id } = await engine.startInstance({ processId: 'wait' });
    const before = await engine.getHistory(id);
    const result = await executor.execute(id, 'alice', async () => ({ event: null, skip: true }));
    expect(result).toEqual({ row: expect.objectContaining({ id, rev: 1 }), effects: [], skipped: true });
    expect(await engine.getHistory(id)).toEqual(before);
  } finally {
    await engine.stop();
  }
});

test('a numbered ticket keeps the variables it was started with beside its ticketNumber', async () => {
  const engine = await engineOn(openStore({ dataDir: dir }));
  try {
    const started = await engine.startInstance({ processId: 'ticket', variables: { subject: 'printer on fire', priority: 2 } });
    expect(started.variables).toEqual({ subject: 'printer on fire', priority: 2, ticketNumber: 'TKT0000001' });
  } finally {
    await engine.stop();
  }
});
