/**
 * Gateways: exclusive, parallel, inclusive and event-based, block-structured and not (joins without
 * their split, multi-merge, loops around and into inclusive joins, implicit splits and termination).
 */
import {
  bpmn,
  catchEvent,
  chain,
  complete,
  deployXml,
  endEvent,
  expectCounts,
  expectState,
  expectValidHistory,
  eventually,
  flow,
  gateway,
  link,
  messageDef,
  messageRef,
  openTasks,
  signalDef,
  signalRef,
  startEvent,
  timePasses,
  tasksOf,
  throwEvent,
  timerDuration,
  useEngine,
  userTask,
} from './helpers';

describe('gateways', () => {
  const env = useEngine();

  describe('exclusive', () => {
    const diagram = bpmn('xor', [
      startEvent('Start'),
      gateway('exclusive', 'Route', 'F_Small'),
      userTask('Big'),
      userTask('Medium'),
      userTask('Small'),
      endEvent('End'),
      chain('Start', 'Route'),
      flow('F_Big', 'Route', 'Big', '=amount > 100'),
      flow('F_Medium', 'Route', 'Medium', '=amount > 10'),
      flow('F_Small', 'Route', 'Small'),
      flow('F_Big_End', 'Big', 'End'),
      flow('F_Medium_End', 'Medium', 'End'),
      flow('F_Small_End', 'Small', 'End'),
    ]);

    test.each([
      [500, 'Big'],
      [50, 'Medium'],
      [1, 'Small'],
    ])('amount %p takes only %s (first true condition in order, else the default)', async (amount, target) => {
      const { engine } = env();
      await deployXml(engine, diagram);
      const inst = await engine.startInstance({ processId: 'xor', variables: { amount } });
      expect(await openTasks(engine, inst.id)).toEqual([target]);
      await complete(engine, inst.id, target);
      await expectState(engine, inst.id, 'completed');
      const expected: Record<string, number> = { Route: 1, Big: 0, Medium: 0, Small: 0, End: 1 };
      expected[target] = 1;
      await expectCounts(engine, inst.id, expected);
      await expectValidHistory(engine, inst.id);
    });

    test('no true condition and no default flow: an incident naming the gateway, raised again on resolve', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('xorStuck', [
          startEvent('Start'),
          gateway('exclusive', 'Route'),
          userTask('Yes'),
          userTask('No'),
          chain('Start', 'Route'),
          flow('F_Yes', 'Route', 'Yes', '=approved = true'),
          flow('F_No', 'Route', 'No', '=approved = false'),
        ]),
      );
      const inst = await engine.startInstance({ processId: 'xorStuck', variables: { approved: 'maybe' } });
      const [incident] = await engine.listIncidents({ instanceId: inst.id, state: 'open' });
      expect(incident).toMatchObject({ elementId: 'Route', type: 'condition', state: 'open' });
      expect(incident.message).toContain('Route');
      const view = await engine.getInstance(inst.id);
      expect(view.state).toBe('incident');
      expect(view.activeElements).toContain('Route');
      expect(await openTasks(engine, inst.id)).toEqual([]);

      // resolving re-evaluates the gateway: the variables did not change, so the incident comes back
      const resolved = await engine.resolveIncident(incident.id);
      expect(resolved.state).toBe('resolved');
      const open = await engine.listIncidents({ instanceId: inst.id, state: 'open' });
      expect(open).toHaveLength(1);
      expect(open[0].elementId).toBe('Route');
      expect((await engine.getInstance(inst.id)).state).toBe('incident');
      await expectCounts(engine, inst.id, { Route: 0, Yes: 0, No: 0 });
      await expectValidHistory(engine, inst.id);
    });

    test('a condition that does not give a boolean is an incident', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('xorBadCond', [
          startEvent('Start'),
          gateway('exclusive', 'Route', 'F_Else'),
          userTask('A'),
          userTask('B'),
          chain('Start', 'Route'),
          flow('F_A', 'Route', 'A', '=amount'),
          flow('F_Else', 'Route', 'B'),
        ]),
      );
      const inst = await engine.startInstance({ processId: 'xorBadCond', variables: { amount: 3 } });
      const incidents = await engine.listIncidents({ instanceId: inst.id, state: 'open' });
      expect(incidents).toHaveLength(1);
      expect(incidents[0].elementId).toBe('Route');
      expect((await engine.getInstance(inst.id)).state).toBe('incident');
      expect(await openTasks(engine, inst.id)).toEqual([]);
      await expectValidHistory(engine, inst.id);
    });
  });

  test('parallel split and join: the join waits for every branch', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('and', [
        startEvent('Start'),
        gateway('parallel', 'Fork'),
        userTask('A'),
        userTask('B'),
        userTask('C'),
        gateway('parallel', 'Join'),
        userTask('After'),
        endEvent('End'),
        chain('Start', 'Fork'),
        chain('Fork', 'A', 'Join'),
        chain('Fork', 'B', 'Join'),
        chain('Fork', 'C', 'Join'),
        chain('Join', 'After', 'End'),
      ]),
    );
    const inst = await engine.startInstance({ processId: 'and' });
    expect(await openTasks(engine, inst.id)).toEqual(['A', 'B', 'C']);
    await complete(engine, inst.id, 'B', { b: 1 });
    await complete(engine, inst.id, 'A', { a: 1 });
    expect(await openTasks(engine, inst.id)).toEqual(['C']);
    await expectCounts(engine, inst.id, { Join: 0 });
    await complete(engine, inst.id, 'C', { c: 1 });
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    await complete(engine, inst.id, 'After');
    const done = await engine.getInstance(inst.id);
    expect(done.state).toBe('completed');
    expect(done.variables).toEqual({ a: 1, b: 1, c: 1 });
    await expectCounts(engine, inst.id, { Fork: 1, A: 1, B: 1, C: 1, Join: 1, After: 1, End: 1 });
    await expectValidHistory(engine, inst.id);
  });

  describe('inclusive split and join', () => {
    const diagram = bpmn('or', [
      startEvent('Start'),
      gateway('inclusive', 'Fork'),
      userTask('Net'),
      userTask('Db'),
      userTask('App'),
      gateway('inclusive', 'Sync'),
      userTask('Review'),
      endEvent('End'),
      chain('Start', 'Fork'),
      flow('F_Net', 'Fork', 'Net', '=list contains(teams, "net")'),
      flow('F_Db', 'Fork', 'Db', '=list contains(teams, "db")'),
      flow('F_App', 'Fork', 'App', '=list contains(teams, "app")'),
      chain('Net', 'Sync'),
      chain('Db', 'Sync'),
      chain('App', 'Sync'),
      chain('Sync', 'Review', 'End'),
    ]);

    test.each([[['db']], [['net', 'app']], [['net', 'db', 'app']]])('teams %j: the join waits for exactly the taken branches', async (teams) => {
      const { engine } = env();
      await deployXml(engine, diagram);
      const inst = await engine.startInstance({ processId: 'or', variables: { teams } });
      const ids: Record<string, string> = { net: 'Net', db: 'Db', app: 'App' };
      const taken = teams.map((t) => ids[t]);
      expect(await openTasks(engine, inst.id)).toEqual([...taken].sort());
      for (const [i, task] of taken.entries()) {
        expect(await openTasks(engine, inst.id)).not.toContain('Review');
        await complete(engine, inst.id, task);
        if (i < taken.length - 1) await expectCounts(engine, inst.id, { Sync: 0 });
      }
      expect(await openTasks(engine, inst.id)).toEqual(['Review']);
      await complete(engine, inst.id, 'Review');
      await expectState(engine, inst.id, 'completed');
      const expected: Record<string, number> = { Net: 0, Db: 0, App: 0, Fork: 1, Sync: 1, Review: 1, End: 1 };
      for (const t of taken) expected[t] = 1;
      await expectCounts(engine, inst.id, expected);
      await expectValidHistory(engine, inst.id);
    });

    test('no condition true and no default: incident on the split', async () => {
      const { engine } = env();
      await deployXml(engine, diagram);
      const inst = await engine.startInstance({ processId: 'or', variables: { teams: [] } });
      const incidents = await engine.listIncidents({ instanceId: inst.id, state: 'open' });
      expect(incidents).toHaveLength(1);
      expect(incidents[0].elementId).toBe('Fork');
      expect((await engine.getInstance(inst.id)).state).toBe('incident');
      await expectValidHistory(engine, inst.id);
    });
  });

  describe('unstructured diagrams', () => {
    test('a parallel join without its split: an activity with two unconditional outgoing flows feeds it', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('joinNoSplit', [
          startEvent('Start'),
          userTask('A'),
          userTask('B'),
          userTask('C'),
          gateway('parallel', 'Join'),
          userTask('After'),
          endEvent('End'),
          chain('Start', 'A'),
          chain('A', 'B', 'Join'),
          chain('A', 'C', 'Join'),
          chain('Join', 'After', 'End'),
        ]),
      );
      const inst = await engine.startInstance({ processId: 'joinNoSplit' });
      await complete(engine, inst.id, 'A');
      expect(await openTasks(engine, inst.id)).toEqual(['B', 'C']);
      await complete(engine, inst.id, 'C');
      expect(await openTasks(engine, inst.id)).toEqual(['B']);
      await complete(engine, inst.id, 'B');
      expect(await openTasks(engine, inst.id)).toEqual(['After']);
      await complete(engine, inst.id, 'After');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { A: 1, B: 1, C: 1, Join: 1, After: 1, End: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('a parallel join whose branch bypasses it through an exclusive gateway waits (no false firing)', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('joinBypass', [
          startEvent('Start'),
          gateway('parallel', 'Fork'),
          userTask('A'),
          gateway('exclusive', 'Skip', 'F_Skip_Join'),
          endEvent('Skipped'),
          userTask('B'),
          gateway('parallel', 'Join'),
          userTask('After'),
          endEvent('End'),
          chain('Start', 'Fork'),
          chain('Fork', 'A', 'Skip'),
          flow('F_Skip_End', 'Skip', 'Skipped', '=skip = true'),
          flow('F_Skip_Join', 'Skip', 'Join'),
          chain('Fork', 'B', 'Join'),
          chain('Join', 'After', 'End'),
        ]),
      );
      // without the bypass the join fires normally
      const ok = await engine.startInstance({ processId: 'joinBypass', variables: { skip: false } });
      await complete(engine, ok.id, 'A');
      await complete(engine, ok.id, 'B');
      expect(await openTasks(engine, ok.id)).toEqual(['After']);

      // with it, only one token ever reaches the parallel join: it keeps waiting
      const stuck = await engine.startInstance({ processId: 'joinBypass', variables: { skip: true } });
      await complete(engine, stuck.id, 'A');
      await complete(engine, stuck.id, 'B');
      expect(await openTasks(engine, stuck.id)).toEqual([]);
      const view = await engine.getInstance(stuck.id);
      expect(view.state).toBe('active');
      expect(view.activeElements).toEqual(['Join']);
      await expectCounts(engine, stuck.id, { Skipped: 1, Join: 0, After: 0 });
      await expectValidHistory(engine, ok.id, stuck.id);
    });

    test('a parallel join consumes one token per incoming flow; a second token on the same flow waits', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('joinQueue', [
          startEvent('Start'),
          gateway('parallel', 'Fork'),
          userTask('A'),
          userTask('B'),
          userTask('C'),
          gateway('exclusive', 'Merge'),
          gateway('parallel', 'Join'),
          userTask('After'),
          endEvent('End'),
          chain('Start', 'Fork'),
          chain('Fork', 'A', 'Merge'),
          chain('Fork', 'B', 'Merge'),
          chain('Merge', 'Join'),
          chain('Fork', 'C', 'Join'),
          chain('Join', 'After', 'End'),
        ]),
      );
      const inst = await engine.startInstance({ processId: 'joinQueue' });
      await complete(engine, inst.id, 'A');
      await complete(engine, inst.id, 'B');
      expect(await openTasks(engine, inst.id)).toEqual(['C']);
      await expectCounts(engine, inst.id, { Merge: 2, Join: 0 });
      await complete(engine, inst.id, 'C');
      expect(await openTasks(engine, inst.id)).toEqual(['After']);
      await complete(engine, inst.id, 'After');
      const view = await engine.getInstance(inst.id);
      expect(view.state).toBe('active');
      expect(view.activeElements).toEqual(['Join']);
      await expectCounts(engine, inst.id, { Join: 1, After: 1, End: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('multi-merge: two branches reach a task directly and it runs twice', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('multiMerge', [
          startEvent('Start'),
          gateway('parallel', 'Fork'),
          userTask('A'),
          userTask('B'),
          userTask('Notify'),
          endEvent('End'),
          chain('Start', 'Fork'),
          chain('Fork', 'A', 'Notify'),
          chain('Fork', 'B', 'Notify'),
          chain('Notify', 'End'),
        ]),
      );
      const inst = await engine.startInstance({ processId: 'multiMerge' });
      await complete(engine, inst.id, 'A');
      expect(await openTasks(engine, inst.id)).toEqual(['B', 'Notify']);
      await complete(engine, inst.id, 'B');
      expect(await openTasks(engine, inst.id)).toEqual(['Notify', 'Notify']);
      await complete(engine, inst.id, 'Notify');
      expect((await engine.getInstance(inst.id)).state).toBe('active');
      await complete(engine, inst.id, 'Notify');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { A: 1, B: 1, Notify: 2, End: 2 });
      await expectValidHistory(engine, inst.id);
    });

    test('an inclusive join waits while a taken branch loops back before reaching it', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('orLoopBranch', [
          startEvent('Start'),
          gateway('inclusive', 'Fork'),
          userTask('A'),
          userTask('B'),
          gateway('exclusive', 'Again', 'F_Again_Sync'),
          gateway('inclusive', 'Sync'),
          userTask('After'),
          endEvent('End'),
          chain('Start', 'Fork'),
          flow('F_A', 'Fork', 'A', '=true'),
          flow('F_B', 'Fork', 'B', '=true'),
          chain('A', 'Sync'),
          chain('B', 'Again'),
          flow('F_Again_B', 'Again', 'B', '=again = true'),
          flow('F_Again_Sync', 'Again', 'Sync'),
          chain('Sync', 'After', 'End'),
        ]),
      );
      const inst = await engine.startInstance({ processId: 'orLoopBranch' });
      await complete(engine, inst.id, 'A');
      expect(await openTasks(engine, inst.id)).toEqual(['B']);
      await complete(engine, inst.id, 'B', { again: true });
      expect(await openTasks(engine, inst.id)).toEqual(['B']);
      await expectCounts(engine, inst.id, { Sync: 0 });
      await complete(engine, inst.id, 'B', { again: false });
      expect(await openTasks(engine, inst.id)).toEqual(['After']);
      await complete(engine, inst.id, 'After');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { A: 1, B: 2, Again: 2, Sync: 1, After: 1, End: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('an inclusive join does not wait for a branch that ends at an end event', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('orEndBranch', [
          startEvent('Start'),
          gateway('parallel', 'Fork'),
          userTask('A'),
          userTask('Side'),
          endEvent('SideEnd'),
          userTask('C'),
          gateway('inclusive', 'Sync'),
          userTask('After'),
          endEvent('End'),
          chain('Start', 'Fork'),
          chain('Fork', 'A', 'Sync'),
          chain('Fork', 'Side', 'SideEnd'),
          chain('Fork', 'C', 'Sync'),
          chain('Sync', 'After', 'End'),
        ]),
      );
      const inst = await engine.startInstance({ processId: 'orEndBranch' });
      await complete(engine, inst.id, 'A');
      expect(await openTasks(engine, inst.id)).toEqual(['C', 'Side']);
      await complete(engine, inst.id, 'C');
      // Side can never reach Sync: the join fires while Side is still open
      expect(await openTasks(engine, inst.id)).toEqual(['After', 'Side']);
      await complete(engine, inst.id, 'After');
      expect((await engine.getInstance(inst.id)).state).toBe('active');
      await complete(engine, inst.id, 'Side');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { A: 1, C: 1, Sync: 1, After: 1, Side: 1, SideEnd: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('an inclusive join fires when the token it waited for turns away to an end event', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('orDivert', [
          startEvent('Start'),
          gateway('parallel', 'Fork'),
          userTask('A'),
          gateway('exclusive', 'Divert', 'F_Divert_Sync'),
          endEvent('Away'),
          userTask('C'),
          gateway('inclusive', 'Sync'),
          userTask('After'),
          endEvent('End'),
          chain('Start', 'Fork'),
          chain('Fork', 'A', 'Divert'),
          flow('F_Divert_Away', 'Divert', 'Away', '=away = true'),
          flow('F_Divert_Sync', 'Divert', 'Sync'),
          chain('Fork', 'C', 'Sync'),
          chain('Sync', 'After', 'End'),
        ]),
      );
      const inst = await engine.startInstance({ processId: 'orDivert' });
      await complete(engine, inst.id, 'C');
      expect(await openTasks(engine, inst.id)).toEqual(['A']);
      await expectCounts(engine, inst.id, { Sync: 0 });
      await complete(engine, inst.id, 'A', { away: true });
      expect(await openTasks(engine, inst.id)).toEqual(['After']);
      await complete(engine, inst.id, 'After');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { A: 1, Away: 1, C: 1, Sync: 1, After: 1, End: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('an inclusive split and join inside a cycle: each round joins exactly the branches it took', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('orCycle', [
          startEvent('Start'),
          gateway('exclusive', 'Loop'),
          gateway('inclusive', 'Fork'),
          userTask('A'),
          userTask('B'),
          gateway('inclusive', 'Sync'),
          userTask('Review'),
          gateway('exclusive', 'More', 'F_More_End'),
          endEvent('End'),
          chain('Start', 'Loop', 'Fork'),
          flow('F_A', 'Fork', 'A', '=useA'),
          flow('F_B', 'Fork', 'B', '=useB'),
          chain('A', 'Sync'),
          chain('B', 'Sync'),
          chain('Sync', 'Review', 'More'),
          flow('F_More_Loop', 'More', 'Loop', '=again'),
          flow('F_More_End', 'More', 'End'),
        ]),
      );
      const inst = await engine.startInstance({ processId: 'orCycle', variables: { useA: true, useB: true, again: false } });
      // round 1: both branches
      await complete(engine, inst.id, 'A');
      expect(await openTasks(engine, inst.id)).toEqual(['B']);
      await complete(engine, inst.id, 'B');
      expect(await openTasks(engine, inst.id)).toEqual(['Review']);
      await complete(engine, inst.id, 'Review', { again: true, useB: false });
      // round 2: only A; the join must not wait for B
      expect(await openTasks(engine, inst.id)).toEqual(['A']);
      await complete(engine, inst.id, 'A');
      expect(await openTasks(engine, inst.id)).toEqual(['Review']);
      await complete(engine, inst.id, 'Review', { again: true, useA: false, useB: true });
      // round 3: only B
      expect(await openTasks(engine, inst.id)).toEqual(['B']);
      await complete(engine, inst.id, 'B');
      await complete(engine, inst.id, 'Review', { again: false });
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Loop: 3, Fork: 3, A: 2, B: 2, Sync: 3, Review: 3, More: 3, End: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('an inclusive join (after a parallel split) waits for a token two activities away', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('orUpstream', [
          startEvent('Start'),
          gateway('parallel', 'Fork'),
          userTask('Pre'),
          userTask('Mid'),
          userTask('Far'),
          gateway('inclusive', 'Sync'),
          userTask('After'),
          endEvent('End'),
          chain('Start', 'Fork'),
          chain('Fork', 'Pre', 'Sync'),
          chain('Fork', 'Far', 'Mid', 'Sync'),
          chain('Sync', 'After', 'End'),
        ]),
      );
      const inst = await engine.startInstance({ processId: 'orUpstream' });
      await complete(engine, inst.id, 'Pre');
      await complete(engine, inst.id, 'Far');
      // the token at Mid can still reach Sync: keep waiting
      expect(await openTasks(engine, inst.id)).toEqual(['Mid']);
      await complete(engine, inst.id, 'Mid');
      expect(await openTasks(engine, inst.id)).toEqual(['After']);
      await complete(engine, inst.id, 'After');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Pre: 1, Far: 1, Mid: 1, Sync: 1, After: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('an inclusive join waits for a token that reaches it through a link event', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('orLink', [
          startEvent('Start'),
          gateway('parallel', 'Fork'),
          userTask('A'),
          throwEvent('Jump', link('toSync')),
          catchEvent('Land', link('toSync')),
          userTask('C'),
          gateway('inclusive', 'Sync'),
          userTask('After'),
          chain('Start', 'Fork'),
          chain('Fork', 'A', 'Jump'),
          chain('Land', 'Sync'),
          chain('Fork', 'C', 'Sync'),
          chain('Sync', 'After'),
        ]),
      );
      const inst = await engine.startInstance({ processId: 'orLink' });
      await complete(engine, inst.id, 'C');
      expect(await openTasks(engine, inst.id)).toEqual(['A']);
      await complete(engine, inst.id, 'A');
      expect(await openTasks(engine, inst.id)).toEqual(['After']);
      await expectCounts(engine, inst.id, { Jump: 1, Land: 1, Sync: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('implicit termination: a branch without an end event just ends; the instance completes with the last token', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('implicitEnd', [
          startEvent('Start'),
          gateway('parallel', 'Fork'),
          userTask('A'),
          endEvent('End'),
          userTask('Dangling'),
          chain('Start', 'Fork'),
          chain('Fork', 'A', 'End'),
          chain('Fork', 'Dangling'),
        ]),
      );
      const inst = await engine.startInstance({ processId: 'implicitEnd' });
      await complete(engine, inst.id, 'Dangling');
      expect(await openTasks(engine, inst.id)).toEqual(['A']);
      expect((await engine.getInstance(inst.id)).state).toBe('active');
      await complete(engine, inst.id, 'A');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Dangling: 1, A: 1, End: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('a process without any end event completes when its last activity completes', async () => {
      const { engine } = env();
      await deployXml(engine, bpmn('noEnd', [startEvent('Start'), userTask('Only'), chain('Start', 'Only')]));
      const inst = await engine.startInstance({ processId: 'noEnd' });
      await complete(engine, inst.id, 'Only');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Start: 1, Only: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('an activity with two unconditional outgoing flows splits implicitly', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('implicitSplit', [
          startEvent('Start'),
          userTask('A'),
          userTask('B'),
          userTask('C'),
          endEvent('EB'),
          endEvent('EC'),
          chain('Start', 'A', 'B', 'EB'),
          chain('A', 'C', 'EC'),
        ]),
      );
      const inst = await engine.startInstance({ processId: 'implicitSplit' });
      await complete(engine, inst.id, 'A');
      expect(await openTasks(engine, inst.id)).toEqual(['B', 'C']);
      await complete(engine, inst.id, 'B');
      expect((await engine.getInstance(inst.id)).state).toBe('active');
      await complete(engine, inst.id, 'C');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { A: 1, B: 1, C: 1, EB: 1, EC: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('conditional flows out of an activity, with a default flow', async () => {
      const { engine } = env();
      const xml = bpmn('activityCond', [
        startEvent('Start'),
        `<bpmn:userTask id="A" default="F_A_Def"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>`,
        userTask('Hi'),
        userTask('Also'),
        userTask('Def'),
        chain('Start', 'A'),
        flow('F_A_Hi', 'A', 'Hi', '=x > 5'),
        flow('F_A_Also', 'A', 'Also', '=x > 7'),
        flow('F_A_Def', 'A', 'Def'),
      ]);
      await deployXml(engine, xml);
      const both = await engine.startInstance({ processId: 'activityCond' });
      await complete(engine, both.id, 'A', { x: 10 });
      expect(await openTasks(engine, both.id)).toEqual(['Also', 'Hi']);
      const dflt = await engine.startInstance({ processId: 'activityCond' });
      await complete(engine, dflt.id, 'A', { x: 1 });
      expect(await openTasks(engine, dflt.id)).toEqual(['Def']);
      await expectValidHistory(engine, both.id, dflt.id);
    });
  });

  describe('event-based gateway', () => {
    const roots = [messageDef('Msg_Reply', 'reply', '=caseId'), signalDef('Sig_Abort', 'abort')];
    const diagram = bpmn(
      'ebg',
      [
        startEvent('Start'),
        gateway('eventBased', 'Wait'),
        catchEvent('Reply', messageRef('Msg_Reply')),
        catchEvent('Timeout', timerDuration('PT0.3S')),
        catchEvent('Abort', signalRef('Sig_Abort')),
        userTask('GotReply'),
        userTask('Chase'),
        userTask('Aborted'),
        endEvent('E1'),
        endEvent('E2'),
        endEvent('E3'),
        chain('Start', 'Wait'),
        chain('Wait', 'Reply', 'GotReply', 'E1'),
        chain('Wait', 'Timeout', 'Chase', 'E2'),
        chain('Wait', 'Abort', 'Aborted', 'E3'),
      ],
      roots,
    );

    test('the message comes first: the timer and the signal are withdrawn', async () => {
      const { engine } = env();
      await deployXml(engine, diagram);
      const inst = await engine.startInstance({ processId: 'ebg', variables: { caseId: 'c-1' } });
      expect((await engine.getInstance(inst.id)).activeElements).toEqual(['Wait']);
      const res = await engine.publishMessage({ name: 'reply', correlationKey: 'c-1', variables: { answer: 'yes' } });
      expect(res.correlated).toBe(1);
      expect(await openTasks(engine, inst.id)).toEqual(['GotReply']);
      expect((await engine.getInstance(inst.id)).variables.answer).toBe('yes');
      await timePasses(env(), 500);
      await engine.broadcastSignal({ name: 'abort' });
      await engine.idle();
      expect(await openTasks(engine, inst.id)).toEqual(['GotReply']);
      await complete(engine, inst.id, 'GotReply');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Wait: 1, Reply: 1, Timeout: 0, Abort: 0, GotReply: 1, E1: 1, Chase: 0 });
      await expectValidHistory(engine, inst.id);
    });

    test('the timer comes first: a later message does not correlate', async () => {
      const { engine } = env();
      await deployXml(engine, diagram);
      const inst = await engine.startInstance({ processId: 'ebg', variables: { caseId: 'c-2' } });
      await eventually(async () => expect(await openTasks(engine, inst.id)).toEqual(['Chase']));
      const res = await engine.publishMessage({ name: 'reply', correlationKey: 'c-2', timeToLiveMs: 0 });
      expect(res.correlated).toBe(0);
      expect(await openTasks(engine, inst.id)).toEqual(['Chase']);
      await complete(engine, inst.id, 'Chase');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Reply: 0, Timeout: 1, Abort: 0, Chase: 1, E2: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('a signal target', async () => {
      const { engine } = env();
      await deployXml(engine, diagram);
      const inst = await engine.startInstance({ processId: 'ebg', variables: { caseId: 'c-3' } });
      const res = await engine.broadcastSignal({ name: 'abort' });
      expect(res.delivered).toBe(1);
      expect(await openTasks(engine, inst.id)).toEqual(['Aborted']);
      await expectCounts(engine, inst.id, { Reply: 0, Timeout: 0, Abort: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('with a receive task target', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn(
          'ebgReceive',
          [
            startEvent('Start'),
            gateway('eventBased', 'Wait'),
            `<bpmn:receiveTask id="Receive" messageRef="Msg_Reply" />`,
            catchEvent('Timeout', timerDuration('PT1S')),
            userTask('GotReply'),
            userTask('Chase'),
            endEvent('E1'),
            endEvent('E2'),
            chain('Start', 'Wait'),
            chain('Wait', 'Receive', 'GotReply', 'E1'),
            chain('Wait', 'Timeout', 'Chase', 'E2'),
          ],
          [messageDef('Msg_Reply', 'reply', '=caseId')],
        ),
      );
      const inst = await engine.startInstance({ processId: 'ebgReceive', variables: { caseId: 'r-1' } });
      expect(await openTasks(engine, inst.id)).toEqual([]);
      const res = await engine.publishMessage({ name: 'reply', correlationKey: 'r-1', variables: { got: true } });
      expect(res.correlated).toBe(1);
      await engine.idle();
      expect(await openTasks(engine, inst.id)).toEqual(['GotReply']);
      expect((await engine.getInstance(inst.id)).variables.got).toBe(true);
      await timePasses(env(), 1200);
      expect(await openTasks(engine, inst.id)).toEqual(['GotReply']);
      await complete(engine, inst.id, 'GotReply');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Wait: 1, Receive: 1, Timeout: 0, GotReply: 1, Chase: 0 });
      const tasks = await tasksOf(engine, inst.id);
      expect(tasks.map((t) => t.elementId)).toEqual(['GotReply']);
      await expectValidHistory(engine, inst.id);
    });
  });
});
