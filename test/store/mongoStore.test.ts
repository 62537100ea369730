/**
 * The MongoDB store. With MONGODB_URL set, the full Store contract runs against that server (each
 * test on its own collection prefix, dropped afterwards). Without it (no MongoDB can be installed on
 * these machines) the contract is reported as skipped, and only the server-less tests below run:
 * schema validation (`validateSync`) and row <-> document mapping.
 */
import mongoose from 'mongoose';
import { MongoStore } from '../../engine/store/mongo/mongoStore';
import { pendingWrites } from '../../engine/store/mongo/mongoStore';
import { fromDoc, historyId, toDoc, type CollectionName } from '../../engine/store/mongo/mapping';
import { models, SCHEMAS } from '../../engine/store/mongo/schemas';
import { openStore } from '../../engine/store';
import * as f from './factories';
import { T0 } from './factories';
import { storeContract } from './storeContract';
import { slaRecordsContract } from './slaRecordsContract';
import { externalKeysContract } from './externalKeysContract';
import { taskDeskContract } from './taskDeskContract';
import { ticketContract } from './ticketContract';

const MONGODB_URL = process.env.MONGODB_URL;

if (MONGODB_URL) {
  let n = 0;
  let prefix = '';
  const makeStore = async () => {
    prefix = `pdtest_${process.pid}_${n++}_`;
    return new MongoStore({ url: MONGODB_URL, prefix });
  };
  const dropCollections = async () => {
    const conn = await mongoose.createConnection(MONGODB_URL).asPromise();
    for (const c of await conn.db!.listCollections({ name: { $regex: `^${prefix}` } }).toArray()) await conn.db!.dropCollection(c.name);
    await conn.close();
  };
  const label = `mongodb (${MONGODB_URL.replace(/\/\/[^@]*@/, '//***@')})`;
  storeContract(label, makeStore, dropCollections);
  taskDeskContract(label, makeStore, dropCollections);
  ticketContract(
    label,
    async () => {
      prefix = `pdtest_${process.pid}_${n++}_`;
      const mine = prefix;
      return () => new MongoStore({ url: MONGODB_URL, prefix: mine });
    },
    dropCollections,
  );
  slaRecordsContract(label, makeStore, dropCollections);
  externalKeysContract(
    label,
    async () => {
      const store = await makeStore();
      const samePrefix = prefix;
      return { store, reopen: () => new MongoStore({ url: MONGODB_URL, prefix: samePrefix }) };
    },
    dropCollections,
  );
} else {
  describe('Store contract: mongodb - skipped: MONGODB_URL not set', () => {
    beforeAll(() => {
      console.warn('[processdesk] MongoDB store contract SKIPPED: MONGODB_URL is not set (no MongoDB server here). Set MONGODB_URL=mongodb://... to run it.');
    });
    test.skip('the Store contract suite (needs a MongoDB server: set MONGODB_URL)', () => undefined);
  });
}

describe('MongoDB store without a server: schemas and mapping', () => {
  const m = models(new mongoose.Mongoose(), 'pdunit_');
  /** Mongoose validation without a server (validate() is validateSync's non-deprecated form in mongoose 9). */
  const validation = async (name: CollectionName, doc: Record<string, unknown>) =>
    new m[name](doc).validate().then(
      () => undefined,
      (err: mongoose.Error.ValidationError) => err,
    );

  const rows: { [K in CollectionName]: unknown } = {
    definitions: f.definition('incident', 3),
    resources: f.resource('form:incident-log'),
    instances: f.instance('i1', {
      parentInstanceId: 'p1',
      parentWaitId: 'p1/w',
      endedAt: T0 + 5,
      startedBy: 'alice',
      head: { seq: 3, hash: 'c'.repeat(64), seal: 'c2lnbmF0dXJl', keyId: 'k1' },
    }),
    tasks: f.task('t1', 'i1', { assignee: 'alice', dueDate: T0 + 1000, excludedUsers: [{ user: 'bob', role: 'requester' }], subject: 'INC-1: VPN down' }),
    jobs: f.job('j1', 'i1', { worker: 'w1', lockExpiresAt: T0 + 30_000, notBefore: T0 }),
    timers: f.startTimer('nightly@1', 'nightly:1', { repeat: { remaining: -1, cron: '0 2 * * *' } }),
    subscriptions: f.subscription('s1', 'i1'),
    messages: f.message('m1', { messageId: 'client-1' }),
    incidents: f.incident('inc1', 'i1'),
    history: f.event('i1', 7),
    outbox: f.outbox('o1'),
    drafts: f.draft('owner', 'laptop', { forms: [{ name: 'laptop.form', content: '{"id":"laptop"}' }] }),
    checkpoints: { seq: 4, at: T0, heads: [{ instanceId: 'i1', seq: 3, hash: 'c'.repeat(64) }], prevHash: 'b'.repeat(64), hash: 'd'.repeat(64), signature: 'c2ln', keyId: 'k1' },
    sla_records: f.slaRecord('i1', 'resolution', { status: 'breached', pausedSeconds: 120 }),
    task_views: { id: 'v1', owner: 'alice', name: 'Mine', query: { assignee: 'alice', sort: 'dueDate' }, createdAt: T0 },
    external_keys: { key: 42, kind: 'instance', id: 'i1' },
    attachments: {
      id: 'a1',
      taskId: 't1',
      instanceId: 'i1',
      name: 'log.txt',
      contentType: 'text/plain',
      size: 2,
      sha256: 'e'.repeat(64),
      content: 'aGk=',
      uploadedBy: 'alice',
      uploadedAt: T0,
    },
    links: { id: 'i1>i2', fromId: 'i1', toId: 'i2', kind: 'raised', createdAt: T0, createdBy: 'alice' },
  };

  test.each(Object.keys(rows) as CollectionName[])('%s: a row maps to a valid document and back unchanged', async (name) => {
    const row = rows[name];
    const doc = toDoc(name, row as never, name === 'outbox' ? { _seq: new mongoose.Types.ObjectId() } : { _rev: 2 });
    if (name === 'history') delete (doc as Record<string, unknown>)._rev;
    expect(await validation(name, doc)).toBeUndefined();
    expect(fromDoc(name, JSON.parse(JSON.stringify({ ...doc, _seq: undefined })))).toEqual(row);
  });

  test('optional fields are left out of documents and rows; JSON fields are strings', () => {
    const inst = f.instance('i2', { businessKey: undefined, variables: { 'a.b': 1, $where: 'x' } });
    const doc = toDoc('instances', inst);
    expect('businessKey' in doc).toBe(false);
    expect(typeof doc.snapshot).toBe('string');
    expect(typeof doc.variables).toBe('string');
    expect(doc._id).toBe('i2');
    expect('id' in doc).toBe(false);
    const back = fromDoc('instances', { ...doc, businessKey: null, _pending: { rev: 3 }, _pendingRev: 3, __v: 0 });
    expect(back).toEqual(inst);
    expect('businessKey' in back).toBe(false);
  });

  test('history ids sort by sequence number', () => {
    expect(historyId('i1', 9) < historyId('i1', 10)).toBe(true);
    expect(toDoc('history', f.event('i1', 10))._id).toBe(historyId('i1', 10));
  });

  test('schemas reject invalid documents', async () => {
    const bad = validation;
    expect((await bad('instances', { ...toDoc('instances', f.instance('i3')), state: 'sleeping' }))?.errors.state).toBeDefined();
    expect((await bad('instances', { ...toDoc('instances', f.instance('i3')), rev: 0 }))?.errors.rev).toBeDefined();
    const { processId: _p, ...noProcess } = toDoc('tasks', f.task('t2', 'i1'));
    expect((await bad('tasks', noProcess))?.errors.processId).toBeDefined();
    expect((await bad('jobs', { ...toDoc('jobs', f.job('j2', 'i1')), retries: 'three' }))?.errors.retries).toBeDefined();
    expect((await bad('timers', { ...toDoc('timers', f.timer('tm')), state: 'armed' }))?.errors.state).toBeDefined();
    expect((await bad('history', { ...toDoc('history', f.event('i1', 1)), seq: 0 }))?.errors.seq).toBeDefined();
    expect((await bad('incidents', { ...toDoc('incidents', f.incident('x', 'i1')), type: 'oops' }))?.errors.type).toBeDefined();
    expect(() => new m.tasks({ ...toDoc('tasks', f.task('t3', 'i1')), surprise: 1 })).toThrow(/surprise/);
  });

  test('indexes exist for every query the store runs', () => {
    const keys = (name: keyof typeof SCHEMAS) => SCHEMAS[name].indexes().map(([k]) => Object.keys(k).join(','));
    expect(keys('instances')).toEqual(expect.arrayContaining(['processId,state,startedAt,_id', 'startedAt,_id']));
    expect(keys('tasks')).toEqual(expect.arrayContaining(['candidateGroups,state,createdAt,_id', 'assignee,state,createdAt,_id']));
    expect(keys('jobs')).toContain('type,state,createdAt,_id');
    expect(keys('timers')).toContain('state,dueAt,_id');
    expect(keys('history')).toContain('instanceId,seq');
    expect(keys('outbox')).toContain('createdAt,_seq');
    expect(SCHEMAS.definitions.indexes().find(([k]) => 'processId' in k)?.[1]).toMatchObject({ unique: true });
  });

  test('a commit batch becomes pending writes stamped with the new revision, outbox with an ordering key', () => {
    const inst = f.instance('i4', { rev: 3 });
    const w = pendingWrites(
      f.nextBatch(inst, 2, [f.event('i4', 5)], {
        tasks: { upsert: [f.task('t4', 'i4')] },
        subscriptions: { insert: [f.subscription('s4', 'i4')], deleteIds: ['s-old'] },
        consumedMessages: ['m9'],
        outbox: [f.outbox('o4'), f.outbox('o5')],
      }),
    );
    expect(w.rev).toBe(3);
    expect(w.tasks[0]._rev).toBe(3);
    expect(w.history[0]._id).toBe(historyId('i4', 5));
    expect(w.subscriptionsDelete).toEqual(['s-old']);
    expect(w.consumed).toEqual([{ _id: '["m9","i4"]', messageId: 'm9', instanceId: 'i4' }]);
    expect(String(w.outbox[0]._seq) < String(w.outbox[1]._seq)).toBe(true);
  });

  test('openStore picks MongoDB when a URL is given (nothing connects before init)', () => {
    expect(openStore({ mongodbUrl: 'mongodb://127.0.0.1:1/none' })).toBeInstanceOf(MongoStore);
  });
});
