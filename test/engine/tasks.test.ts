/**
 * Tasks: user task assignment and schedule, job-worker tasks (service, send, business rule) with headers
 * and retries, FEEL script tasks, receive, manual and plain tasks, and zeebe:ioMapping.
 */
import {
  activateOne,
  bpmn,
  chain,
  complete,
  countEvents,
  deployXml,
  endEvent,
  expectCounts,
  expectState,
  expectValidHistory,
  jobTask,
  messageDef,
  openTasks,
  plainTask,
  scriptTask,
  serviceTask,
  sleep,
  startEvent,
  subProcess,
  useEngine,
  userTask,
  waitTask,
} from './helpers';

const DAY = 24 * 60 * 60 * 1000;

describe('tasks', () => {
  const env = useEngine();

  describe('user tasks', () => {
    test("a completion told of another instance's task (options.read) is refused and changes neither instance", async () => {
      const { engine } = env();
      await deployXml(engine, bpmn('two', [startEvent('Start'), userTask('Work'), endEvent('End'), chain('Start', 'Work', 'End')]));
      const a = await engine.startInstance({ processId: 'two' });
      const b = await engine.startInstance({ processId: 'two' });
      const [taskA] = (await engine.listTasks({ instanceId: a.id })).items;
      const [taskB] = (await engine.listTasks({ instanceId: b.id })).items;
      const before = [await engine.getInstance(a.id), await engine.getInstance(b.id), await engine.getHistory(a.id), await engine.getHistory(b.id)];
      // the id of a's task with b's row as what the caller read: the command would run on b
      await expect(engine.completeTask(taskA.id, {}, 'alice', { read: { ...taskA, instanceId: b.id } })).rejects.toMatchObject({
        code: 'INVALID',
        message: `task ${taskA.id} belongs to instance ${a.id}, not ${b.id}`,
      });
      expect([await engine.getInstance(a.id), await engine.getInstance(b.id), await engine.getHistory(a.id), await engine.getHistory(b.id)]).toEqual(before);
      expect((await engine.getTask(taskA.id)).state).toBe('created');
      // the caller's own read of the task is used as it is
      await engine.completeTask(taskB.id, {}, 'alice', { read: taskB });
      expect((await engine.getInstance(b.id)).state).toBe('completed');
    });

    test('the subject header names what the task is about: FEEL or literal; a subject that cannot be evaluated is left out', async () => {
      const { engine } = env();
      const withSubject = (id: string, value: string) =>
        `<bpmn:userTask id="${id}"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="service-desk" />` +
        `<zeebe:taskHeaders><zeebe:header key="subject" value="${value}" /></zeebe:taskHeaders></bpmn:extensionElements></bpmn:userTask>`;
      await deployXml(
        engine,
        bpmn('subj', [
          startEvent('Start'),
          withSubject('Fix', '=ticket + &quot;: &quot; + summary'),
          withSubject('Close', 'Close the ticket'),
          endEvent('End'),
          chain('Start', 'Fix', 'Close', 'End'),
        ]),
      );
      const inst = await engine.startInstance({ processId: 'subj', variables: { ticket: 'INC-9', summary: 'VPN down' } });
      expect((await waitTask(engine, inst.id, 'Fix')).subject).toBe('INC-9: VPN down');
      await complete(engine, inst.id, 'Fix');
      expect((await waitTask(engine, inst.id, 'Close')).subject).toBe('Close the ticket');
      const noSummary = await engine.startInstance({ processId: 'subj', variables: { ticket: 'INC-10' } });
      expect((await waitTask(engine, noSummary.id, 'Fix')).subject).toBeUndefined();
      await expect(deployXml(engine, bpmn('subjBad', [startEvent('Start'), withSubject('Fix', '=ticket +'), endEvent('End'), chain('Start', 'Fix', 'End')]))).rejects.toMatchObject(
        { problems: [expect.objectContaining({ elementId: 'Fix', message: expect.stringContaining('subject header') })] },
      );
    });

    test('assignee, candidate groups and users, due and follow-up dates from FEEL', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('ut', [
          startEvent('Start'),
          userTask('Triage', {
            name: 'Triage the ticket',
            assignee: '=requester.manager',
            candidateGroups: '=["service-desk", team]',
            candidateUsers: '=backups',
            dueDate: '=now() + duration("P1D")',
            followUpDate: '=followUp',
          }),
          endEvent('End'),
          chain('Start', 'Triage', 'End'),
        ]),
      );
      const before = Date.now();
      const inst = await engine.startInstance({
        processId: 'ut',
        variables: { requester: { manager: 'alice' }, team: 'network', backups: ['bob', 'carol'], followUp: '2031-02-03T04:05:06Z' },
      });
      const task = await waitTask(engine, inst.id, 'Triage');
      expect(task).toMatchObject({
        name: 'Triage the ticket',
        state: 'created',
        assignee: 'alice',
        candidateGroups: ['service-desk', 'network'],
        candidateUsers: ['bob', 'carol'],
        processId: 'ut',
        instanceId: inst.id,
      });
      expect(task.dueDate).toBeGreaterThanOrEqual(before + DAY - 60_000);
      expect(task.dueDate).toBeLessThanOrEqual(Date.now() + DAY + 60_000);
      expect(task.followUpDate).toBe(Date.parse('2031-02-03T04:05:06Z'));
      expect(await engine.taskVariables(task)).toMatchObject({ team: 'network' });
      const done = await engine.completeTask(task.id, { outcome: 'ok' }, 'alice');
      expect(done).toMatchObject({ state: 'completed', completedBy: 'alice' });
      await expectState(engine, inst.id, 'completed');
      expect((await engine.getInstance(inst.id)).variables.outcome).toBe('ok');
      await expectCounts(engine, inst.id, { Triage: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('literal assignment values and a literal due date', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('utLit', [
          startEvent('Start'),
          userTask('Approve', { assignee: 'bob', candidateGroups: 'change-managers, cab', candidateUsers: 'alice,carol', dueDate: '2030-01-01T10:00:00Z' }),
          chain('Start', 'Approve'),
        ]),
      );
      const inst = await engine.startInstance({ processId: 'utLit' });
      const task = await waitTask(engine, inst.id, 'Approve');
      expect(task.assignee).toBe('bob');
      expect(task.candidateGroups).toEqual(['change-managers', 'cab']);
      expect(task.candidateUsers).toEqual(['alice', 'carol']);
      expect(task.dueDate).toBe(Date.parse('2030-01-01T10:00:00Z'));
      expect((await engine.listTasks({ candidateGroup: 'cab', state: 'created' })).items.map((t) => t.id)).toEqual([task.id]);
      expect((await engine.listTasks({ assignee: 'bob', state: 'created' })).items.map((t) => t.id)).toEqual([task.id]);
      await expectValidHistory(engine, inst.id);
    });

    test('claim, unclaim, and a second claim by another user conflicts', async () => {
      const { engine } = env();
      await deployXml(engine, bpmn('utClaim', [startEvent('Start'), userTask('Work', { candidateGroups: 'service-desk' }), endEvent('End'), chain('Start', 'Work', 'End')]));
      const inst = await engine.startInstance({ processId: 'utClaim' });
      const task = await waitTask(engine, inst.id, 'Work');
      expect(task.assignee).toBeUndefined();
      expect((await engine.assignTask(task.id, 'alice', 'alice')).assignee).toBe('alice');
      await expect(engine.assignTask(task.id, 'bob', 'bob')).rejects.toMatchObject({ code: 'CONFLICT' });
      expect((await engine.assignTask(task.id, undefined, 'alice')).assignee).toBeUndefined();
      expect((await engine.assignTask(task.id, 'bob', 'bob')).assignee).toBe('bob');
      await engine.completeTask(task.id, {}, 'bob');
      await expect(engine.completeTask(task.id, {}, 'bob')).rejects.toMatchObject({ code: 'CONFLICT' });
      await expectState(engine, inst.id, 'completed');
      const types = (await engine.getHistory(inst.id)).map((e) => e.type);
      expect(types.filter((t) => t === 'task.claimed')).toHaveLength(2);
      expect(types).toContain('task.unclaimed');
      await expectValidHistory(engine, inst.id);
    });

    test('an assignee expression that fails to evaluate is an incident', async () => {
      const { engine } = env();
      await deployXml(engine, bpmn('utBad', [startEvent('Start'), userTask('Work', { assignee: '=unknownFunction(1)' }), chain('Start', 'Work')]));
      const inst = await engine.startInstance({ processId: 'utBad' });
      const incidents = await engine.listIncidents({ instanceId: inst.id, state: 'open' });
      expect(incidents).toHaveLength(1);
      expect(incidents[0]).toMatchObject({ elementId: 'Work', type: 'expression' });
      expect((await engine.getInstance(inst.id)).state).toBe('incident');
      expect(await openTasks(engine, inst.id)).toEqual([]);
      await expectValidHistory(engine, inst.id);
    });
  });

  describe('job worker tasks', () => {
    test('service task job: type from FEEL, custom headers, retries, variables, completion', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('svc', [
          startEvent('Start'),
          serviceTask('Lookup', '="cmdb-" + system', { retries: '5', headers: { endpoint: 'https://cmdb.example/api', mode: 'strict' } }),
          userTask('After'),
          endEvent('End'),
          chain('Start', 'Lookup', 'After', 'End'),
        ]),
      );
      const inst = await engine.startInstance({ processId: 'svc', variables: { system: 'lookup', ci: 'srv-01' } });
      expect((await engine.getInstance(inst.id)).activeElements).toEqual(['Lookup']);
      expect(await engine.activateJobs({ type: 'cmdb-other', worker: 'w', maxJobs: 5 })).toEqual([]);
      const job = await activateOne(engine, 'cmdb-lookup');
      expect(job).toMatchObject({
        type: 'cmdb-lookup',
        instanceId: inst.id,
        elementId: 'Lookup',
        retries: 5,
        customHeaders: { endpoint: 'https://cmdb.example/api', mode: 'strict' },
        state: 'activated',
        worker: 'tester',
      });
      expect(job.variables).toMatchObject({ system: 'lookup', ci: 'srv-01' });
      // a locked job is not handed out twice
      expect(await engine.activateJobs({ type: 'cmdb-lookup', worker: 'other', maxJobs: 5 })).toEqual([]);
      await engine.completeJob(job.key, { owner: 'team-a' });
      expect(await openTasks(engine, inst.id)).toEqual(['After']);
      expect((await engine.getInstance(inst.id)).variables).toMatchObject({ owner: 'team-a', ci: 'srv-01' });
      await complete(engine, inst.id, 'After');
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Lookup: 1, After: 1 });
      const types = (await engine.getHistory(inst.id)).map((e) => e.type);
      expect(types).toContain('job.created');
      await expectValidHistory(engine, inst.id);
    });

    test('default retries are 3', async () => {
      const { engine } = env();
      await deployXml(engine, bpmn('svcDefault', [startEvent('Start'), serviceTask('Do', 'do-it'), chain('Start', 'Do')]));
      await engine.startInstance({ processId: 'svcDefault' });
      const job = await activateOne(engine, 'do-it');
      expect(job.retries).toBe(3);
      expect(job.customHeaders).toEqual({});
    });

    test('send and business rule tasks with a job type are worked like service tasks', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('sendRule', [
          startEvent('Start'),
          jobTask('Decide', 'decide-priority', { headers: { table: 'prio' } }, 'businessRuleTask'),
          jobTask('Notify', 'send-mail', {}, 'sendTask'),
          endEvent('End'),
          chain('Start', 'Decide', 'Notify', 'End'),
        ]),
      );
      const inst = await engine.startInstance({ processId: 'sendRule', variables: { impact: 1 } });
      const rule = await activateOne(engine, 'decide-priority');
      expect(rule.customHeaders).toEqual({ table: 'prio' });
      expect(rule.elementId).toBe('Decide');
      await engine.completeJob(rule.key, { priority: 1 });
      const send = await activateOne(engine, 'send-mail');
      expect(send.elementId).toBe('Notify');
      expect(send.variables).toMatchObject({ impact: 1, priority: 1 });
      await engine.completeJob(send.key, { sent: true });
      await expectState(engine, inst.id, 'completed');
      expect((await engine.getInstance(inst.id)).variables).toEqual({ impact: 1, priority: 1, sent: true });
      await expectCounts(engine, inst.id, { Decide: 1, Notify: 1, End: 1 });
      await expectValidHistory(engine, inst.id);
    });

    test('a script task with a job type is a job too', async () => {
      const { engine } = env();
      await deployXml(engine, bpmn('scriptJob', [startEvent('Start'), jobTask('Run', 'run-script', {}, 'scriptTask'), endEvent('End'), chain('Start', 'Run', 'End')]));
      const inst = await engine.startInstance({ processId: 'scriptJob' });
      const job = await activateOne(engine, 'run-script');
      await engine.completeJob(job.key, { out: 1 });
      await expectState(engine, inst.id, 'completed');
      await expectCounts(engine, inst.id, { Run: 1 });
    });
  });

  describe('script tasks', () => {
    test('a FEEL script writes its result variable', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('script', [
          startEvent('Start'),
          scriptTask('Sum', '=a + b', 'sum'),
          scriptTask('Shape', '={total: sum, items: [a, b], big: sum > 10}', 'summary'),
          userTask('Check'),
          endEvent('End'),
          chain('Start', 'Sum', 'Shape', 'Check', 'End'),
        ]),
      );
      const inst = await engine.startInstance({ processId: 'script', variables: { a: 4, b: 9 } });
      expect(await openTasks(engine, inst.id)).toEqual(['Check']);
      expect((await engine.getInstance(inst.id)).variables).toEqual({ a: 4, b: 9, sum: 13, summary: { total: 13, items: [4, 9], big: true } });
      await expectCounts(engine, inst.id, { Sum: 1, Shape: 1, Check: 0 });
      await complete(engine, inst.id, 'Check');
      await expectState(engine, inst.id, 'completed');
      await expectValidHistory(engine, inst.id);
    });

    test('a script calling an unknown function raises an incident that stays after a resolve attempt', async () => {
      const { engine } = env();
      await deployXml(engine, bpmn('scriptBad', [startEvent('Start'), scriptTask('Calc', '=unknownFunction(1)', 'x'), userTask('After'), chain('Start', 'Calc', 'After')]));
      const inst = await engine.startInstance({ processId: 'scriptBad' });
      const [incident] = await engine.listIncidents({ instanceId: inst.id, state: 'open' });
      expect(incident).toMatchObject({ elementId: 'Calc', type: 'expression', state: 'open' });
      expect(incident.message).toContain('unknownFunction');
      const view = await engine.getInstance(inst.id);
      expect(view.state).toBe('incident');
      expect(view.activeElements).toEqual(['Calc']);
      expect(view.variables).not.toHaveProperty('x');
      // the expression cannot succeed on retry: the incident is raised again
      await engine.resolveIncident(incident.id);
      const again = await engine.listIncidents({ instanceId: inst.id, state: 'open' });
      expect(again).toHaveLength(1);
      expect(again[0].elementId).toBe('Calc');
      expect((await engine.getInstance(inst.id)).state).toBe('incident');
      expect(await openTasks(engine, inst.id)).toEqual([]);
      await expectCounts(engine, inst.id, { Calc: 0, After: 0 });
      expect((await countEvents(engine, inst.id, 'incident.created')).Calc).toBe(2);
      await expectValidHistory(engine, inst.id);
    });
  });

  test('a receive task waits for its message', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn(
        'recv',
        [startEvent('Start'), `<bpmn:receiveTask id="WaitAck" messageRef="Msg_Ack" />`, userTask('After'), endEvent('End'), chain('Start', 'WaitAck', 'After', 'End')],
        [messageDef('Msg_Ack', 'ack', '=ref')],
      ),
    );
    const inst = await engine.startInstance({ processId: 'recv', variables: { ref: 'R-7' } });
    expect((await engine.getInstance(inst.id)).activeElements).toEqual(['WaitAck']);
    expect((await engine.publishMessage({ name: 'ack', correlationKey: 'R-8', timeToLiveMs: 0 })).correlated).toBe(0);
    expect(await openTasks(engine, inst.id)).toEqual([]);
    expect((await engine.publishMessage({ name: 'ack', correlationKey: 'R-7', variables: { ackedBy: 'vendor' } })).correlated).toBe(1);
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    expect((await engine.getInstance(inst.id)).variables).toEqual({ ref: 'R-7', ackedBy: 'vendor' });
    await complete(engine, inst.id, 'After');
    await expectState(engine, inst.id, 'completed');
    await expectCounts(engine, inst.id, { WaitAck: 1, After: 1 });
    await expectValidHistory(engine, inst.id);
  });

  test('manual and plain tasks pass', async () => {
    const { engine } = env();
    await deployXml(
      engine,
      bpmn('manual', [
        startEvent('Start'),
        `<bpmn:manualTask id="Phone" />`,
        plainTask('Note'),
        userTask('After'),
        endEvent('End'),
        chain('Start', 'Phone', 'Note', 'After', 'End'),
      ]),
    );
    const inst = await engine.startInstance({ processId: 'manual' });
    expect(await openTasks(engine, inst.id)).toEqual(['After']);
    await expectCounts(engine, inst.id, { Phone: 1, Note: 1 });
    await complete(engine, inst.id, 'After');
    await expectState(engine, inst.id, 'completed');
    await expectValidHistory(engine, inst.id);
  });

  describe('io mappings', () => {
    test('user task: inputs are local to the task, outputs decide what reaches the process', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('ioUser', [
          startEvent('Start'),
          userTask('Review', {
            inputs: [
              ['=ticket.priority', 'prio'],
              ['="fixed"', 'label'],
              ['=prio * 10', 'weight'],
            ],
            outputs: [
              ['=decision', 'approved'],
              ['=prio', 'ticket.reviewedPrio'],
            ],
          }),
          userTask('After'),
          endEvent('End'),
          chain('Start', 'Review', 'After', 'End'),
        ]),
      );
      const inst = await engine.startInstance({ processId: 'ioUser', variables: { ticket: { id: 't1', priority: 2 } } });
      const task = await waitTask(engine, inst.id, 'Review');
      expect(await engine.taskVariables(task)).toMatchObject({ prio: 2, label: 'fixed', weight: 20, ticket: { id: 't1', priority: 2 } });
      expect((await engine.getInstance(inst.id)).variables).toEqual({ ticket: { id: 't1', priority: 2 } });
      await engine.completeTask(task.id, { decision: 'yes', scratch: 1 }, 'tester');
      const vars = (await engine.getInstance(inst.id)).variables;
      expect(vars).toEqual({ ticket: { id: 't1', priority: 2, reviewedPrio: 2 }, approved: 'yes' });
      const after = await waitTask(engine, inst.id, 'After');
      expect(await engine.taskVariables(after)).not.toHaveProperty('prio');
      await expectValidHistory(engine, inst.id);
    });

    test('service task: inputs are in the job variables, outputs map the job result', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('ioJob', [
          startEvent('Start'),
          serviceTask('Fetch', 'fetch', { inputs: [['=customer.id', 'customerId']], outputs: [['=response.status', 'status']] }),
          endEvent('End'),
          chain('Start', 'Fetch', 'End'),
        ]),
      );
      const inst = await engine.startInstance({ processId: 'ioJob', variables: { customer: { id: 'c-42', name: 'ACME' } } });
      const job = await activateOne(engine, 'fetch');
      expect(job.variables).toMatchObject({ customerId: 'c-42', customer: { id: 'c-42', name: 'ACME' } });
      await engine.completeJob(job.key, { response: { status: 'OK', body: 'x'.repeat(10) } });
      await expectState(engine, inst.id, 'completed');
      expect((await engine.getInstance(inst.id)).variables).toEqual({ customer: { id: 'c-42', name: 'ACME' }, status: 'OK' });
      await expectValidHistory(engine, inst.id);
    });

    test('completion variables replace top-level values (no deep merge)', async () => {
      const { engine } = env();
      await deployXml(engine, bpmn('noMerge', [startEvent('Start'), userTask('Edit'), userTask('After'), chain('Start', 'Edit', 'After')]));
      const inst = await engine.startInstance({ processId: 'noMerge', variables: { ticket: { a: 1, b: 2 }, keep: true } });
      await complete(engine, inst.id, 'Edit', { ticket: { a: 5 } });
      expect((await engine.getInstance(inst.id)).variables).toEqual({ ticket: { a: 5 }, keep: true });
    });

    // Zeebe: an output mapping that fails to evaluate raises an incident on the element.
    test('an output mapping that fails on completion raises an incident on the task', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('badOutput', [startEvent('Start'), userTask('Edit', { outputs: [['=unknownFunction(x)', 'y']] }), userTask('After'), chain('Start', 'Edit', 'After')]),
      );
      const inst = await engine.startInstance({ processId: 'badOutput' });
      const task = await waitTask(engine, inst.id, 'Edit');
      const outcome = await engine.completeTask(task.id, { x: 1 }, 'tester').then(
        () => 'completed',
        (err: unknown) => `rejected: ${(err as Error).message}`,
      );
      // Let an error the engine throws asynchronously (xstate rethrows action errors in a timer) surface
      // inside this test instead of crashing the worker after it.
      await sleep(20);
      const incidents = await engine.listIncidents({ instanceId: inst.id, state: 'open' });
      expect({
        outcome,
        incidents: incidents.map((i) => [i.elementId, i.type]),
        state: (await engine.getInstance(inst.id)).state,
        open: await openTasks(engine, inst.id),
      }).toEqual({ outcome: 'completed', incidents: [['Edit', 'expression']], state: 'incident', open: [] });
      await expectValidHistory(engine, inst.id);
    });

    test('variables set inside a subprocess go to the process unless they exist in the subprocess scope', async () => {
      const { engine } = env();
      await deployXml(
        engine,
        bpmn('ioSub', [
          startEvent('Start'),
          subProcess('Sub', startEvent('SStart'), userTask('Inner'), endEvent('SEnd'), chain('SStart', 'Inner', 'SEnd')),
          `<bpmn:subProcess id="Sub2"><bpmn:extensionElements>${'<zeebe:ioMapping><zeebe:input source="=0" target="counter" /></zeebe:ioMapping>'}</bpmn:extensionElements>${startEvent('S2Start')}${userTask('Inner2')}${endEvent('S2End')}${chain('S2Start', 'Inner2', 'S2End')}</bpmn:subProcess>`,
          userTask('After'),
          endEvent('End'),
          chain('Start', 'Sub', 'Sub2', 'After', 'End'),
        ]),
      );
      const inst = await engine.startInstance({ processId: 'ioSub', variables: { counter: 5 } });
      await complete(engine, inst.id, 'Inner', { fromInner: true });
      expect((await engine.getInstance(inst.id)).variables).toEqual({ counter: 5, fromInner: true });
      const inner2 = await waitTask(engine, inst.id, 'Inner2');
      expect((await engine.taskVariables(inner2)).counter).toBe(0);
      await engine.completeTask(inner2.id, { counter: 99, other: 1 }, 'tester');
      // `counter` was local to Sub2 (input mapping): the process keeps its own
      expect((await engine.getInstance(inst.id)).variables).toEqual({ counter: 5, fromInner: true, other: 1 });
      await expectValidHistory(engine, inst.id);
    });
  });
});
