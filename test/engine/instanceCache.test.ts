/**
 * The committed rows an engine keeps in memory (engine/runtime/instanceCache.ts) with the copy-on-write
 * working copies of their contexts (engine/compile/copyOnWrite.ts) and the snapshot text made part by
 * part (engine/runtime/snapshotJson.ts): a command on a kept row ends exactly where a command on a row
 * just read ends; a row another process moved on is read again; bounds; a frozen part a command
 * changes sends it back to the store's row instead of into an incident.
 */
import type { Engine } from '../../engine';
import { changedFrozen, freezeParts, raw, settled, workingCopy } from '../../engine/compile/copyOnWrite';
import type { InstanceContext } from '../../engine/compile/state';
import type { CompiledProcess } from '../../engine/compile/machine';
import { InstanceCache } from '../../engine/runtime/instanceCache';
import { persisted } from '../../engine/runtime/snapshot';
import { remember, snapshotJson } from '../../engine/runtime/snapshotJson';
import { jsonOf, registerJson } from '../../engine/store/jsonText';
import type { Store } from '../../engine/store/types';
import { tempEngine } from '../support/engine';
import { bpmn, chain, deployXml, endEvent, eventually, flow, gateway, multiInstance, serviceTask, startEvent, subProcess, userTask, waitTask } from './helpers';

// a parallel multi-instance task collecting its outputs, then a subprocess: parts at every depth change
const XML = bpmn('kept', [
  startEvent(),
  userTask('Review', { inner: multiInstance({ inputCollection: '=items', inputElement: 'item', outputCollection: 'decisions', outputElement: '=decision' }) }),
  subProcess(
    'Fix',
    startEvent('FixStart'),
    userTask('Repair', { outputs: [['=item + 1', 'repaired']] }),
    endEvent('FixEnd'),
    flow('FS1', 'FixStart', 'Repair'),
    flow('FS2', 'Repair', 'FixEnd'),
  ),
  endEvent(),
]).replace('</bpmn:process>', `${chain('Start', 'Review', 'Fix', 'End')}</bpmn:process>`);

type Opened = Awaited<ReturnType<typeof tempEngine>>;
const opened: Opened[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});
async function open(options: Parameters<typeof tempEngine>[0] = {}): Promise<Opened> {
  const o = await tempEngine(options);
  opened.push(o);
  await deployXml(o.engine, XML);
  return o;
}

const contextOf = async (store: Store, id: string): Promise<InstanceContext> => persisted((await store.getInstance(id))!).machine.context;

/** Drives an instance of `kept` through every wait, reporting the stored context after each command. */
async function drive(engine: Engine, store: Store, seen: (ctx: InstanceContext) => void): Promise<string> {
  const { id } = await engine.startInstance({ processId: 'kept', variables: { items: [1, 2, 3] } });
  seen(await contextOf(store, id));
  for (const n of [0, 1, 2]) {
    const [task] = (await engine.listTasks({ instanceId: id, state: 'created' })).items;
    await engine.completeTask(task.id, { decision: `ok-${n}` }, 'bob');
    seen(await contextOf(store, id));
  }
  await engine.completeTask((await waitTask(engine, id, 'Repair')).id, { item: 41 }, 'bob');
  seen(await contextOf(store, id));
  return id;
}

test('a command on a kept row ends where one on a row just read ends: the same stored contexts, the same history', async () => {
  const kept = await open();
  const read = await open({ instanceCache: { maxInstances: 0 } });
  const a: InstanceContext[] = [];
  const b: InstanceContext[] = [];
  const ida = await drive(kept.engine, kept.store, (c) => a.push(c));
  const idb = await drive(read.engine, read.store, (c) => b.push(c));
  expect(a.map((c) => ({ ...c, instanceId: 'x' }))).toEqual(b.map((c) => ({ ...c, instanceId: 'x' })));
  expect(a[a.length - 1].status).toBe('completed');
  const events = async (o: Opened, id: string) => (await o.engine.getHistory(id)).map((e) => [e.type, e.elementId ?? null, e.data ?? null]);
  expect(await events(kept, ida)).toEqual(await events(read, idb));
  const variables = (await kept.engine.getInstance(ida)).variables;
  expect(variables).toEqual({ items: [1, 2, 3], decision: 'ok-2', decisions: expect.arrayContaining(['ok-0', 'ok-1', 'ok-2']), repaired: 42 });
  expect(variables.decisions).toHaveLength(3);
  expect(kept.engine.instanceCacheStats()).toMatchObject({ hits: 4, rereads: 0 });
  expect(read.engine.instanceCacheStats()).toMatchObject({ hits: 0, instances: 0, bytes: 0 });
});

test('a command that ran out of steps continues on the kept row where it stopped, as on a row just read', async () => {
  const steps = Array.from({ length: 12 }, (_, i) => `<bpmn:task id="T${i}" />`);
  const xml = bpmn('long', [startEvent(), ...steps, endEvent()]).replace('</bpmn:process>', `${chain('Start', ...steps.map((_, i) => `T${i}`), 'End')}</bpmn:process>`);
  const ends: unknown[] = [];
  for (const instanceCache of [{}, { maxInstances: 0 }] as { maxInstances?: number }[]) {
    const { engine, store } = await open({ instanceCache, limits: { maxStepsPerCommand: 5 } });
    await deployXml(engine, xml);
    const { id } = await engine.startInstance({ processId: 'long' });
    await eventually(async () => expect((await engine.getInstance(id)).state).toBe('completed'));
    ends.push({ context: { ...(await contextOf(store, id)), instanceId: 'x' }, events: (await engine.getHistory(id)).map((e) => [e.type, e.elementId ?? null]) });
    if (instanceCache.maxInstances === undefined) expect(engine.instanceCacheStats().hits).toBeGreaterThan(2);
  }
  expect(ends[0]).toEqual(ends[1]);
});

test('joins on a kept row: a parallel join of many branches and an inclusive join end as on a row just read', async () => {
  const branches = Array.from({ length: 40 }, (_, i) => `B${i}`);
  const xml = bpmn('joins', [
    startEvent(),
    gateway('parallel', 'Fork'),
    ...branches.map((b) => userTask(b)),
    gateway('parallel', 'Join'),
    gateway('inclusive', 'Choose'),
    userTask('Left'),
    userTask('Right'),
    gateway('inclusive', 'Merge'),
    endEvent(),
    flow('F0', 'Start', 'Fork'),
    ...branches.flatMap((b) => [flow(`F_Fork_${b}`, 'Fork', b), flow(`F_${b}_Join`, b, 'Join')]),
    flow('F1', 'Join', 'Choose'),
    flow('F2', 'Choose', 'Left', '=true'),
    flow('F3', 'Choose', 'Right', '=count > 1'),
    flow('F4', 'Left', 'Merge'),
    flow('F5', 'Right', 'Merge'),
    flow('F6', 'Merge', 'End'),
  ]);
  const ends: unknown[] = [];
  for (const instanceCache of [{}, { maxInstances: 0 }] as { maxInstances?: number }[]) {
    const { engine, store } = await open({ instanceCache });
    await deployXml(engine, xml);
    const { id } = await engine.startInstance({ processId: 'joins', variables: { count: 2 } });
    const contexts: InstanceContext[] = [];
    for (;;) {
      const [task] = (await engine.listTasks({ instanceId: id, state: 'created' })).items;
      if (!task) break;
      await engine.completeTask(task.id, {}, 'bob');
      contexts.push({ ...(await contextOf(store, id)), instanceId: 'x' });
    }
    expect((await engine.getInstance(id)).state).toBe('completed');
    ends.push({ contexts, events: (await engine.getHistory(id)).map((e) => [e.type, e.elementId ?? null]) });
    if (instanceCache.maxInstances === undefined) expect(engine.instanceCacheStats()).toMatchObject({ hits: 42, rereads: 0 });
  }
  expect(ends[0]).toEqual(ends[1]);
});

test('a row another engine process committed since is read again, and the command sees what that process did', async () => {
  const first = await open();
  const second = await tempEngine({ dataDir: first.dir });
  opened.push(second);
  const { id } = await first.engine.startInstance({ processId: 'kept', variables: { items: [1, 2] } });
  const [r1, r2] = (await first.engine.listTasks({ instanceId: id, state: 'created' })).items;
  await second.engine.completeTask(r1.id, { decision: 'by-second' }, 'bob');
  await first.engine.completeTask(r2.id, { decision: 'by-first' }, 'bob');
  expect(first.engine.instanceCacheStats()).toMatchObject({ hits: 0, misses: 1 });
  // had the first process worked on its own stale row, the second's decision would be lost (or a conflict)
  expect((await first.engine.getInstance(id)).variables.decisions).toEqual(expect.arrayContaining(['by-second', 'by-first']));
  expect(await waitTask(first.engine, id, 'Repair')).toBeDefined();
});

test('bounded by instances and by snapshot bytes; the bounds are checked', async () => {
  const two = await open({ instanceCache: { maxInstances: 2 } });
  for (let i = 0; i < 3; i++) await two.engine.startInstance({ processId: 'kept', variables: { items: [i] } });
  const stats = two.engine.instanceCacheStats();
  expect(stats.instances).toBe(2);
  const size = stats.bytes / 2; // every such start's snapshot is as long as the others
  expect(size).toBeGreaterThan(500);
  // exactly two snapshots' bytes: the third start pushes the oldest out, and the count follows
  const byBytes = await open({ instanceCache: { maxBytes: 2 * size } });
  for (let i = 0; i < 3; i++) await byBytes.engine.startInstance({ processId: 'kept', variables: { items: [i] } });
  expect(byBytes.engine.instanceCacheStats()).toMatchObject({ instances: 2, bytes: 2 * size });
  // a snapshot exactly as large as the bound is kept; one byte less and it is not
  const exact = await open({ instanceCache: { maxBytes: size } });
  await exact.engine.startInstance({ processId: 'kept', variables: { items: [1] } });
  expect(exact.engine.instanceCacheStats()).toMatchObject({ instances: 1, bytes: size });
  const tiny = await open({ instanceCache: { maxBytes: size - 1 } });
  await tiny.engine.startInstance({ processId: 'kept', variables: { items: [1] } });
  expect(tiny.engine.instanceCacheStats()).toMatchObject({ instances: 0, bytes: 0 });
  await expect(tempEngine({ instanceCache: { maxInstances: -1 } })).rejects.toThrow('instanceCache.maxInstances must be a whole number >= 0, got -1');
  await expect(tempEngine({ instanceCache: { maxBytes: 1.5 } })).rejects.toThrow('instanceCache.maxBytes must be a whole number >= 0, got 1.5');
});

/**
 * Completes the instance's Review task with the compiled step of its process replaced by `step` (given
 * the real one) for that command; answers the ownership each call of the step was given.
 */
async function completeWithStep(engine: Engine, store: Store, id: string, step: (real: CompiledProcess['step']) => CompiledProcess['step']): Promise<unknown[]> {
  const definitions = (engine as unknown as { definitions: { get(key: string): Promise<{ compiled: CompiledProcess }> } }).definitions;
  const { compiled } = await definitions.get((await store.getInstance(id))!.definitionKey);
  const real = compiled.step;
  const seen: unknown[] = [];
  const replaced = step(real);
  compiled.step = (context, event, ownership) => {
    seen.push(ownership);
    return replaced(context, event, ownership);
  };
  try {
    await engine.completeTask((await waitTask(engine, id, 'Review')).id, { decision: 'ok' }, 'bob');
  } finally {
    compiled.step = real;
  }
  return seen;
}

test('a command that changes a frozen part runs again on the row read from the store, and no incident is raised', async () => {
  const { engine, store } = await open();
  const { id } = await engine.startInstance({ processId: 'kept', variables: { items: [1] } });
  const seen = await completeWithStep(engine, store, id, (real) => (context, event, ownership) => {
    // a change this engine does not foresee: a frozen part changed in place
    if (ownership === 'shared') (Object.values(context!.scopes)[0] as unknown as { model: string }).model = 'changed';
    return real(context, event, ownership);
  });
  expect(seen).toEqual(['shared', 'owned']);
  expect(engine.instanceCacheStats().rereads).toBe(1);
  expect(await engine.listIncidents({ instanceId: id })).toEqual([]);
  expect((await contextOf(store, id)).scopes[(await contextOf(store, id)).rootScope].model).toBe('kept');
  expect(await waitTask(engine, id, 'Repair')).toBeDefined();
});

test('any other failure of a command on a kept row is its failure: not run again', async () => {
  const { engine, store } = await open();
  const { id } = await engine.startInstance({ processId: 'kept', variables: { items: [1] } });
  const failing = completeWithStep(engine, store, id, () => () => {
    throw new TypeError('a bug of the step');
  });
  await expect(failing).rejects.toThrow('the process machine failed on TASK_COMPLETE: a bug of the step');
  expect(engine.instanceCacheStats()).toMatchObject({ hits: 1, rereads: 0 });
});

test("the caller's objects stay the caller's: what it passed in and what it got back are not frozen", async () => {
  const { engine } = await open();
  const variables = { items: [1], extra: { note: 'a' } };
  const started = await engine.startInstance({ processId: 'kept', variables });
  const decision = { decision: 'ok', detail: { by: ['bob'] } };
  await engine.completeTask((await waitTask(engine, started.id, 'Review')).id, decision, 'bob');
  // the engine keeps frozen copies; these are the caller's own
  variables.items.push(2);
  variables.extra.note = 'b';
  decision.detail.by.push('alice');
  (started.variables.extra as { note: string }).note = 'c';
  const now = await engine.getInstance(started.id);
  expect(now.variables).toMatchObject({ items: [1], extra: { note: 'a' }, decision: 'ok', detail: { by: ['bob'] } });
  expect(engine.instanceCacheStats().hits).toBeGreaterThanOrEqual(1);
});

// a service task inside the multi-instance body: one job per item, each seeing its own item
const JOBS_XML = bpmn('keptJobs', [
  startEvent(),
  serviceTask('Lookup', 'lookup', { inner: multiInstance({ inputCollection: '=items', inputElement: 'item' }) }),
  userTask('Check'),
  endEvent(),
  chain('Start', 'Lookup', 'Check', 'End'),
]);

describe('reads of job and task variables', () => {
  test('are served by the kept row, give what a read of the store gives, and hand out copies', async () => {
    const kept = await open();
    const read = await open({ instanceCache: { maxInstances: 0 } });
    const seen: unknown[][] = [];
    for (const o of [kept, read]) {
      await deployXml(o.engine, JOBS_XML);
      const { id } = await o.engine.startInstance({ processId: 'keptJobs', variables: { items: [{ n: 1 }, { n: 2 }, { n: 3 }], shared: { list: [1, 2] } } });
      const jobs = await o.engine.activateJobs({ type: 'lookup', worker: 'w', maxJobs: 10 });
      const only = await o.engine.activateJobs({ type: 'lookup', worker: 'w', maxJobs: 10, fetchVariables: ['item'] });
      for (const job of jobs) await o.engine.completeJob(job.key, {}, 'w');
      const task = await waitTask(o.engine, id, 'Check');
      const variables = await o.engine.taskVariables(task);
      seen.push(structuredClone([jobs.map((j) => j.variables), only, variables]));
      // nothing handed out is frozen, and changing it changes nothing in the instance
      (jobs[0].variables.item as { n: number }).n = 99;
      (jobs[1].variables.shared as { list: number[] }).list.push(3);
      (variables.shared as { list: number[] }).list.push(4);
      expect((await o.engine.taskVariables(task)).shared).toEqual({ list: [1, 2] });
    }
    expect(kept.engine.instanceCacheStats().looks).toBe(3);
    expect(read.engine.instanceCacheStats().looks).toBe(0);
    const [a, b] = seen as [unknown[], unknown[]];
    expect(a[0]).toEqual(b[0]);
    expect(a[0]).toEqual([1, 2, 3].map((n) => ({ items: [{ n: 1 }, { n: 2 }, { n: 3 }], shared: { list: [1, 2] }, item: { n }, loopCounter: n })));
    expect(a[1]).toEqual([]); // all three were activated already
    expect(a[2]).toEqual(b[2]);
  });

  test('a kept row a command has taken, or another process moved on, is not looked at: the store answers', async () => {
    const first = await open();
    await deployXml(first.engine, JOBS_XML);
    const second = await tempEngine({ dataDir: first.dir });
    opened.push(second);
    const { id } = await first.engine.startInstance({ processId: 'keptJobs', variables: { items: [{ n: 1 }, { n: 2 }] } });
    const [job] = await second.engine.activateJobs({ type: 'lookup', worker: 'w', maxJobs: 1 });
    await second.engine.setVariables(id, { note: 'by-second' });
    const [other] = await first.engine.activateJobs({ type: 'lookup', worker: 'w', maxJobs: 1 });
    expect(other.variables).toMatchObject({ note: 'by-second', item: { n: 2 } });
    expect(first.engine.instanceCacheStats().looks).toBe(0);
    expect(job.variables).toMatchObject({ item: { n: 1 } });
  });

  test('a look that a command overtakes answers nothing, never what the command has not committed', async () => {
    const { engine, store } = await open();
    const { id } = await engine.startInstance({ processId: 'kept', variables: { items: [1] } });
    const cache = new InstanceCache(store);
    const row = (await store.getInstance(id))!;
    cache.put(row, snapshotJson(persisted(row)));
    const look = jest.fn(() => 'looked');
    const overtaken = cache.read(id, look);
    expect(await cache.take(id)).toBe(row); // a command takes the row while the look waits for the revision
    expect(await overtaken).toBeUndefined();
    expect(look).not.toHaveBeenCalled();
    cache.put(row, snapshotJson(persisted(row)));
    expect(await cache.read(id, look)).toEqual({ value: 'looked' });
    expect(cache.stats()).toMatchObject({ looks: 1, instances: 1 });
  });
});

describe('copy-on-write working copies', () => {
  /** A multi-instance body waiting on its first inner instance (t9). */
  const token = (): InstanceContext['tokens'][string] => ({
    id: 't2',
    node: 'A',
    scope: 's1',
    status: 'waiting',
    waits: ['w3'],
    locals: { none: null },
    mi: { items: [1], next: 1, completed: 0, outputs: [null], running: { '0': 't9' } },
  });
  const committed = (): InstanceContext => {
    const ctx: InstanceContext = {
      instanceId: 'i',
      processId: 'p',
      definitionKey: 'p:1',
      seq: 3,
      status: 'running',
      hasParent: false,
      rootScope: 's1',
      scopes: { s1: { id: 's1', model: 'p', kind: 'process', vars: { list: [1, 2] }, waits: [] } },
      tokens: {
        t2: token(),
      },
      waits: { w3: { id: 'w3', kind: 'task', role: 'activity', node: 'A', scope: 's1', token: 't2' } },
      incidents: {},
    };
    freezeParts(ctx);
    return ctx;
  };

  test('a part taken by key is a copy down to a multi-instance state; the committed part stays as it was', () => {
    const before = committed();
    const [original, scope] = [before.tokens.t2, before.scopes.s1];
    const work = workingCopy(before);
    const taken = work.tokens.t2;
    taken.status = 'active';
    taken.waits.push('w4');
    taken.mi!.outputs[0] = 'done';
    taken.mi!.running['1'] = 't10';
    work.scopes.s1.vars.extra = true;
    expect(taken).not.toBe(original);
    expect(taken.locals).toEqual({ none: null }); // a null stays null
    expect(original).toEqual(token());
    expect(scope.vars).toEqual({ list: [1, 2] });
    expect(work.tokens.t2).toBe(taken); // copied once, then the command's own
    expect(raw(work.waits).w3).toBe(before.waits.w3); // read without copying
  });

  test('a value deeper than the copy stays frozen: changing it is a TypeError the engine recognizes', () => {
    const work = workingCopy(committed());
    let caught: unknown;
    try {
      (work.scopes.s1.vars.list as number[]).push(3);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TypeError);
    expect(changedFrozen(caught)).toBe(true);
    expect(changedFrozen(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(false);
    expect(changedFrozen(new Error('Cannot add property 3, object is not extensible'))).toBe(false);
  });

  test('the snapshot text made part by part is what JSON.stringify gives, also with parts reused and fields left undefined', () => {
    const small = { machine: { context: committed() }, history: { seq: 1, hash: 'h' }, jobIncidents: [] };
    expect(snapshotJson(small)).toEqual({ json: JSON.stringify(small), fresh: [] }); // a few parts: serialized whole
    const ctx = committed();
    // enough parts to be worth reusing their texts
    for (let i = 0; i < 70; i++) ctx.waits[`w${100 + i}`] = Object.freeze({ id: `w${100 + i}`, kind: 'timer', role: 'boundary', node: 'B', scope: 's1' });
    const snapshot = { machine: { context: ctx }, history: { seq: 4, hash: 'h' }, jobIncidents: [] };
    const first = snapshotJson(snapshot);
    expect(first.json).toBe(JSON.stringify(snapshot));
    expect(first.fresh).toHaveLength(73); // every part: scope, token, waits
    remember(first.fresh);
    const work = workingCopy(ctx);
    work.tokens.t2.via = undefined;
    delete work.waits.w3;
    work.incidents.i5 = { id: 'i5', token: 't2', node: 'A', message: 'quote " and \\ backslash' };
    (work.waits as Record<string, unknown>).w4 = undefined; // left undefined rather than deleted: absent from the text
    const pending = { agenda: [{ kind: 'enter' as const, token: 't2' }], steps: 3 };
    const next = { machine: { context: { ...settled(work), pending } }, history: { seq: 5, hash: 'h2' }, jobIncidents: ['x'] };
    const text = snapshotJson(next);
    expect(text.json).toBe(JSON.stringify(next));
    // the scope nobody took is the same frozen object: its text is reused; only parts of the four maps count
    expect(text.fresh.map(([part]) => part)).toEqual([raw(work.tokens).t2, raw(work.incidents).i5]);
  });

  test('a text is reused only for a frozen part: one remembered before freezing follows its changes', () => {
    const ctx = committed();
    const parts = Array.from({ length: 62 }, (_, i) => ({ id: `w${100 + i}`, kind: 'timer', role: 'boundary', node: 'B', scope: 's1' }) as const);
    ctx.waits = Object.fromEntries(parts.map((w) => [w.id, { ...w }]));
    const snapshot = { machine: { context: ctx }, history: { seq: 4, hash: 'h' }, jobIncidents: [] };
    const first = snapshotJson(snapshot); // 64 parts, exactly PARTS_WORTH_REUSING: made part by part
    expect(first.fresh).toHaveLength(64);
    remember(first.fresh);
    (ctx.waits.w100 as { node: string }).node = 'moved';
    expect(snapshotJson(snapshot).json).toBe(JSON.stringify(snapshot));
  });

  test('earlier snapshot formats (a machine with a status and a value beside its context) serialize as JSON.stringify does', () => {
    const ctx = committed();
    for (let i = 0; i < 70; i++) ctx.waits[`w${100 + i}`] = { id: `w${100 + i}`, kind: 'timer', role: 'boundary', node: 'B', scope: 's1' };
    // a value with a key named like a map of parts is not one; a field left undefined is left out
    const old = { machine: { status: 'active', value: { tokens: { x: { y: 1 } } }, context: { ...ctx, pending: undefined } }, history: { seq: 1, hash: 'h' }, jobIncidents: [] };
    const text = snapshotJson(old);
    expect(text.json).toBe(JSON.stringify(old));
    expect(text.fresh).toHaveLength(73);
    const bare = { history: { seq: 1, hash: 'h' }, jobIncidents: [] } as unknown as Parameters<typeof snapshotJson>[0];
    expect(snapshotJson(bare)).toEqual({ json: JSON.stringify(bare), fresh: [] });
  });

  test('a registered text is what a store writes for the value; hidden from spreads, keys and JSON; null and scalars serialize as usual', () => {
    const value = { a: 1 };
    registerJson(value, '{"a":1,"registered":true}');
    expect(jsonOf(value)).toBe('{"a":1,"registered":true}');
    expect(jsonOf({ a: 1 })).toBe('{"a":1}');
    expect(Object.getOwnPropertySymbols({ ...value })).toEqual([]);
    expect(Object.keys(value)).toEqual(['a']);
    expect(JSON.stringify(value)).toBe('{"a":1}');
    expect([jsonOf(null), jsonOf('x'), jsonOf(5)]).toEqual(['null', '"x"', '5']);
  });
});
