/**
 * History and audit: the hash chain verifies, tampering is detected, cancellation is recorded, the
 * compiled machine is inspectable, and concurrent commands on one instance stay consistent.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  activateOne,
  bpmn,
  boundary,
  catchEvent,
  chain,
  complete,
  deployXml,
  endEvent,
  eventually,
  expectCounts,
  expectEngineError,
  expectValidHistory,
  gateway,
  openTasks,
  serviceTask,
  sleep,
  startEvent,
  timePasses,
  subProcess,
  tasksOf,
  timerDuration,
  useEngine,
  userTask,
  waitTask,
} from './helpers';

const GENESIS = '0'.repeat(64);

describe('history', () => {
  const env = useEngine();

  const diagram = bpmn('audited', [
    startEvent('Start'),
    userTask('Approve', { candidateGroups: 'cab' }),
    serviceTask('Apply', 'apply-change'),
    endEvent('End'),
    chain('Start', 'Approve', 'Apply', 'End'),
  ]);

  async function runToEnd(engine: import('../../engine').Engine): Promise<string> {
    await deployXml(engine, diagram);
    const inst = await engine.startInstance({ processId: 'audited', variables: { change: 'C-1' }, actor: 'owner' });
    const task = await waitTask(engine, inst.id, 'Approve');
    await engine.assignTask(task.id, 'bob', 'bob');
    await engine.completeTask(task.id, { approved: true }, 'bob');
    const job = await activateOne(engine, 'apply-change');
    await engine.completeJob(job.key, { applied: true }, 'deployer');
    expect((await engine.getInstance(inst.id)).state).toBe('completed');
    return inst.id;
  }

  test('a finished instance has a complete, valid hash chain with actors', async () => {
    const { engine } = env();
    const id = await runToEnd(engine);
    const events = await engine.getHistory(id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0].prevHash).toBe(GENESIS);
    for (let i = 1; i < events.length; i++) expect(events[i].prevHash).toBe(events[i - 1].hash);
    for (const e of events) expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('instance.started');
    expect(types[types.length - 1]).toBe('instance.completed');
    expect(types).toEqual(
      expect.arrayContaining(['element.activated', 'element.completed', 'task.created', 'task.claimed', 'task.completed', 'job.created', 'job.completed', 'variables.updated']),
    );
    expect(events.find((e) => e.type === 'instance.started')!.actor).toBe('owner');
    expect(events.find((e) => e.type === 'task.completed')!.actor).toBe('bob');
    expect(events.find((e) => e.type === 'task.claimed')!.actor).toBe('bob');
    expect(events.find((e) => e.type === 'job.completed')!.actor).toBe('deployer');
    await expectCounts(engine, id, { Start: 1, Approve: 1, Apply: 1, End: 1 });
    const verified = await engine.verifyHistory(id);
    const last = events[events.length - 1];
    expect(verified).toEqual({ valid: true, events: events.length, problems: [], sealedHead: { seq: last.seq, hash: last.hash, keyId: engine.historyPublicKey.keyId } });
  });

  test('history is append-only in the store, and tampering is detected once the guard is removed', async () => {
    const { engine, dir } = env();
    const id = await runToEnd(engine);
    const before = await engine.getHistory(id);
    const db = new Database(path.join(dir, 'processdesk.sqlite'));
    try {
      expect(() => db.prepare('UPDATE history SET data = ? WHERE instance_id = ? AND seq = 3').run('{"forged":true}', id)).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM history WHERE instance_id = ?').run(id)).toThrow(/append-only/);
      const triggers = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'history'").all() as { name: string }[];
      expect(triggers.length).toBeGreaterThan(0);
      for (const t of triggers) db.exec(`DROP TRIGGER "${t.name}"`);
      const changed = db.prepare('UPDATE history SET data = ? WHERE instance_id = ? AND seq = 3').run('{"forged":true}', id);
      expect(changed.changes).toBe(1);
    } finally {
      db.close();
    }
    const after = await engine.getHistory(id);
    expect(after[2].data).toEqual({ forged: true });
    expect(after[2].hash).toBe(before[2].hash);
    const verified = await engine.verifyHistory(id);
    expect(verified.valid).toBe(false);
    expect(verified.brokenAt).toBe(3);
    expect(verified.events).toBe(before.length);
  });

  test('a deleted event is named as missing', async () => {
    const { engine, dir } = env();
    const id = await runToEnd(engine);
    const db = new Database(path.join(dir, 'processdesk.sqlite'));
    try {
      const triggers = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'history'").all() as { name: string }[];
      for (const t of triggers) db.exec(`DROP TRIGGER "${t.name}"`);
      db.prepare('DELETE FROM history WHERE instance_id = ? AND seq = 5').run(id);
    } finally {
      db.close();
    }
    const verified = await engine.verifyHistory(id);
    expect(verified.valid).toBe(false);
    expect(verified.brokenAt).toBe(5);
    expect(verified.problems).toEqual([{ kind: 'missing-events', seq: 5, message: 'event 5 is missing: deleted from the history' }]);
  });

  test('setVariables changes process-level variables of a running instance, recorded with its actor; not of an ended one', async () => {
    const { engine } = env();
    await deployXml(engine, bpmn('setVars', [startEvent('Start'), userTask('Review'), endEvent('End'), chain('Start', 'Review', 'End')]));
    const inst = await engine.startInstance({ processId: 'setVars', variables: { amount: 1, keep: 'x' } });
    await expectEngineError(engine.setVariables(inst.id, {}, 'admin'), 'INVALID');
    const changed = await engine.setVariables(inst.id, { amount: 2, added: [1] }, 'admin');
    expect(changed.variables).toEqual({ amount: 2, keep: 'x', added: [1] });
    const event = (await engine.getHistory(inst.id)).find((e) => e.type === 'variables.set');
    expect(event).toMatchObject({ actor: 'admin', data: { variables: { amount: 2, added: [1] } } });
    await complete(engine, inst.id, 'Review');
    await expectEngineError(engine.setVariables(inst.id, { amount: 3 }, 'admin'), 'CONFLICT');
    expect((await engine.getInstance(inst.id)).variables.amount).toBe(2);
    await expectValidHistory(engine, inst.id);
  });

  test('cancelInstance terminates the instance, cancels tasks, jobs and timers, and is recorded', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('cancelMe', [
        startEvent('Start'),
        gateway('parallel', 'Fork'),
        userTask('Review'),
        serviceTask('Check', 'check'),
        subProcess('Sub', startEvent('SStart'), userTask('Inner'), endEvent('SEnd'), chain('SStart', 'Inner', 'SEnd')),
        boundary('Remind', 'Review', timerDuration('PT0.3S'), false),
        userTask('Chase'),
        gateway('parallel', 'Join'),
        endEvent('End'),
        chain('Start', 'Fork', 'Review', 'Join'),
        chain('Fork', 'Check', 'Join'),
        chain('Fork', 'Sub', 'Join'),
        chain('Join', 'End'),
        chain('Remind', 'Chase'),
      ]),
    );
    const inst = await engine.startInstance({ processId: 'cancelMe' });
    expect(await openTasks(engine, inst.id)).toEqual(['Inner', 'Review']);
    const job = await activateOne(engine, 'check');
    const canceled = await engine.cancelInstance(inst.id, 'admin');
    expect(canceled.state).toBe('terminated');
    expect(canceled.activeElements).toEqual([]);
    expect(canceled.endedAt).toBeDefined();
    expect((await tasksOf(engine, inst.id)).map((t) => [t.elementId, t.state]).sort()).toEqual([
      ['Inner', 'canceled'],
      ['Review', 'canceled'],
    ]);
    await expectEngineError(engine.completeJob(job.key), 'CONFLICT');
    const review = (await tasksOf(engine, inst.id)).find((t) => t.elementId === 'Review')!;
    await expectEngineError(engine.completeTask(review.id, {}, 'x'), 'CONFLICT');
    await expectEngineError(engine.cancelInstance(inst.id), 'CONFLICT');
    await timePasses(env(), 450);
    await engine.idle();
    expect(await openTasks(engine, inst.id)).toEqual([]);
    expect((await engine.getInstance(inst.id)).state).toBe('terminated');
    const events = await engine.getHistory(inst.id);
    const terminated = events.filter((e) => e.type === 'instance.terminated');
    expect(terminated).toHaveLength(1);
    expect(terminated[0].actor).toBe('admin');
    expect(events.map((e) => e.type)).not.toContain('timer.fired');
    expect(events.map((e) => e.type)).not.toContain('instance.completed');
    await expectCounts(engine, inst.id, { Review: 0, Check: 0, Inner: 0, Sub: 0, Join: 0, End: 0, Chase: 0 });
    await expectValidHistory(engine, inst.id);
  });

  test('getMachineConfig is the process statechart as JSON: a state per element, a transition per flow', async () => {
    const { engine } = env();
    const deployed = await deployXml(engine, bpmn('machine', [startEvent('Start'), userTask('A'), endEvent('End'), chain('Start', 'A', 'End')]));
    const key = deployed.processes[0].key;
    expect(key).toBe('machine:1');
    const config = (await engine.getMachineConfig(key)) as Record<string, any>;
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
    expect(config).toMatchObject({ id: 'machine', initial: 'Start' });
    expect(Object.keys(config.states)).toEqual(['Start', 'A', 'End']);
    expect(config.states.A.on['task.completed']).toEqual([
      { target: '#End', guard: { type: 'flow', params: { flow: 'F_A_End' } }, actions: [{ type: 'take', params: { from: 'A', flow: 'F_A_End', to: 'End' } }] },
    ]);
    expect(config.states.End).toEqual({ id: 'End', type: 'final', meta: { kind: 'endEvent' } });
    await expectEngineError(engine.getMachineConfig('machine:2'), 'NOT_FOUND');
  });

  test('an instance stored in a former format (an actor snapshot with a region per element, or one running state) keeps running', async () => {
    const { engine, store } = env();
    await deployXml(engine, bpmn('legacy', [startEvent('Start'), userTask('A'), userTask('B'), endEvent('End'), chain('Start', 'A', 'B', 'End')]));
    const inst = await engine.startInstance({ processId: 'legacy' });
    await waitTask(engine, inst.id, 'A');
    const row = (await store.getInstance(inst.id))!;
    const snapshot = row.snapshot as { machine: Record<string, unknown> };
    expect(Object.keys(snapshot.machine)).toEqual(['context']); // what is stored now: the context alone
    // What the old machine stored beside it: its status and a parallel region per flow node.
    Object.assign(snapshot.machine, { status: 'active', value: { running: { Start: 'idle', A: 'active', B: 'idle', End: 'idle' } } });
    await store.commit({ instance: { ...row, rev: row.rev + 1 }, expectedRev: row.rev, history: [] });
    await complete(engine, inst.id, 'A');
    // and what the one-state machine stored after it
    const next = (await store.getInstance(inst.id))!;
    Object.assign((next.snapshot as { machine: Record<string, unknown> }).machine, { status: 'active', value: 'running' });
    await store.commit({ instance: { ...next, rev: next.rev + 1 }, expectedRev: next.rev, history: [] });
    await complete(engine, inst.id, 'B');
    expect((await engine.getInstance(inst.id)).state).toBe('completed');
    await expectValidHistory(engine, inst.id);
  });

  test('two concurrent completions of the same task: exactly one wins, the other is a CONFLICT', async () => {
    const { engine } = env();
    await deployXml(engine, bpmn('race', [startEvent('Start'), userTask('A'), userTask('B'), endEvent('End'), chain('Start', 'A', 'B', 'End')]));
    const inst = await engine.startInstance({ processId: 'race' });
    const task = await waitTask(engine, inst.id, 'A');
    const results = await Promise.allSettled([engine.completeTask(task.id, { who: 'alice' }, 'alice'), engine.completeTask(task.id, { who: 'bob' }, 'bob')]);
    const fulfilled = results.filter((r) => r.status === 'fulfilled') as PromiseFulfilledResult<unknown>[];
    const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0].reason).toMatchObject({ code: 'CONFLICT' });
    // B exists exactly once and the winner's variables were applied
    expect(await openTasks(engine, inst.id)).toEqual(['B']);
    const who = (await engine.getInstance(inst.id)).variables.who;
    expect(['alice', 'bob']).toContain(who);
    expect((await engine.getTask(task.id)).completedBy).toBe(who);
    await expectCounts(engine, inst.id, { A: 1, B: 0 });
    const completions = (await engine.getHistory(inst.id)).filter((e) => e.type === 'task.completed');
    expect(completions).toHaveLength(1);
    await expectValidHistory(engine, inst.id);
  });

  test('concurrent completions of different tasks of one instance both apply', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('parallelRace', [
        startEvent('Start'),
        gateway('parallel', 'Fork'),
        userTask('A'),
        userTask('B'),
        userTask('C'),
        gateway('parallel', 'Join'),
        userTask('After'),
        chain('Start', 'Fork', 'A', 'Join'),
        chain('Fork', 'B', 'Join'),
        chain('Fork', 'C', 'Join'),
        chain('Join', 'After'),
      ]),
    );
    const inst = await engine.startInstance({ processId: 'parallelRace' });
    const tasks = (await engine.listTasks({ instanceId: inst.id, state: 'created' })).items;
    const results = await Promise.allSettled(tasks.map((t) => engine.completeTask(t.id, { [t.elementId]: true }, 'u')));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    expect((await engine.getInstance(inst.id)).variables).toEqual({ A: true, B: true, C: true });
    await expectCounts(engine, inst.id, { A: 1, B: 1, C: 1, Join: 1 });
    await expectValidHistory(engine, inst.id);
  });

  test('concurrent job completions of one job: one wins', async () => {
    const { engine } = env();
    await deployXml(engine, bpmn('jobRace', [startEvent('Start'), serviceTask('Do', 'race-job'), userTask('After'), chain('Start', 'Do', 'After')]));
    const inst = await engine.startInstance({ processId: 'jobRace' });
    const job = await activateOne(engine, 'race-job');
    const results = await Promise.allSettled([engine.completeJob(job.key, { n: 1 }), engine.completeJob(job.key, { n: 2 }), engine.failJob(job.key, { retries: 0 })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 'rejected') as PromiseRejectedResult[]) expect(r.reason).toMatchObject({ code: 'CONFLICT' });
    const state = (await engine.getInstance(inst.id)).state;
    if (state === 'incident') {
      expect(await openTasks(engine, inst.id)).toEqual([]);
    } else {
      expect(await openTasks(engine, inst.id)).toEqual(['After']);
    }
    await expectValidHistory(engine, inst.id);
  });

  test('getHistory and verifyHistory of an unknown instance are NOT_FOUND', async () => {
    const { engine } = env();
    await expectEngineError(engine.getHistory('nope'), 'NOT_FOUND');
    await expectEngineError(engine.verifyHistory('nope'), 'NOT_FOUND');
    await expectEngineError(engine.getInstance('nope'), 'NOT_FOUND');
  });
});

describe('history after a restart', () => {
  test('an engine reopened on the same directory continues the chain and the instance', async () => {
    const { tempEngine } = await import('../support/engine');
    const { Engine } = await import('../../engine');
    const first = await tempEngine();
    let second: InstanceType<typeof Engine> | undefined;
    try {
      await deployXml(first.engine, bpmn('restart', [startEvent('Start'), userTask('A'), userTask('B'), endEvent('End'), chain('Start', 'A', 'B', 'End')]));
      const inst = await first.engine.startInstance({ processId: 'restart' });
      await complete(first.engine, inst.id, 'A');
      await first.engine.stop();
      second = await new Engine({ dataDir: first.dir, onError: () => undefined }).start();
      expect(await openTasks(second, inst.id)).toEqual(['B']);
      await complete(second, inst.id, 'B');
      expect((await second.getInstance(inst.id)).state).toBe('completed');
      await expectCounts(second, inst.id, { A: 1, B: 1, End: 1 });
      await expectValidHistory(second, inst.id);
    } finally {
      await second?.stop();
      await first.close();
    }
  });

  test('a timer scheduled before a stop fires after the engine is started again', async () => {
    const { tempEngine } = await import('../support/engine');
    const { Engine } = await import('../../engine');
    const first = await tempEngine();
    let second: InstanceType<typeof Engine> | undefined;
    try {
      await deployXml(first.engine, bpmn('restartTimer', [startEvent('Start'), catchEvent('Wait', timerDuration('PT0.3S')), userTask('After'), chain('Start', 'Wait', 'After')]));
      const inst = await first.engine.startInstance({ processId: 'restartTimer' });
      await first.engine.stop();
      await sleep(500);
      second = await new Engine({ dataDir: first.dir, onError: () => undefined }).start();
      const engine = second;
      await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['After']), 3000);
      await expectCounts(engine, inst.id, { Wait: 1 });
      await expectValidHistory(engine, inst.id);
    } finally {
      await second?.stop();
      await first.close();
    }
  });
});

describe('definitions and versions', () => {
  const env = useEngine();

  test('redeploying the same XML is a duplicate; a change makes a new version; running instances keep theirs', async () => {
    const { engine } = env();
    const v1 = bpmn('versioned', [startEvent('Start'), userTask('Old'), endEvent('End'), chain('Start', 'Old', 'End')]);
    const v2 = bpmn('versioned', [startEvent('Start'), userTask('New'), endEvent('End'), chain('Start', 'New', 'End')]);
    const first = await engine.deploy([{ name: 'v.bpmn', content: v1 }]);
    expect(first.processes[0]).toMatchObject({ processId: 'versioned', version: 1, duplicate: false });
    const again = await engine.deploy([{ name: 'v.bpmn', content: v1 }]);
    expect(again.processes[0]).toMatchObject({ version: 1, duplicate: true });
    const old = await engine.startInstance({ processId: 'versioned' });
    const second = await engine.deploy([{ name: 'v.bpmn', content: v2 }]);
    expect(second.processes[0]).toMatchObject({ version: 2, key: 'versioned:2', duplicate: false });
    const fresh = await engine.startInstance({ processId: 'versioned' });
    const pinned = await engine.startInstance({ processId: 'versioned', version: 1 });
    expect(fresh.version).toBe(2);
    expect(pinned.version).toBe(1);
    expect(await openTasks(engine, old.id)).toEqual(['Old']);
    expect(await openTasks(engine, fresh.id)).toEqual(['New']);
    expect(await openTasks(engine, pinned.id)).toEqual(['Old']);
    await complete(engine, old.id, 'Old');
    await expectCounts(engine, old.id, { Old: 1, End: 1 });
    expect(Object.keys(((await engine.getMachineConfig('versioned:1')) as any).states)).toContain('Old');
    expect(Object.keys(((await engine.getMachineConfig('versioned:2')) as any).states)).toContain('New');
    await expectValidHistory(engine, old.id, fresh.id, pinned.id);
  });

  test('two deployments racing for the same new version: one wins whole, the other is a CONFLICT that stored nothing', async () => {
    const { engine } = env();
    const a = bpmn('raced', [startEvent('Start'), userTask('FromA'), endEvent('End'), chain('Start', 'FromA', 'End')]);
    const b = bpmn('raced', [startEvent('Start'), userTask('FromB'), endEvent('End'), chain('Start', 'FromB', 'End')]);
    const form = (id: string) => ({ name: `${id}.form`, content: JSON.stringify({ id, type: 'default', components: [] }) });
    // issued in the same turn of the event loop, both read "no version yet" before either is stored
    const [ra, rb] = await Promise.allSettled([engine.deploy([{ name: 'a.bpmn', content: a }, form('form-a')]), engine.deploy([{ name: 'b.bpmn', content: b }, form('form-b')])]);
    expect(ra.status).toBe('fulfilled');
    expect(rb).toMatchObject({ status: 'rejected', reason: { code: 'CONFLICT' } });
    expect((rb as PromiseRejectedResult).reason.message).toMatch(/raced version 1.*nothing of this deployment was stored/);
    expect((await engine.listProcesses()).map((d) => d.key)).toEqual(['raced:1']);
    expect(await engine.getResource('form:form-b')).toBeUndefined();
    expect(await engine.getResource('form:form-a')).toMatchObject({ id: 'form:form-a' });
    // the engine runs what was stored: the loser's model never reached the definition cache
    const started = await engine.startInstance({ processId: 'raced' });
    expect(await openTasks(engine, started.id)).toEqual(['FromA']);
  });

  test('an invalid diagram is refused at deploy with the element id', async () => {
    const { engine } = env();
    const bad = bpmn('refused', [startEvent('Start'), `<bpmn:serviceTask id="NoType" />`, chain('Start', 'NoType')]);
    await expect(engine.deploy([{ name: 'bad.bpmn', content: bad }])).rejects.toMatchObject({
      problems: expect.arrayContaining([expect.objectContaining({ elementId: 'NoType' })]),
    });
    await expectEngineError(engine.startInstance({ processId: 'refused' }), 'NOT_FOUND');
  });
});
