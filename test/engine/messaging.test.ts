/**
 * Publishing rules of engine/runtime/messaging.ts that the journeys reach only through the ITSM
 * processes: a message an element takes only while an instance waits for it
 * (`processdesk.correlation = waiting`) reaches exactly one waiting instance or nothing, with the reason
 * in words; such a message takes no time to live and no messageId; any message's time to live is
 * bounded; a message needs a name. Each refusal leaves every instance as it was.
 */
import { bpmn, catchEvent, chain, deployXml, endEvent, messageDef, messageRef, startEvent, useEngine, userTask } from './helpers';

const WAITING_ONLY = `<bpmn:extensionElements><zeebe:properties><zeebe:property name="processdesk.correlation" value="waiting" /></zeebe:properties></bpmn:extensionElements>`;

/** Start -> Work (user task) -> Reply (catches `reply` only while waiting) -> End */
const REPLY = bpmn(
  'reply',
  [
    startEvent(),
    userTask('Work'),
    `<bpmn:intermediateCatchEvent id="Reply">${WAITING_ONLY}${messageRef('Msg_Reply')}</bpmn:intermediateCatchEvent>`,
    endEvent(),
    chain('Start', 'Work', 'Reply', 'End'),
  ],
  [messageDef('Msg_Reply', 'reply', '=ticket')],
);
/** The same wait for `paid`, buffered as usual. */
const PAID = bpmn('paid', [startEvent(), catchEvent('Paid', messageRef('Msg_Paid')), endEvent(), chain('Start', 'Paid', 'End')], [messageDef('Msg_Paid', 'paid', '=ticket')]);

describe('messages correlated only while an instance waits for them', () => {
  const env = useEngine();

  async function atReply(ticket: string): Promise<string> {
    const { engine } = env();
    const { id } = await engine.startInstance({ processId: 'reply', variables: { ticket } });
    const [work] = (await engine.listTasks({ instanceId: id, limit: 1 })).items;
    await engine.completeTask(work.id, {}, 'alice');
    return id;
  }

  test('reaches the one waiting instance', async () => {
    const { engine } = env();
    await deployXml(engine, REPLY);
    const id = await atReply('T-1');
    const res = await engine.publishMessage({ name: 'reply', correlationKey: 'T-1', variables: { answer: 'yes' } });
    expect(res).toMatchObject({ correlated: 1, instances: [id], startedInstances: [] });
    expect(await engine.getInstance(id)).toMatchObject({ state: 'completed', variables: { answer: 'yes' } });
  });

  test('published before anyone waits: refused with the reason, and not kept for later', async () => {
    const { engine } = env();
    await deployXml(engine, REPLY);
    const { id } = await engine.startInstance({ processId: 'reply', variables: { ticket: 'T-1' } });
    await expect(engine.publishMessage({ name: 'reply', correlationKey: 'T-1', variables: { answer: 'early' } })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'no instance waits for reply with key "T-1" now; reply is correlated only while an instance waits for it, never buffered: nothing was delivered',
    });
    const [work] = (await engine.listTasks({ instanceId: id, limit: 1 })).items;
    await engine.completeTask(work.id, {}, 'alice');
    await engine.idle();
    const instance = await engine.getInstance(id);
    expect(instance.activeElements).toEqual(['Reply']);
    expect(instance.variables).not.toHaveProperty('answer');
  });

  test('two instances waiting with the same key: refused, neither reached', async () => {
    const { engine } = env();
    await deployXml(engine, REPLY);
    const ids = [await atReply('T-2'), await atReply('T-2')];
    await expect(engine.publishMessage({ name: 'reply', correlationKey: 'T-2', variables: { answer: 'which?' } })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: '2 instances wait for reply with key "T-2": it reaches exactly one; reply is correlated only while an instance waits for it, never buffered: nothing was delivered',
    });
    for (const id of ids) expect((await engine.getInstance(id)).activeElements).toEqual(['Reply']);
  });

  test('no time to live and no messageId for such a message', async () => {
    const { engine } = env();
    await deployXml(engine, REPLY);
    const id = await atReply('T-3');
    await expect(engine.publishMessage({ name: 'reply', correlationKey: 'T-3', timeToLiveMs: 60_000 })).rejects.toMatchObject({
      code: 'INVALID',
      message: 'reply is correlated only while an instance waits for it (processdesk.correlation): no timeToLive',
    });
    await expect(engine.publishMessage({ name: 'reply', correlationKey: 'T-3', messageId: 'm-1' })).rejects.toMatchObject({
      code: 'INVALID',
      message: 'reply is never buffered, so no messageId is kept for it: retry safely with the Idempotency-Key header',
    });
    expect((await engine.getInstance(id)).activeElements).toEqual(['Reply']);
  });

  test('other messages are still buffered beside it', async () => {
    const { engine } = env();
    await deployXml(engine, REPLY, PAID);
    const early = await engine.publishMessage({ name: 'paid', correlationKey: 'T-4', timeToLiveMs: 60_000 });
    expect(early).toMatchObject({ correlated: 0, instances: [] });
    const { id } = await engine.startInstance({ processId: 'paid', variables: { ticket: 'T-4' } });
    await engine.idle();
    expect((await engine.getInstance(id)).state).toBe('completed');
  });
});

describe('any message', () => {
  const env = useEngine();

  test('needs a name, and lives at most maxMessageTtlMs (7 days by default); nothing is kept when refused', async () => {
    const { engine } = env();
    await deployXml(engine, PAID);
    await expect(engine.publishMessage({ name: '', correlationKey: 'T-5' })).rejects.toMatchObject({ code: 'INVALID', message: 'a message needs a name' });
    const week = 7 * 24 * 60 * 60 * 1000;
    await expect(engine.publishMessage({ name: 'paid', correlationKey: 'T-5', timeToLiveMs: week + 1 })).rejects.toMatchObject({
      code: 'INVALID',
      message: `a message lives at most ${week} ms (maxMessageTtlMs), not ${week + 1}`,
    });
    // nothing of the refused ones was kept: an instance that comes to wait finds no message
    const { id } = await engine.startInstance({ processId: 'paid', variables: { ticket: 'T-5' } });
    await engine.idle();
    expect((await engine.getInstance(id)).activeElements).toEqual(['Paid']);
    await expect(engine.publishMessage({ name: 'paid', correlationKey: 'T-5', timeToLiveMs: week })).resolves.toMatchObject({ correlated: 1, instances: [id] });
  });
});
