/**
 * The rules of engine/runtime/messaging.ts one by one, with exact answers: a message lives one hour
 * unless told otherwise, and one with a time to live of 0 is not kept (unless its messageId must be);
 * a messageId that is still buffered makes a publication a duplicate, delivered nowhere; a buffered
 * message reaches each instance once, on behalf of `engine`; a message without a correlation key is
 * the key ""; a message reaches waiting instances and starts the processes whose message start event
 * it names (never signal starts, never other names), all counted; identity variables never come by
 * message or signal, checked on every target before anything moves; agents reach only what an element
 * opens to them, told exactly what was refused; a signal needs a name and does not come back to the
 * instance that threw it. And what happens when the store fails or an instance moves on in between:
 * a conflict or a vanished instance is passed over, any other failure reaches the sender.
 *
 * Real SQLite. The store is the real one behind a tap that a test may ask to refuse one commit, lose
 * one instance's row or run something right after a subscription lookup (a concurrent command). The
 * clock stands still (test/support/clock.ts): a time to live is tested by moving it, never by sleeping.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Engine, EngineError, openStore, type Store } from '../../engine';
import type { Caller } from '../../engine/runtime/access';
import type { CommitBatch } from '../../engine/store/types';
import { frozenClock, type TestClock } from '../support/clock';
import {
  boundary,
  bpmn,
  catchEvent,
  chain,
  countEvents,
  deployXml,
  endEvent,
  flow,
  gateway,
  messageDef,
  messageRef,
  signalDef,
  signalRef,
  startEvent,
  throwEvent,
  userTask,
} from './helpers';

// ---- the store tap and the engine on it -------------------------------------------------------

interface Tap {
  /** The next commit of `instanceId` throws `error` (the store refuses it). */
  refuseCommit?: { instanceId: string; error: unknown };
  /** Instances whose rows the store has lost: it answers nothing for them. */
  lost: Set<string>;
  /** Runs after a message subscription lookup of `name` found its rows, before they are handed back. */
  afterLookup?: (name: string) => Promise<void>;
}

function tapped(store: Store, tap: Tap): Store {
  return new Proxy(store, {
    get(t, prop) {
      if (prop === 'commit') {
        return async (b: CommitBatch) => {
          const refusal = tap.refuseCommit;
          if (refusal && b.instance.id === refusal.instanceId) {
            tap.refuseCommit = undefined;
            throw refusal.error;
          }
          return t.commit(b);
        };
      }
      if (prop === 'getInstance') return async (id: string) => (tap.lost.has(id) ? undefined : t.getInstance(id));
      if (prop === 'instanceRev') return async (id: string) => (tap.lost.has(id) ? undefined : t.instanceRev(id));
      if (prop === 'findSubscriptions') {
        return async (kind: 'message', name: string, correlationKey: string) => {
          const rows = await t.findSubscriptions(kind, name, correlationKey);
          if (kind === 'message' && tap.afterLookup) await tap.afterLookup(name);
          return rows;
        };
      }
      const value = Reflect.get(t, prop, t) as unknown;
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}

interface Env {
  engine: Engine;
  dir: string;
  time: TestClock;
  tap: Tap;
  /** What the engine reported to onError, as [where, message]. */
  errors: [string, string][];
}

let env: Env;
beforeEach(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-messaging-'));
  const time = frozenClock();
  const tap: Tap = { lost: new Set() };
  const errors: [string, string][] = [];
  const engine = await new Engine({
    store: tapped(openStore({ dataDir: dir }), tap),
    dataDir: dir,
    clock: time.clock,
    checkpointIntervalMs: 0,
    onError: (err, where) => errors.push([where, (err as Error).message]),
  }).start();
  env = { engine, dir, time, tap, errors };
});
afterEach(async () => {
  await env.engine.stop();
  fs.rmSync(env.dir, { recursive: true, force: true });
});

/** Rows of the SQLite file underneath, read (or tampered with) on a connection of the test's own. */
function sqlite<T>(work: (db: Database.Database) => T): T {
  const db = new Database(path.join(env.dir, 'processdesk.sqlite'));
  try {
    return work(db);
  } finally {
    db.close();
  }
}

const bufferedRows = () =>
  sqlite((db) => db.prepare('SELECT name, correlation_key AS correlationKey, message_id AS messageId, published_at AS publishedAt, expires_at AS expiresAt FROM messages').all());

// ---- processes --------------------------------------------------------------------------------

const properties = (pairs: Record<string, string>): string =>
  `<zeebe:properties>${Object.entries(pairs)
    .map(([name, value]) => `<zeebe:property name="${name}" value="${value}" />`)
    .join('')}</zeebe:properties>`;

/** The process of `xml` with processdesk.* properties of its own (identity variables). */
const withPolicy = (xml: string, pairs: Record<string, string>): string =>
  xml.replace('isExecutable="true">', `isExecutable="true"><bpmn:extensionElements>${properties(pairs)}</bpmn:extensionElements>`);

/** A message catch event with extension elements (properties, io mapping). */
const catchWith = (id: string, ref: string, extensions: string): string =>
  `<bpmn:intermediateCatchEvent id="${id}"><bpmn:extensionElements>${extensions}</bpmn:extensionElements>${messageRef(ref)}</bpmn:intermediateCatchEvent>`;

/** Start -> Paid (catches `paid` with key =ticket) -> End */
const PAID = bpmn('paid', [startEvent(), catchEvent('Paid', messageRef('Msg_Paid')), endEvent(), chain('Start', 'Paid', 'End')], [messageDef('Msg_Paid', 'paid', '=ticket')]);
/** Start -> First -> Second -> End, both catching `ping` with key =ticket */
const TWICE = bpmn(
  'twice',
  [startEvent(), catchEvent('First', messageRef('Msg_Ping')), catchEvent('Second', messageRef('Msg_Ping')), endEvent(), chain('Start', 'First', 'Second', 'End')],
  [messageDef('Msg_Ping', 'ping', '=ticket')],
);
/** Start -> Reply (catches `reply` only while waiting, key =ticket) -> End */
const REPLY = bpmn(
  'reply',
  [startEvent(), catchWith('Reply', 'Msg_Reply', properties({ 'processdesk.correlation': 'waiting' })), endEvent(), chain('Start', 'Reply', 'End')],
  [messageDef('Msg_Reply', 'reply', '=ticket')],
);
/** Start -> Fixed (agents may publish `fixed`, key =case; maps fix) -> End */
const VENDOR = bpmn(
  'vendor',
  [
    startEvent(),
    catchWith('Fixed', 'Msg_Fixed', `${properties({ 'processdesk.publishers': 'agent' })}<zeebe:ioMapping><zeebe:output source="=fix" target="vendorFix" /></zeebe:ioMapping>`),
    endEvent(),
    chain('Start', 'Fixed', 'End'),
  ],
  [messageDef('Msg_Fixed', 'fixed', '=case')],
);
/** Start -> Noted (agents may publish `noted`, key =case; maps nothing) -> End */
const NOTE = bpmn(
  'note',
  [startEvent(), catchWith('Noted', 'Msg_Noted', properties({ 'processdesk.publishers': 'agent' })), endEvent(), chain('Start', 'Noted', 'End')],
  [messageDef('Msg_Noted', 'noted', '=case')],
);
/** Started by the message `order`: Placed -> Pack */
const ORDER = bpmn('order', [startEvent('Placed', messageRef('Msg_Order')), userTask('Pack'), chain('Placed', 'Pack')], [messageDef('Msg_Order', 'order')]);
/** Start -> Track (catches `order` with key =ticket) -> End */
const TRACK = bpmn(
  'track',
  [startEvent(), catchEvent('Track', messageRef('Msg_Order')), endEvent(), chain('Start', 'Track', 'End')],
  [messageDef('Msg_Order', 'order', '=ticket')],
);
/** Started by the signal `order` (a signal of the same name as the message) */
const ORDER_SIGNAL = bpmn('orderSignal', [startEvent('Signalled', signalRef('Sig_Order')), userTask('Handle'), chain('Signalled', 'Handle')], [signalDef('Sig_Order', 'order')]);
/** Started by the message `refund` */
const REFUND = bpmn('refund', [startEvent('Refund', messageRef('Msg_Refund')), userTask('Pay'), chain('Refund', 'Pay')], [messageDef('Msg_Refund', 'refund')]);
/** requester holds a user id: never set by a message or a signal */
const IDENTITY = { 'processdesk.identityVariables': 'requester' };
/** Started by the message `request`; requester is an identity variable */
const INTAKE = withPolicy(
  bpmn('intake', [startEvent('Requested', messageRef('Msg_Request')), userTask('Triage'), chain('Requested', 'Triage')], [messageDef('Msg_Request', 'request')]),
  IDENTITY,
);
/** Start -> Follow (catches `request` with key =ticket) -> End; no identity variables */
const FOLLOW = bpmn(
  'follow',
  [startEvent(), catchEvent('Follow', messageRef('Msg_Request')), endEvent(), chain('Start', 'Follow', 'End')],
  [messageDef('Msg_Request', 'request', '=ticket')],
);
/** Start -> Alarm (catches the signal `alarm`) -> End, as `id`. */
const alarmed = (id: string): string =>
  bpmn(id, [startEvent(), catchEvent('Alarm', signalRef('Sig_Alarm')), endEvent(), chain('Start', 'Alarm', 'End')], [signalDef('Sig_Alarm', 'alarm')]);
/** Started by the signal `alarm`; requester is an identity variable */
const ALARM_START = withPolicy(
  bpmn('alarmStart', [startEvent('Raised', signalRef('Sig_Alarm')), userTask('Respond'), chain('Raised', 'Respond')], [signalDef('Sig_Alarm', 'alarm')]),
  IDENTITY,
);
/**
 * Work (with a non-interrupting boundary Heard on the signal `go`) beside Trigger -> Throw (throws
 * `go`) -> End: the instance hears its own signal while Work waits.
 */
const SELF = bpmn(
  'self',
  [
    startEvent(),
    gateway('parallel', 'Fork'),
    userTask('Work'),
    boundary('Heard', 'Work', signalRef('Sig_Go'), false),
    endEvent('HeardEnd'),
    endEvent('WorkEnd'),
    userTask('Trigger'),
    throwEvent('Throw', signalRef('Sig_Go')),
    endEvent(),
    chain('Start', 'Fork'),
    flow('F_Fork_Work', 'Fork', 'Work'),
    flow('F_Fork_Trigger', 'Fork', 'Trigger'),
    chain('Work', 'WorkEnd'),
    chain('Heard', 'HeardEnd'),
    chain('Trigger', 'Throw', 'End'),
  ],
  [signalDef('Sig_Go', 'go')],
);

const agent = (id: string): Caller => ({ id, roles: ['agent'], groups: [] });

async function waiting(processId: string, variables: Record<string, unknown>, actor = 'engine'): Promise<string> {
  const { id } = await env.engine.startInstance({ processId, variables, actor });
  await env.engine.idle();
  return id;
}

const instanceOf = (id: string) => env.engine.getInstance(id);
const instancesOf = async (processId: string) => (await env.engine.listInstances({ processId, limit: 100 })).items;

// ---- time to live, buffering, duplicates -------------------------------------------------------

describe('buffering', () => {
  test('a message lives one hour unless told otherwise: an instance that waits a moment before the hour gets it, one at the hour does not', async () => {
    await deployXml(env.engine, PAID);
    await env.engine.publishMessage({ name: 'paid', correlationKey: 'T-1', variables: { amount: 1 } });
    await env.engine.publishMessage({ name: 'paid', correlationKey: 'T-2', variables: { amount: 2 } });
    env.time.advance(60 * 60 * 1000 - 1);
    const early = await waiting('paid', { ticket: 'T-1' });
    expect(await instanceOf(early)).toMatchObject({ state: 'completed', variables: { ticket: 'T-1', amount: 1 } });
    env.time.advance(1);
    const late = await waiting('paid', { ticket: 'T-2' });
    expect(await instanceOf(late)).toMatchObject({ state: 'active', activeElements: ['Paid'], variables: { ticket: 'T-2' } });
  });

  test('a time to live of 0 keeps nothing, unless the message has a messageId (kept, expired at once)', async () => {
    await deployXml(env.engine, PAID);
    const at = env.time.clock();
    const plain = await env.engine.publishMessage({ name: 'paid', correlationKey: 'T-3', timeToLiveMs: 0 });
    expect(plain).toEqual({ messageKey: expect.any(String), correlated: 0, instances: [], startedInstances: [] });
    expect(bufferedRows()).toEqual([]);
    await env.engine.publishMessage({ name: 'paid', correlationKey: 'T-3', timeToLiveMs: 0, messageId: 'm-0' });
    expect(bufferedRows()).toEqual([{ name: 'paid', correlationKey: 'T-3', messageId: 'm-0', publishedAt: at, expiresAt: at }]);
    const id = await waiting('paid', { ticket: 'T-3' });
    expect((await instanceOf(id)).activeElements).toEqual(['Paid']);
  });

  test('a messageId that is still buffered makes the publication a duplicate, even with a time to live of 0: delivered nowhere', async () => {
    await deployXml(env.engine, PAID);
    const first = await env.engine.publishMessage({ name: 'paid', correlationKey: 'T-4', timeToLiveMs: 60_000, messageId: 'm-1', variables: { amount: 1 } });
    expect(first).toEqual({ messageKey: expect.any(String), correlated: 0, instances: [], startedInstances: [] });
    for (const timeToLiveMs of [60_000, 0]) {
      const again = await env.engine.publishMessage({ name: 'paid', correlationKey: 'T-4', timeToLiveMs, messageId: 'm-1', variables: { amount: 2 } });
      expect(again).toEqual({ messageKey: expect.any(String), correlated: 0, instances: [], startedInstances: [], duplicate: true });
      expect(again.messageKey).not.toBe(first.messageKey);
    }
    expect(bufferedRows()).toHaveLength(1);
    const id = await waiting('paid', { ticket: 'T-4' });
    expect(await instanceOf(id)).toMatchObject({ state: 'completed', variables: { ticket: 'T-4', amount: 1 } });
  });

  test('a buffered message reaches an instance that comes to wait once, on behalf of engine; a second wait for it waits', async () => {
    await deployXml(env.engine, TWICE);
    await env.engine.publishMessage({ name: 'ping', correlationKey: 'T-5', variables: { n: 1 } }, 'alice');
    const id = await waiting('twice', { ticket: 'T-5' });
    expect(await instanceOf(id)).toMatchObject({ state: 'active', activeElements: ['Second'], variables: { ticket: 'T-5', n: 1 } });
    const correlated = (await env.engine.getHistory(id)).filter((e) => e.type === 'message.correlated');
    expect(correlated.map((e) => [e.elementId, e.actor, e.data])).toEqual([['First', 'engine', { waitId: expect.any(String), name: 'ping', variables: { n: 1 } }]]);
    // one published while it waits reaches it on behalf of its publisher
    await env.engine.publishMessage({ name: 'ping', correlationKey: 'T-5', variables: { n: 2 } }, 'bob');
    await env.engine.idle();
    const after = (await env.engine.getHistory(id)).filter((e) => e.type === 'message.correlated');
    expect(after.map((e) => [e.elementId, e.actor])).toEqual([
      ['First', 'engine'],
      ['Second', 'bob'],
    ]);
    expect(await instanceOf(id)).toMatchObject({ state: 'completed', variables: { n: 2 } });
  });

  test('an instance that comes to wait when nothing is buffered waits, and its subscription is handled without error', async () => {
    await deployXml(env.engine, PAID);
    const id = await waiting('paid', { ticket: 'T-6' });
    expect((await instanceOf(id)).activeElements).toEqual(['Paid']);
    expect(env.errors).toEqual([]);
    expect(sqlite((db) => db.prepare('SELECT kind FROM outbox').all())).toEqual([]);
  });

  test('a message without a correlation key is the key "": it reaches an instance whose key is "" now, and later', async () => {
    await deployXml(env.engine, PAID);
    const now = await waiting('paid', { ticket: '' });
    expect(await env.engine.publishMessage({ name: 'paid', variables: { amount: 3 } })).toEqual({
      messageKey: expect.any(String),
      correlated: 1,
      instances: [now],
      startedInstances: [],
    });
    expect(await instanceOf(now)).toMatchObject({ state: 'completed', variables: { amount: 3 } });
    const later = await waiting('paid', { ticket: '' });
    expect(await instanceOf(later)).toMatchObject({ state: 'completed', variables: { amount: 3 } });
  });
});

// ---- messages correlated only while waited for, without a key ----------------------------------

describe('a message correlated only while waited for, without a correlation key', () => {
  test('reaches the one instance waiting with the key ""', async () => {
    await deployXml(env.engine, REPLY);
    const id = await waiting('reply', { ticket: '' });
    expect(await env.engine.publishMessage({ name: 'reply', variables: { answer: 'yes' } })).toEqual({
      messageKey: expect.any(String),
      correlated: 1,
      instances: [id],
      startedInstances: [],
    });
    expect(bufferedRows()).toEqual([]);
  });

  test('with none waiting: refused, naming the key ""', async () => {
    await deployXml(env.engine, REPLY);
    await expect(env.engine.publishMessage({ name: 'reply', variables: { answer: 'yes' } })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'no instance waits for reply with key "" now; reply is correlated only while an instance waits for it, never buffered: nothing was delivered',
    });
  });
});

// ---- message starts ---------------------------------------------------------------------------

describe('message start events', () => {
  test('a message reaches the waiting instance and starts the process it names, counting both; never a signal start or another message', async () => {
    await deployXml(env.engine, ORDER, TRACK, ORDER_SIGNAL, REFUND);
    const tracking = await waiting('track', { ticket: 'O-1' });
    const res = await env.engine.publishMessage({ name: 'order', correlationKey: 'O-1', variables: { item: 'desk' } }, 'alice');
    const [started] = await instancesOf('order');
    expect(res).toEqual({ messageKey: expect.any(String), correlated: 2, instances: [tracking, started.id], startedInstances: [started.id] });
    expect(started).toMatchObject({ businessKey: 'O-1', activeElements: ['Pack'], variables: { item: 'desk' } });
    expect(await instancesOf('orderSignal')).toEqual([]);
    expect(await instancesOf('refund')).toEqual([]);
    // and a message that only starts: counted too
    const refund = await env.engine.publishMessage({ name: 'refund', correlationKey: 'R-1' });
    const [refunding] = await instancesOf('refund');
    expect(refund).toEqual({ messageKey: expect.any(String), correlated: 1, instances: [refunding.id], startedInstances: [refunding.id] });
  });

  test('a signal starts the processes whose signal start it names, never a message start of that name', async () => {
    await deployXml(env.engine, ORDER, ORDER_SIGNAL, REFUND);
    const res = await env.engine.broadcastSignal({ name: 'order' });
    const [started] = await instancesOf('orderSignal');
    expect(res).toEqual({ delivered: 0, startedInstances: [started.id] });
    expect(await instancesOf('order')).toEqual([]);
    expect(await instancesOf('refund')).toEqual([]);
  });

  test('identity variables never start a process by message: refused, nothing started', async () => {
    await deployXml(env.engine, INTAKE);
    await expect(env.engine.publishMessage({ name: 'request', correlationKey: 'R-2', variables: { requester: 'mallory' } })).rejects.toMatchObject({
      code: 'INVALID',
      message: 'requester is an identity variable of this process and cannot be set by a message',
      details: { properties: ['requester'] },
    });
    expect(await instancesOf('intake')).toEqual([]);
  });

  // Checked before anything is delivered or kept, as for signals: a refusal reaches nobody.
  test('a message refused for a start event it names has reached no waiting instance, and is not kept', async () => {
    await deployXml(env.engine, INTAKE, FOLLOW);
    const id = await waiting('follow', { ticket: 'R-3' });
    await expect(env.engine.publishMessage({ name: 'request', correlationKey: 'R-3', variables: { requester: 'mallory' } })).rejects.toMatchObject({ code: 'INVALID' });
    expect(await instanceOf(id)).toMatchObject({ state: 'active', activeElements: ['Follow'], variables: { ticket: 'R-3' } });
    expect(bufferedRows()).toEqual([]);
  });

  test('a buffered message naming identity variables is passed over by an instance that comes to wait; the next one reaches it', async () => {
    await deployXml(env.engine, withPolicy(PAID, IDENTITY));
    await env.engine.publishMessage({ name: 'paid', correlationKey: 'P-1', variables: { requester: 'mallory' }, timeToLiveMs: 60_000 });
    env.time.advance(1);
    await env.engine.publishMessage({ name: 'paid', correlationKey: 'P-1', variables: { amount: 5 }, timeToLiveMs: 60_000 });
    const id = await waiting('paid', { ticket: 'P-1' });
    await env.engine.idle();
    expect(await instanceOf(id)).toMatchObject({ state: 'completed', variables: { ticket: 'P-1', amount: 5 } });
    expect((await instanceOf(id)).variables).not.toHaveProperty('requester');
    expect(env.errors).toEqual([]);
  });
});

// ---- agents ------------------------------------------------------------------------------------

describe("agents' messages", () => {
  test('without a correlation key, an agent reaches an instance of theirs waiting with the key ""', async () => {
    await deployXml(env.engine, VENDOR);
    const id = await waiting('vendor', { case: '' }, 'dave');
    expect(await env.engine.publishMessage({ name: 'fixed', variables: { fix: 'patch' } }, 'engine', agent('dave'))).toEqual({
      messageKey: expect.any(String),
      correlated: 1,
      instances: [id],
      startedInstances: [],
    });
    expect(await instanceOf(id)).toMatchObject({ state: 'completed', variables: { vendorFix: 'patch' } });
  });

  test('without a correlation key and none waiting: a conflict naming the key ""', async () => {
    await deployXml(env.engine, VENDOR);
    await expect(env.engine.publishMessage({ name: 'fixed', variables: { fix: 'patch' } }, 'engine', agent('dave'))).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'no instance dave may act on waits for message fixed with key ""',
    });
    expect(bufferedRows()).toEqual([]);
  });

  test('variables the element does not map are named, all of them, and what it maps', async () => {
    await deployXml(env.engine, VENDOR, NOTE);
    const vendor = await waiting('vendor', { case: 'V-1' }, 'dave');
    await expect(
      env.engine.publishMessage({ name: 'fixed', correlationKey: 'V-1', variables: { fix: 'patch', cost: 3, eta: 'today' } }, 'engine', agent('dave')),
    ).rejects.toMatchObject({
      code: 'INVALID',
      message: 'Fixed does not take cost, eta from a message (it maps fix)',
      details: { properties: ['cost', 'eta'] },
    });
    const note = await waiting('note', { case: 'N-1' }, 'dave');
    await expect(env.engine.publishMessage({ name: 'noted', correlationKey: 'N-1', variables: { remark: 'hi' } }, 'engine', agent('dave'))).rejects.toMatchObject({
      code: 'INVALID',
      message: 'Noted does not take remark from a message (it maps nothing)',
      details: { properties: ['remark'] },
    });
    expect((await instanceOf(vendor)).activeElements).toEqual(['Fixed']);
    expect((await instanceOf(note)).activeElements).toEqual(['Noted']);
  });

  test('a subscription of an element its process does not have is not open to agents: refused, not a crash', async () => {
    await deployXml(env.engine, VENDOR);
    const id = await waiting('vendor', { case: 'V-2' }, 'dave');
    sqlite((db) => db.prepare("UPDATE subscriptions SET element_id = 'Gone' WHERE instance_id = ?").run(id));
    await expect(env.engine.publishMessage({ name: 'fixed', correlationKey: 'V-2', variables: { fix: 'patch' } }, 'engine', agent('dave'))).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: 'agents may not publish fixed to vendor (Gone takes it from workers and admins only)',
    });
    expect((await instanceOf(id)).activeElements).toEqual(['Fixed']);
  });
});

// ---- signals -----------------------------------------------------------------------------------

describe('signals', () => {
  test('a signal needs a name', async () => {
    await deployXml(env.engine, alarmed('open'));
    await expect(env.engine.broadcastSignal({ name: '' })).rejects.toMatchObject({ code: 'INVALID', message: 'a signal needs a name' });
  });

  test('identity variables never come by signal to a waiting instance: refused before any instance moves', async () => {
    await deployXml(env.engine, alarmed('open'), withPolicy(alarmed('guarded'), IDENTITY));
    const open = await waiting('open', {});
    const guarded = await waiting('guarded', {});
    await expect(env.engine.broadcastSignal({ name: 'alarm', variables: { requester: 'mallory' } })).rejects.toMatchObject({
      code: 'INVALID',
      message: 'requester is an identity variable of this process and cannot be set by a signal',
      details: { properties: ['requester'] },
    });
    for (const id of [open, guarded]) expect(await instanceOf(id)).toMatchObject({ state: 'active', activeElements: ['Alarm'], variables: {} });
    expect(await env.engine.broadcastSignal({ name: 'alarm', variables: { level: 2 } })).toEqual({ delivered: 2, startedInstances: [] });
  });

  test('identity variables never start a process by signal: refused before any instance moves', async () => {
    await deployXml(env.engine, alarmed('open'), ALARM_START);
    const open = await waiting('open', {});
    await expect(env.engine.broadcastSignal({ name: 'alarm', variables: { requester: 'mallory' } })).rejects.toMatchObject({
      code: 'INVALID',
      message: 'requester is an identity variable of this process and cannot be set by a signal',
    });
    expect(await instancesOf('alarmStart')).toEqual([]);
    expect(await instanceOf(open)).toMatchObject({ state: 'active', activeElements: ['Alarm'], variables: {} });
  });

  test('a signal an instance throws reaches its own waits once (in its own command), other instances by broadcast', async () => {
    await deployXml(env.engine, SELF);
    const thrower = await waiting('self', {});
    const other = await waiting('self', {});
    const [trigger] = (await env.engine.listTasks({ instanceId: thrower, state: 'created', limit: 10 })).items.filter((t) => t.elementId === 'Trigger');
    await env.engine.completeTask(trigger.id, {}, 'alice');
    await env.engine.idle();
    expect(await countEvents(env.engine, thrower, 'signal.received')).toEqual({ Heard: 1 });
    expect(await countEvents(env.engine, other, 'signal.received')).toEqual({ Heard: 1 });
    expect((await instanceOf(thrower)).activeElements).toEqual(['Work']);
    expect(env.errors).toEqual([]);
  });
});

// ---- when the store fails or the instance moves on ---------------------------------------------

describe('failures in between', () => {
  const refusals: [string, () => unknown][] = [
    ['a failing disk', () => new Error('disk I/O error (refused by the test)')],
    ['an error of a store client that carries the code CONFLICT', () => Object.assign(new Error('driver says CONFLICT'), { code: 'CONFLICT' })],
    ['an engine error other than a conflict', () => new EngineError('INVALID', 'row too large (refused by the test)')],
  ];

  test.each(refusals)('a delivery the store refuses with %s: the publisher gets the error', async (_what, make) => {
    await deployXml(env.engine, PAID);
    const id = await waiting('paid', { ticket: 'F-1' });
    const error = make();
    env.tap.refuseCommit = { instanceId: id, error };
    await expect(env.engine.publishMessage({ name: 'paid', correlationKey: 'F-1', timeToLiveMs: 0 })).rejects.toBe(error);
    expect((await instanceOf(id)).activeElements).toEqual(['Paid']);
  });

  test.each(refusals)('a signal delivery the store refuses with %s: the broadcaster gets the error', async (_what, make) => {
    await deployXml(env.engine, alarmed('open'));
    const id = await waiting('open', {});
    const error = make();
    env.tap.refuseCommit = { instanceId: id, error };
    await expect(env.engine.broadcastSignal({ name: 'alarm' })).rejects.toBe(error);
    expect((await instanceOf(id)).activeElements).toEqual(['Alarm']);
  });

  test('an instance whose row is gone is passed over: the message reaches the other one, the signal too', async () => {
    await deployXml(env.engine, PAID, alarmed('open'));
    const [gone, there] = [await waiting('paid', { ticket: 'F-2' }), await waiting('paid', { ticket: 'F-2' })];
    const [goneToo, thereToo] = [await waiting('open', {}), await waiting('open', {})];
    env.tap.lost.add(gone).add(goneToo);
    expect(await env.engine.publishMessage({ name: 'paid', correlationKey: 'F-2', timeToLiveMs: 0 })).toEqual({
      messageKey: expect.any(String),
      correlated: 1,
      instances: [there],
      startedInstances: [],
    });
    expect(await env.engine.broadcastSignal({ name: 'alarm' })).toEqual({ delivered: 1, startedInstances: [] });
    expect((await instanceOf(thereToo)).state).toBe('completed');
  });

  test('the instance moved on between the lookup and the delivery: not counted, and the message stays buffered for the next', async () => {
    await deployXml(env.engine, PAID);
    const id = await waiting('paid', { ticket: 'F-3' });
    let lookups = 0;
    env.tap.afterLookup = async (name) => {
      // the first lookup is the check of the targets, the second finds whom to deliver to: then it moves on
      if (name === 'paid' && ++lookups === 2) await env.engine.cancelInstance(id, 'carol');
    };
    expect(await env.engine.publishMessage({ name: 'paid', correlationKey: 'F-3', variables: { amount: 4 } })).toEqual({
      messageKey: expect.any(String),
      correlated: 0,
      instances: [],
      startedInstances: [],
    });
    expect((await instanceOf(id)).state).toBe('terminated');
    const next = await waiting('paid', { ticket: 'F-3' });
    expect(await instanceOf(next)).toMatchObject({ state: 'completed', variables: { amount: 4 } });
  });

  test('a message correlated only while waited for, whose one waiting instance moved on before the delivery: refused, nothing delivered', async () => {
    await deployXml(env.engine, REPLY);
    const id = await waiting('reply', { ticket: 'F-4' });
    let lookups = 0;
    env.tap.afterLookup = async (name) => {
      // the first lookup is the check (one instance waits); the instance moves on right after the second
      if (name === 'reply' && ++lookups === 2) await env.engine.cancelInstance(id, 'carol');
    };
    await expect(env.engine.publishMessage({ name: 'reply', correlationKey: 'F-4', variables: { answer: 'late' } })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'no instance waits for reply with key "F-4" now; reply is correlated only while an instance waits for it, never buffered: nothing was delivered',
    });
    expect(await instanceOf(id)).toMatchObject({ state: 'terminated', variables: { ticket: 'F-4' } });
  });
});
