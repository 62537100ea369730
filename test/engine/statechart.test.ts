/**
 * The process statechart (engine/compile/statechart.ts) is the process: a state per element,
 * subprocesses as compound states, a transition per sequence flow with FEEL conditions as guards and
 * the default flow last, boundary events and event subprocess starts as transitions; and it is the
 * machine the engine runs: the JSON that `getMachineConfig` serves, made into a machine by XState
 * itself, takes the same path as the engine.
 */
import { getMicrosteps, initialTransition, type AnyMachineSnapshot } from 'xstate';
import { createChartMachine, type ChartEvent } from '../../engine/compile/chart';
import { evaluateExpression } from '../../engine/expr/feel';
import { parseBpmn } from '../../engine/bpmn/parse';
import { ProcessGraph } from '../../engine/compile/graph';
import {
  boundary,
  bpmn,
  chain,
  complete,
  deployXml,
  endEvent,
  esStart,
  eventSubProcess,
  flow,
  gateway,
  messageDef,
  messageRef,
  serviceTask,
  startEvent,
  subProcess,
  timerDuration,
  useEngine,
  userTask,
  activateOne,
} from './helpers';

/** Start -> Gw -> High (priority <= 2) | Low (default) -> Merge -> SP [SStart -> Inner -> SEnd] (+ non-interrupting timer BT -> Chase) -> Wait (message Paid) -> End; an event subprocess on message Cancel. */
const XML = bpmn(
  'chart',
  [
    startEvent('Start'),
    gateway('exclusive', 'Gw', 'F_low'),
    userTask('High', { name: 'Handle high' }),
    serviceTask('Low', 'low-work'),
    gateway('exclusive', 'Merge'),
    subProcess('SP', startEvent('SStart'), userTask('Inner'), endEvent('SEnd'), chain('SStart', 'Inner', 'SEnd')),
    boundary('BT', 'SP', timerDuration('PT1H'), false),
    userTask('Chase'),
    endEvent('CEnd'),
    `<bpmn:intermediateCatchEvent id="Wait">${messageRef('Msg_paid')}</bpmn:intermediateCatchEvent>`,
    endEvent('End'),
    eventSubProcess('ES', esStart('ESStart', messageRef('Msg_cancel')), endEvent('ESEnd'), chain('ESStart', 'ESEnd')),
    chain('Start', 'Gw'),
    flow('F_high', 'Gw', 'High', '=priority <= 2'),
    flow('F_low', 'Gw', 'Low'),
    chain('High', 'Merge'),
    chain('Low', 'Merge'),
    chain('Merge', 'SP', 'Wait', 'End'),
    chain('BT', 'Chase', 'CEnd'),
  ],
  [messageDef('Msg_paid', 'Paid', '=orderId'), messageDef('Msg_cancel', 'Cancel', '=orderId')],
);

describe('the process statechart', () => {
  const env = useEngine();

  test('a state per element, compound subprocesses, a transition per flow, boundary events and event subprocess starts as transitions', async () => {
    const { engine } = env();
    await deployXml(engine, XML);
    const config = (await engine.getMachineConfig('chart:1')) as Record<string, any>;
    expect(config.initial).toBe('Start');
    expect(Object.keys(config.states).sort()).toEqual(['BT', 'CEnd', 'Chase', 'ES', 'End', 'Gw', 'High', 'Low', 'Merge', 'SP', 'Start', 'Wait'].sort());
    expect(config.states.High.description).toBe('Handle high');

    // the exclusive gateway: its condition as guard, the default flow last
    expect(config.states.Gw.on.leave).toEqual([
      {
        target: '#High',
        guard: { type: 'condition', params: { flow: 'F_high', condition: '=priority <= 2' } },
        actions: [{ type: 'take', params: { from: 'Gw', flow: 'F_high', to: 'High' } }],
        description: '=priority <= 2',
      },
      { target: '#Low', guard: { type: 'default', params: { flow: 'F_low' } }, actions: [{ type: 'take', params: { from: 'Gw', flow: 'F_low', to: 'Low' } }] },
    ]);
    // what ends each waiting element names its transitions
    expect(Object.keys(config.states.High.on)).toEqual(['task.completed']);
    expect(Object.keys(config.states.Low.on)).toEqual(['job.completed']);
    expect(Object.keys(config.states.Wait.on)).toEqual(['message.Paid']);
    // the subprocess: a compound state, left when its scope completes; its boundary timer a transition of it
    expect(config.states.SP).toMatchObject({ id: 'SP', initial: 'SStart', meta: { kind: 'subProcess' } });
    expect(Object.keys(config.states.SP.states)).toEqual(['SStart', 'Inner', 'SEnd']);
    expect(config.states.SP.onDone[0].target).toBe('#Wait');
    expect(config.states.SP.on['timer.BT']).toEqual([
      { target: '#BT', actions: [{ type: 'take', params: { from: 'SP', to: 'BT' } }], description: 'non-interrupting: the activity goes on' },
    ]);
    // the event subprocess: a compound state entered by a transition of the process
    expect(config.states.ES).toMatchObject({ initial: 'ESStart', meta: { kind: 'eventSubProcess' } });
    expect(config.on['message.ESStart']).toEqual([{ target: '#ESStart', actions: [{ type: 'take', params: { from: 'chart', to: 'ESStart' } }] }]);
    expect(config.states.End.type).toBe('final');
    expect(config.states.SP.states.SEnd.type).toBe('final');
  });

  test('the served JSON, made a machine by XState, takes the path the engine takes', async () => {
    const { engine } = env();
    await deployXml(engine, XML);
    const config = JSON.parse(JSON.stringify(await engine.getMachineConfig('chart:1')));
    for (const priority of [1, 3]) {
      const inst = await engine.startInstance({ processId: 'chart', variables: { priority, orderId: `o-${priority}` } });
      if (priority === 1) await complete(engine, inst.id, 'High');
      else await engine.completeJob((await activateOne(engine, 'low-work')).key, {}, 'tester');
      await complete(engine, inst.id, 'Inner');
      await engine.publishMessage({ name: 'Paid', correlationKey: `o-${priority}` });
      await engine.idle();
      const engineEntered = (await engine.getHistory(inst.id)).filter((e) => e.type === 'element.activated').map((e) => e.elementId);

      // the same events, through XState's own microsteps on the served JSON (FEEL conditions on the instance's variables)
      const machine = createChartMachine(config);
      let [snapshot] = initialTransition(machine) as [AnyMachineSnapshot, unknown];
      const test = (condition: string): boolean => evaluateExpression(condition, { priority }) === true;
      const entered: string[] = ['Start'];
      let inside: string[] = [];
      const send = (event: ChartEvent) => {
        for (const [step] of getMicrosteps(machine, snapshot, event as never) as [AnyMachineSnapshot, unknown][]) {
          snapshot = step;
          // the states entered: an enclosing (sub)process state once, then the deepest state of the value
          const path: string[] = [];
          for (let v: unknown = step.value; v; v = typeof v === 'object' ? Object.values(v as object)[0] : undefined)
            path.push(typeof v === 'object' ? Object.keys(v as object)[0] : (v as string));
          entered.push(...path.slice(0, -1).filter((s) => !inside.includes(s)), path[path.length - 1]);
          inside = path.slice(0, -1);
        }
      };
      for (const event of [
        { type: 'leave' },
        { type: 'leave', test },
        { type: priority === 1 ? 'task.completed' : 'job.completed' },
        { type: 'leave' },
        { type: 'leave' },
        { type: 'task.completed' },
      ])
        send(event);
      send({ type: 'message.Paid' });
      expect(snapshot.status).toBe('done');
      expect({ priority, path: entered }).toEqual({ priority, path: engineEntered });
    }
  });
});

describe('moves on the chart', () => {
  test('a move no condition decides is asked of XState once; a conditional one evaluates its condition every time', async () => {
    const graph = new ProcessGraph((await parseBpmn(XML)).processes[0]);
    const spy = jest.spyOn(graph.chart.machine, 'transition');
    const leaveHigh = { type: graph.leaveEvent('High') };
    const first = graph.chart.move('High', leaveHigh);
    first[0].to = 'tampered'; // a caller changing its answer does not change the next one
    expect(graph.chart.move('High', leaveHigh)).toEqual([{ to: 'Merge', flow: expect.any(String) }]);
    expect(spy).toHaveBeenCalledTimes(1);
    const tested: string[] = [];
    const test = (condition: string): boolean => {
      tested.push(condition);
      return evaluateExpression(condition, { priority: tested.length }) === true;
    };
    expect(graph.chart.move('Gw', { type: graph.leaveEvent('Gw'), test })[0].to).toBe('High');
    expect(graph.chart.move('Gw', { type: graph.leaveEvent('Gw'), test })[0].to).toBe('High');
    expect(graph.chart.move('Gw', { type: graph.leaveEvent('Gw'), test })[0].to).toBe('Low');
    expect(tested).toEqual(['=priority <= 2', '=priority <= 2', '=priority <= 2']);
    expect(spy).toHaveBeenCalledTimes(4);
  });
});
