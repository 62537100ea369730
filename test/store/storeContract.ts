/**
 * The Store contract: every adapter (embedded SQLite, PostgreSQL, MongoDB) must pass this suite.
 *
 * Usage, in an adapter's test file:
 *   storeContract('sqlite', async () => new SqliteStore({ file: tmpFile() }), async () => removeTmp());
 *
 * `makeStore` returns a fresh, EMPTY store for each test (not necessarily initialised: the suite calls
 * `init()`, twice, to check that it is idempotent). After each test the suite closes the store and
 * then calls `cleanup` if given.
 */
import { ConflictError, type CheckpointHead, type CheckpointRow, type Store, type TaskQuery, type TaskRow } from '../../engine/store/types';
import * as f from './factories';
import { T0 } from './factories';

async function allTaskPages(store: Store, q: TaskQuery): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await store.listTasks({ ...q, cursor });
    ids.push(...page.items.map((t) => t.id));
    cursor = page.next;
    pages++;
    if (pages > 1000) throw new Error('paging does not terminate');
  } while (cursor);
  return { ids, pages };
}

const byCreatedThenId = (a: TaskRow, b: TaskRow) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function storeContract(name: string, makeStore: () => Promise<Store>, cleanup?: () => Promise<void>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await makeStore();
      await store.init();
      await store.init();
    });

    afterEach(async () => {
      await store.close();
      await cleanup?.();
    });

    test('ping answers', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    describe('definitions and resources', () => {
      test('saves definitions and finds the latest version of each process', async () => {
        await store.saveDefinitions([f.definition('incident', 1), f.definition('change', 1)], [f.resource('form:incident-log')]);
        await store.saveDefinitions([f.definition('incident', 2)], []);
        expect(await store.getDefinition('incident:1')).toEqual(f.definition('incident', 1));
        expect(await store.getDefinition('incident:9')).toBeUndefined();
        expect((await store.getLatestDefinition('incident'))?.version).toBe(2);
        expect(await store.getLatestDefinition('unknown')).toBeUndefined();
        const latest = (await store.listLatestDefinitions()).map((d) => d.key).sort();
        expect(latest).toEqual(['change:1', 'incident:2']);
      });

      test('upserts resources by id and lists them by kind', async () => {
        await store.saveDefinitions([], [f.resource('form:incident-log'), f.resource('dmn:priority-matrix')]);
        await store.saveDefinitions([], [f.resource('form:incident-log', { content: '{"v":2}', deploymentId: 'dep-2' })]);
        expect(await store.getResource('form:incident-log')).toEqual(f.resource('form:incident-log', { content: '{"v":2}', deploymentId: 'dep-2' }));
        expect((await store.listResources('form')).map((r) => r.id)).toEqual(['form:incident-log']);
        expect((await store.listResources()).map((r) => r.id).sort()).toEqual(['dmn:priority-matrix', 'form:incident-log']);
        expect(await store.getResource('form:nope')).toBeUndefined();
      });

      test('keeps who deployed a definition or resource and who owns it; rows without them read back without them', async () => {
        const owned = f.definition('incident', 1, { deployedBy: 'ann', owners: ['ann', 'group:itsm-owners'] });
        const form = f.resource('form:incident-log', { deployedBy: 'system', owners: [] });
        await store.saveDefinitions([owned, f.definition('change', 1)], [form]);
        expect(await store.getDefinition('incident:1')).toEqual(owned);
        expect(await store.getResource('form:incident-log')).toEqual(form);
        const legacy = await store.getDefinition('change:1');
        expect(legacy).toEqual(f.definition('change', 1));
        expect(legacy).not.toHaveProperty('owners');
      });

      test('refuses an existing process version with ConflictError and saves nothing of that call', async () => {
        await store.saveDefinitions([f.definition('incident', 1)], []);
        await expect(store.saveDefinitions([f.definition('change', 1), f.definition('incident', 1, { deploymentId: 'x' })], [f.resource('form:x')])).rejects.toBeInstanceOf(
          ConflictError,
        );
        expect(await store.getDefinition('change:1')).toBeUndefined();
        expect(await store.getResource('form:x')).toBeUndefined();
        expect((await store.getDefinition('incident:1'))?.deploymentId).toBe('dep-incident-1');
      });
    });

    describe('commit', () => {
      test('inserts a new instance with its history and reads it back', async () => {
        const inst = f.instance('i1', { parentInstanceId: 'p1', parentWaitId: 'p1/call/1' });
        await store.commit(f.startBatch(inst));
        expect(await store.getInstance('i1')).toEqual(inst);
        expect(await store.getInstance('nope')).toBeUndefined();
        expect(await store.getHistory('i1')).toEqual([f.event('i1', 1)]);
      });

      test('keeps optional instance fields absent', async () => {
        const inst = f.instance('i1', { businessKey: undefined, snapshot: null, variables: {}, activeElements: [] });
        delete inst.businessKey;
        await store.commit(f.startBatch(inst));
        const read = await store.getInstance('i1');
        expect(read).toEqual(inst);
        expect(read?.businessKey).toBeUndefined();
        expect(read?.snapshot).toBeNull();
      });

      test('applies every kind of row in one batch', async () => {
        const inst = f.instance('i1');
        await store.commit(
          f.startBatch(inst, {
            tasks: { upsert: [f.task('t1', 'i1'), f.task('t2', 'i1', { excludedUsers: [{ user: 'bob', role: 'requester' }], subject: 'INC-1: VPN down' })] },
            jobs: { upsert: [f.job('j1', 'i1')] },
            timers: { upsert: [f.timer('tm1', { instanceId: 'i1' })] },
            subscriptions: { insert: [f.subscription('s1', 'i1')] },
            incidents: { upsert: [f.incident('inc1', 'i1')] },
            outbox: [f.outbox('o1')],
          }),
        );
        expect(await store.getTask('t1')).toEqual(f.task('t1', 'i1'));
        expect(await store.getTask('t2')).toEqual(f.task('t2', 'i1', { excludedUsers: [{ user: 'bob', role: 'requester' }], subject: 'INC-1: VPN down' }));
        expect(await store.getJob('j1')).toEqual(f.job('j1', 'i1'));
        expect(await store.getTimer('tm1')).toEqual(f.timer('tm1', { instanceId: 'i1' }));
        expect(await store.findSubscriptions('message', 'customer-replied', 'INC-i1')).toEqual([f.subscription('s1', 'i1')]);
        expect(await store.getIncident('inc1')).toEqual(f.incident('inc1', 'i1'));
        expect(await store.pendingOutbox(10)).toEqual([f.outbox('o1')]);
      });

      test('updates with the expected rev and stores the new rev', async () => {
        const inst = f.instance('i1');
        await store.commit(f.startBatch(inst));
        const moved = { ...inst, state: 'completed' as const, activeElements: [], endedAt: T0 + 5000, variables: { done: true } };
        await store.commit(f.nextBatch(moved, 1, [f.event('i1', 2), f.event('i1', 3, { type: 'instance.completed' })]));
        expect(await store.getInstance('i1')).toEqual({ ...moved, rev: 2 });
        expect((await store.getHistory('i1')).map((e) => e.seq)).toEqual([1, 2, 3]);
      });

      test('instanceRev answers the stored revision alone, undefined for an unknown instance', async () => {
        expect(await store.instanceRev('i1')).toBeUndefined();
        const inst = f.instance('i1');
        await store.commit(f.startBatch(inst));
        expect(await store.instanceRev('i1')).toBe(1);
        await store.commit(f.nextBatch({ ...inst, state: 'completed' as const }, 1, [f.event('i1', 2)]));
        expect(await store.instanceRev('i1')).toBe(2);
        expect(await store.instanceRev('i2')).toBeUndefined();
      });

      test('an update may move the instance to another version of its process (a migration)', async () => {
        const inst = f.instance('i1');
        await store.commit(f.startBatch(inst));
        const migrated = { ...inst, version: inst.version + 1, definitionKey: `${inst.processId}:${inst.version + 1}` };
        await store.commit(f.nextBatch(migrated, 1, [f.event('i1', 2, { type: 'instance.migrated' })]));
        expect(await store.getInstance('i1')).toEqual({ ...migrated, rev: 2 });
      });

      test('refuses inserting an instance id that exists, writing nothing of the batch', async () => {
        await store.commit(f.startBatch(f.instance('i1')));
        const err = await store
          .commit(
            f.startBatch(f.instance('i1', { state: 'terminated' }), {
              history: [f.event('i1', 2)],
              tasks: { upsert: [f.task('t9', 'i1')] },
              outbox: [f.outbox('o9')],
            }),
          )
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ConflictError);
        expect((await store.getInstance('i1'))?.state).toBe('active');
        expect(await store.getHistory('i1')).toHaveLength(1);
        expect(await store.getTask('t9')).toBeUndefined();
        expect(await store.pendingOutbox(10)).toEqual([]);
      });

      test('refuses a stale rev with ConflictError and writes nothing of the failed batch', async () => {
        const inst = f.instance('i1');
        await store.commit(f.startBatch(inst));
        await store.commit(f.nextBatch(inst, 1, [f.event('i1', 2)]));
        const stale = f.nextBatch({ ...inst, state: 'terminated' }, 1, [f.event('i1', 3)], {
          tasks: { upsert: [f.task('t1', 'i1')] },
          jobs: { upsert: [f.job('j1', 'i1')] },
          timers: { upsert: [f.timer('tm1')] },
          subscriptions: { insert: [f.subscription('s1', 'i1')] },
          incidents: { upsert: [f.incident('inc1', 'i1')] },
          consumedMessages: ['m1'],
          outbox: [f.outbox('o1')],
        });
        await expect(store.commit(stale)).rejects.toBeInstanceOf(ConflictError);
        expect(await store.getInstance('i1')).toEqual({ ...inst, rev: 2 });
        expect((await store.getHistory('i1')).map((e) => e.seq)).toEqual([1, 2]);
        expect(await store.getTask('t1')).toBeUndefined();
        expect(await store.getJob('j1')).toBeUndefined();
        expect(await store.getTimer('tm1')).toBeUndefined();
        expect(await store.findSubscriptions('message', 'customer-replied', 'INC-i1')).toEqual([]);
        expect(await store.getIncident('inc1')).toBeUndefined();
        expect(await store.pendingOutbox(10)).toEqual([]);
        await store.bufferMessage(f.message('m1'));
        expect(await store.findBufferedMessages('customer-replied', 'INC-1', 'i1', T0)).toHaveLength(1);
      });

      test('refuses an update of an instance that does not exist', async () => {
        await expect(store.commit(f.nextBatch(f.instance('ghost'), 1, []))).rejects.toBeInstanceOf(ConflictError);
        expect(await store.getInstance('ghost')).toBeUndefined();
      });

      test('refuses a batch whose rev is not expectedRev + 1', async () => {
        const inst = f.instance('i1');
        await store.commit(f.startBatch(inst));
        await expect(store.commit({ instance: { ...inst, rev: 1 }, expectedRev: 1, history: [] })).rejects.toThrow();
        expect((await store.getInstance('i1'))?.rev).toBe(1);
      });

      test('a duplicate history seq fails the whole batch', async () => {
        const inst = f.instance('i1');
        await store.commit(f.startBatch(inst));
        const dup = f.nextBatch({ ...inst, state: 'completed' }, 1, [f.event('i1', 2), f.event('i1', 1, { hash: 'forged' })], {
          tasks: { upsert: [f.task('t1', 'i1')] },
          outbox: [f.outbox('o1')],
        });
        await expect(store.commit(dup)).rejects.toThrow();
        expect(await store.getInstance('i1')).toEqual(inst);
        expect(await store.getHistory('i1')).toEqual([f.event('i1', 1)]);
        expect(await store.getTask('t1')).toBeUndefined();
        expect(await store.pendingOutbox(10)).toEqual([]);

        const dupInBatch = f.nextBatch(inst, 1, [f.event('i1', 2), f.event('i1', 2)]);
        await expect(store.commit(dupInBatch)).rejects.toThrow();
        expect((await store.getInstance('i1'))?.rev).toBe(1);
        expect(await store.getHistory('i1')).toHaveLength(1);
        // and the instance can still move on afterwards
        await store.commit(f.nextBatch(inst, 1, [f.event('i1', 2)]));
        expect((await store.getHistory('i1')).map((e) => e.seq)).toEqual([1, 2]);
      });

      test('history comes back ordered by seq, per instance', async () => {
        await store.commit(f.startBatch(f.instance('i1'), { history: [f.event('i1', 3), f.event('i1', 1), f.event('i1', 2)] }));
        await store.commit(f.startBatch(f.instance('i2')));
        expect((await store.getHistory('i1')).map((e) => e.seq)).toEqual([1, 2, 3]);
        expect(await store.getHistory('i2')).toEqual([f.event('i2', 1)]);
        expect(await store.getHistory('nope')).toEqual([]);
      });
    });

    describe('listInstances', () => {
      beforeEach(async () => {
        const rows = [
          f.instance('a', { startedAt: T0 + 1 }),
          f.instance('b', { startedAt: T0 + 1, state: 'completed', endedAt: T0 + 9 }),
          f.instance('c', { startedAt: T0 + 2, processId: 'change', definitionKey: 'change:1' }),
          f.instance('d', { startedAt: T0, businessKey: 'CHG-7', processId: 'change', definitionKey: 'change:1' }),
          f.instance('e', { startedAt: T0 + 3, parentInstanceId: 'c', parentWaitId: 'c/call/1' }),
          f.instance('f', { startedAt: T0 + 3, state: 'incident' }),
          f.instance('g', { startedAt: T0 + 4, parentInstanceId: 'c', parentWaitId: 'c/call/2' }),
        ];
        for (const r of rows) await store.commit(f.startBatch(r));
      });

      test('filters by process, state, business key and parent', async () => {
        const ids = async (q: Parameters<Store['listInstances']>[0]) => (await store.listInstances(q)).items.map((i) => i.id);
        expect(await ids({})).toEqual(['d', 'a', 'b', 'c', 'e', 'f', 'g']);
        expect(await ids({ processId: 'change' })).toEqual(['d', 'c']);
        expect(await ids({ state: 'completed' })).toEqual(['b']);
        expect(await ids({ state: 'active', processId: 'incident' })).toEqual(['a', 'e', 'g']);
        expect(await ids({ businessKey: 'CHG-7' })).toEqual(['d']);
        expect(await ids({ parentInstanceId: 'c' })).toEqual(['e', 'g']);
        expect(await ids({ processId: 'nope' })).toEqual([]);
      });

      test('visibleTo: started by the user, a task of theirs or of their groups (any state), or a granted process', async () => {
        const ids = async (q: Parameters<Store['listInstances']>[0]) => (await store.listInstances(q)).items.map((i) => i.id);
        await store.commit(
          f.nextBatch(f.instance('a', { startedAt: T0 + 1 }), 1, [f.event('a', 2)], { tasks: { upsert: [f.task('ta', 'a', { assignee: 'dana', state: 'completed' })] } }),
        );
        await store.commit(
          f.nextBatch(f.instance('b', { startedAt: T0 + 1, state: 'completed', endedAt: T0 + 9 }), 1, [f.event('b', 2)], {
            tasks: { upsert: [f.task('tb', 'b', { candidateGroups: ['network'], candidateUsers: [] })] },
          }),
        );
        await store.commit(
          f.nextBatch(f.instance('e', { startedAt: T0 + 3, parentInstanceId: 'c', parentWaitId: 'c/call/1' }), 1, [f.event('e', 2)], {
            tasks: { upsert: [f.task('te', 'e', { candidateGroups: [], candidateUsers: ['dana'] })] },
          }),
        );
        await store.commit(f.startBatch(f.instance('h', { startedAt: T0 + 5, startedBy: 'dana' })));
        await store.commit(f.startBatch(f.instance('i', { startedAt: T0 + 6, startedBy: 'erin', processId: 'problem', definitionKey: 'problem:1' })));
        expect(await ids({ visibleTo: { user: 'dana', groups: [], processIds: [] } })).toEqual(['a', 'e', 'h']);
        expect(await ids({ visibleTo: { user: 'dana', groups: ['network'], processIds: ['problem'] } })).toEqual(['a', 'b', 'e', 'h', 'i']);
        expect(await ids({ visibleTo: { user: 'nobody', groups: ['facilities'], processIds: [] } })).toEqual([]);
        expect(await ids({ state: 'active', visibleTo: { user: 'dana', groups: ['network'], processIds: [] } })).toEqual(['a', 'e', 'h']);
      });

      test('pages by startedAt then id', async () => {
        const p1 = await store.listInstances({ limit: 3 });
        const p2 = await store.listInstances({ limit: 3, cursor: p1.next });
        const p3 = await store.listInstances({ limit: 3, cursor: p2.next });
        expect([p1, p2, p3].map((p) => p.items.map((i) => i.id))).toEqual([['d', 'a', 'b'], ['c', 'e', 'f'], ['g']]);
        expect(p1.next).toEqual(expect.any(String));
        expect(p3.next).toBeUndefined();
        const full = await store.listInstances({ limit: 7 });
        expect(full.items).toHaveLength(7);
        expect(full.next).toBeUndefined();
        await expect(store.listInstances({ cursor: 'not a cursor' })).rejects.toThrow();
      });
    });

    describe('tasks', () => {
      test('filters by state, assignee, candidate group, instance and process', async () => {
        await store.commit(
          f.startBatch(f.instance('i1'), {
            tasks: {
              upsert: [
                f.task('t1', 'i1', { createdAt: T0 + 1 }),
                f.task('t2', 'i1', { createdAt: T0 + 2, assignee: 'alice', candidateGroups: ['service-desk', 'network'] }),
                f.task('t3', 'i1', { createdAt: T0 + 3, state: 'completed', completedAt: T0 + 10, completedBy: 'alice' }),
              ],
            },
          }),
        );
        await store.commit(
          f.startBatch(f.instance('i2', { processId: 'change' }), {
            tasks: { upsert: [f.task('t4', 'i2', { processId: 'change', candidateGroups: ['cab'], createdAt: T0 })] },
          }),
        );
        const ids = async (q: TaskQuery) => (await store.listTasks(q)).items.map((t) => t.id);
        expect(await ids({})).toEqual(['t4', 't1', 't2', 't3']);
        expect(await ids({ state: 'created' })).toEqual(['t4', 't1', 't2']);
        expect(await ids({ assignee: 'alice' })).toEqual(['t2']);
        expect(await ids({ candidateGroup: 'service-desk' })).toEqual(['t1', 't2', 't3']);
        expect(await ids({ candidateGroup: 'service-desk', state: 'created' })).toEqual(['t1', 't2']);
        expect(await ids({ candidateGroup: 'network' })).toEqual(['t2']);
        expect(await ids({ candidateGroup: 'service-desk', assignee: 'alice' })).toEqual(['t2']);
        expect(await ids({ instanceId: 'i2' })).toEqual(['t4']);
        expect(await ids({ processId: 'incident', state: 'created' })).toEqual(['t1', 't2']);
        expect(await ids({ candidateGroup: 'service-desk', instanceId: 'i2' })).toEqual([]);
        expect(await store.getTask('t3')).toEqual(f.task('t3', 'i1', { createdAt: T0 + 3, state: 'completed', completedAt: T0 + 10, completedBy: 'alice' }));
      });

      test('visibleTo: assignee, candidate user or one of the groups, without duplicates', async () => {
        const tasks = [
          f.task('mine', 'i1', { assignee: 'alice', candidateGroups: ['cab'], createdAt: T0 + 1 }),
          f.task('offered', 'i1', { candidateGroups: [], candidateUsers: ['alice', 'bob'], createdAt: T0 + 2 }),
          f.task('sd', 'i1', { candidateGroups: ['service-desk'], createdAt: T0 + 3 }),
          f.task('net', 'i1', { candidateGroups: ['network'], createdAt: T0 + 4 }),
          f.task('both', 'i1', { assignee: 'alice', candidateUsers: ['alice'], candidateGroups: ['network', 'service-desk'], createdAt: T0 + 4 }),
          f.task('cab', 'i1', { candidateGroups: ['cab'], createdAt: T0 + 5 }),
          f.task('bobs', 'i1', { assignee: 'bob', candidateGroups: ['cab'], createdAt: T0 + 6 }),
          f.task('done', 'i1', { candidateGroups: ['network'], state: 'completed', createdAt: T0 + 7 }),
        ];
        await store.commit(f.startBatch(f.instance('i1'), { tasks: { upsert: tasks } }));
        const alice = { user: 'alice', groups: ['service-desk', 'network'] };
        const ids = async (q: TaskQuery) => (await store.listTasks(q)).items.map((t) => t.id);
        expect(await ids({ visibleTo: alice })).toEqual(['mine', 'offered', 'sd', 'both', 'net', 'done']);
        expect(await ids({ visibleTo: alice, state: 'created' })).toEqual(['mine', 'offered', 'sd', 'both', 'net']);
        expect(await ids({ visibleTo: alice, state: 'created', candidateGroup: 'network' })).toEqual(['both', 'net']);
        expect(await ids({ visibleTo: { user: 'bob', groups: [] } })).toEqual(['offered', 'bobs']);
        expect(await ids({ visibleTo: { user: 'carol', groups: [] } })).toEqual([]);
      });

      test('pages through three pages of visible tasks with createdAt ties', async () => {
        const tasks: TaskRow[] = [];
        for (let n = 0; n < 40; n++) {
          const route = n % 4;
          const groups: string[] = [];
          if (route === 2) groups.push('network');
          if (route === 3) groups.push(n % 8 === 3 ? 'cab' : 'service-desk');
          if (route === 0 && n % 8 === 0) groups.push('network'); // visible twice: assignee and group
          tasks.push(
            f.task(`t${String(n).padStart(2, '0')}`, 'i1', {
              createdAt: T0 + Math.floor(n / 3) * 1000 - (n % 2) * 7, // many ties, not in id order
              assignee: route === 0 ? 'alice' : undefined,
              candidateUsers: route === 1 ? ['alice', 'bob'] : [],
              candidateGroups: groups,
            }),
          );
        }
        await store.commit(f.startBatch(f.instance('i1'), { tasks: { upsert: tasks } }));
        const visible = tasks
          .filter((t) => t.assignee === 'alice' || t.candidateUsers.includes('alice') || t.candidateGroups.some((g) => ['network', 'service-desk'].includes(g)))
          .sort(byCreatedThenId)
          .map((t) => t.id);
        expect(visible.length).toBe(35);
        const q: TaskQuery = { visibleTo: { user: 'alice', groups: ['network', 'service-desk'] }, state: 'created', limit: 12 };
        const walked = await allTaskPages(store, q);
        expect(walked.pages).toBe(3);
        expect(walked.ids).toEqual(visible);
        // without a state filter too
        expect((await allTaskPages(store, { ...q, state: undefined })).ids).toEqual(visible);

        // one candidate group: 15 tasks in pages of 6, 6, 3
        const network = tasks
          .filter((t) => t.candidateGroups.includes('network'))
          .sort(byCreatedThenId)
          .map((t) => t.id);
        expect(network.length).toBe(15);
        const p1 = await store.listTasks({ candidateGroup: 'network', state: 'created', limit: 6 });
        const p2 = await store.listTasks({ candidateGroup: 'network', state: 'created', limit: 6, cursor: p1.next });
        const p3 = await store.listTasks({ candidateGroup: 'network', state: 'created', limit: 6, cursor: p2.next });
        expect([...p1.items, ...p2.items, ...p3.items].map((t) => t.id)).toEqual(network);
        expect(p3.items).toHaveLength(3);
        expect(p3.next).toBeUndefined();
        // a page size that divides the total exactly: the last full page has no next cursor
        const exact = await allTaskPages(store, { candidateGroup: 'network', limit: 5 });
        expect(exact).toEqual({ ids: network, pages: 3 });
        await expect(store.listTasks({ cursor: '%%%' })).rejects.toThrow();
      });

      test('default page size is 50 and the maximum is 1000', async () => {
        const tasks = Array.from({ length: 1005 }, (_, n) => f.task(`t${String(n).padStart(4, '0')}`, 'i1', { createdAt: T0 + n }));
        await store.commit(f.startBatch(f.instance('i1'), { tasks: { upsert: tasks } }));
        const first = await store.listTasks({ candidateGroup: 'service-desk' });
        expect(first.items).toHaveLength(50);
        expect(first.next).toBeDefined();
        const big = await store.listTasks({ limit: 5000 });
        expect(big.items).toHaveLength(1000);
        const rest = await store.listTasks({ limit: 5000, cursor: big.next });
        expect(rest.items.map((t) => t.id)).toEqual(['t1000', 't1001', 't1002', 't1003', 't1004']);
        expect(rest.next).toBeUndefined();
      });

      test('an upsert moves a task between groups and states', async () => {
        const inst = f.instance('i1');
        await store.commit(f.startBatch(inst, { tasks: { upsert: [f.task('t1', 'i1')] } }));
        const moved = f.task('t1', 'i1', { candidateGroups: ['network'] });
        await store.commit(f.nextBatch(inst, 1, [f.event('i1', 2)], { tasks: { upsert: [moved] } }));
        expect((await store.listTasks({ candidateGroup: 'service-desk' })).items).toEqual([]);
        expect((await store.listTasks({ candidateGroup: 'network', state: 'created' })).items).toEqual([moved]);
        const done = { ...moved, state: 'completed' as const, completedAt: T0 + 5, completedBy: 'alice' };
        await store.commit(f.nextBatch(inst, 2, [f.event('i1', 3)], { tasks: { upsert: [done] } }));
        expect((await store.listTasks({ candidateGroup: 'network', state: 'created' })).items).toEqual([]);
        expect((await store.listTasks({ candidateGroup: 'network', state: 'completed' })).items).toEqual([done]);
      });

      test('setTaskAssignee claims and unclaims only created tasks', async () => {
        await store.commit(
          f.startBatch(f.instance('i1'), {
            tasks: { upsert: [f.task('open', 'i1'), f.task('closed', 'i1', { state: 'completed', completedAt: T0 + 1 })] },
          }),
        );
        expect(await store.setTaskAssignee('open', 'alice')).toEqual(f.task('open', 'i1', { assignee: 'alice' }));
        expect((await store.listTasks({ assignee: 'alice' })).items.map((t) => t.id)).toEqual(['open']);
        const unclaimed = await store.setTaskAssignee('open', undefined);
        expect(unclaimed?.assignee).toBeUndefined();
        expect((await store.listTasks({ assignee: 'alice' })).items).toEqual([]);
        expect(await store.setTaskAssignee('closed', 'bob')).toEqual(f.task('closed', 'i1', { state: 'completed', completedAt: T0 + 1 }));
        expect(await store.setTaskAssignee('missing', 'bob')).toBeUndefined();
      });
    });

    describe('jobs', () => {
      async function seedJobs(...jobs: ReturnType<typeof f.job>[]) {
        await store.commit(f.startBatch(f.instance('i1'), { jobs: { upsert: jobs } }));
      }

      test('activates the oldest activatable jobs of a type, up to max, and never twice', async () => {
        await seedJobs(
          f.job('j3', 'i1', { createdAt: T0 + 3 }),
          f.job('j1', 'i1', { createdAt: T0 + 1 }),
          f.job('j2', 'i1', { createdAt: T0 + 2 }),
          f.job('other', 'i1', { type: 'create-ticket', createdAt: T0 }),
          f.job('done', 'i1', { state: 'completed', createdAt: T0 }),
          f.job('failed', 'i1', { state: 'failed', retries: 0, createdAt: T0 }),
        );
        const first = await store.activateJobs('send-email', 'w1', 2, 30_000, T0 + 100);
        expect(first).toEqual([
          f.job('j1', 'i1', { createdAt: T0 + 1, state: 'activated', worker: 'w1', lockExpiresAt: T0 + 30_100 }),
          f.job('j2', 'i1', { createdAt: T0 + 2, state: 'activated', worker: 'w1', lockExpiresAt: T0 + 30_100 }),
        ]);
        expect(await store.getJob('j1')).toEqual(first[0]);
        const second = await store.activateJobs('send-email', 'w2', 5, 30_000, T0 + 200);
        expect(second.map((j) => j.key)).toEqual(['j3']);
        expect(await store.activateJobs('send-email', 'w3', 5, 30_000, T0 + 300)).toEqual([]);
        expect(await store.activateJobs('send-email', 'w3', 0, 30_000, T0 + 300)).toEqual([]);
        expect((await store.getJob('done'))?.state).toBe('completed');
        expect((await store.getJob('failed'))?.state).toBe('failed');
      });

      test('a job whose lock expired can be activated again', async () => {
        await seedJobs(f.job('j1', 'i1'));
        const [locked] = await store.activateJobs('send-email', 'w1', 1, 1000, T0);
        expect(locked.lockExpiresAt).toBe(T0 + 1000);
        expect(await store.activateJobs('send-email', 'w2', 1, 1000, T0 + 999)).toEqual([]);
        const [again] = await store.activateJobs('send-email', 'w2', 1, 1000, T0 + 1001);
        expect(again).toMatchObject({ key: 'j1', worker: 'w2', state: 'activated', lockExpiresAt: T0 + 2001 });
      });

      test('notBefore holds a job back until then', async () => {
        await seedJobs(f.job('later', 'i1', { notBefore: T0 + 5000 }), f.job('now', 'i1', { createdAt: T0 + 1, notBefore: T0 }));
        expect((await store.activateJobs('send-email', 'w1', 10, 60_000, T0)).map((j) => j.key)).toEqual(['now']);
        expect(await store.activateJobs('send-email', 'w1', 10, 60_000, T0 + 4999)).toEqual([]);
        expect((await store.activateJobs('send-email', 'w1', 10, 60_000, T0 + 5000)).map((j) => j.key)).toEqual(['later']);
      });

      test('liveJobs pages through the live jobs of every type, in type, creation and key order', async () => {
        await seedJobs(
          f.job('b2', 'i1', { type: 'b', createdAt: T0 + 2 }),
          f.job('a1', 'i1', { type: 'a', createdAt: T0 + 5 }),
          f.job('b1', 'i1', { type: 'b', createdAt: T0 + 1, state: 'activated', worker: 'w1', lockExpiresAt: T0 + 9 }),
          f.job('b0', 'i1', { type: 'b', createdAt: T0 + 2 }),
          f.job('done', 'i1', { type: 'a', state: 'completed' }),
          f.job('gone', 'i1', { type: 'b', state: 'canceled' }),
          f.job('out', 'i1', { type: 'a', state: 'failed', retries: 0 }),
        );
        const first = await store.liveJobs(undefined, 3);
        expect(first.map((j) => j.key)).toEqual(['a1', 'b1', 'b0']);
        expect(first[1]).toEqual(f.job('b1', 'i1', { type: 'b', createdAt: T0 + 1, state: 'activated', worker: 'w1', lockExpiresAt: T0 + 9 }));
        expect((await store.liveJobs(first[2], 3)).map((j) => j.key)).toEqual(['b2']);
        expect(await store.liveJobs(f.job('b2', 'i1', { type: 'b', createdAt: T0 + 2 }), 3)).toEqual([]);
        expect(await store.liveJobs(undefined, 0)).toEqual([]);
      });

      test('updateJob stores retry bookkeeping', async () => {
        await seedJobs(f.job('j1', 'i1'));
        const [locked] = await store.activateJobs('send-email', 'w1', 1, 1000, T0);
        const retry = { ...locked, state: 'activatable' as const, retries: 2, notBefore: T0 + 10_000, errorMessage: 'SMTP 421' };
        delete retry.worker;
        delete retry.lockExpiresAt;
        await store.updateJob(retry);
        expect(await store.getJob('j1')).toEqual(retry);
        expect(await store.activateJobs('send-email', 'w1', 1, 1000, T0 + 2000)).toEqual([]);
        expect(await store.activateJobs('send-email', 'w1', 1, 1000, T0 + 10_000)).toHaveLength(1);
      });
    });

    test('incidents: list filters and resolution', async () => {
      const inst = f.instance('i1');
      await store.commit(f.startBatch(inst, { incidents: { upsert: [f.incident('a', 'i1', { createdAt: T0 + 2 }), f.incident('b', 'i1', { createdAt: T0 + 1 })] } }));
      await store.commit(
        f.startBatch(f.instance('i2'), {
          incidents: { upsert: [f.incident('c', 'i2', { type: 'expression', jobKey: undefined, waitId: 'i2/gw/1', message: 'no such variable' })] },
        }),
      );
      const resolved = f.incident('a', 'i1', { createdAt: T0 + 2, state: 'resolved', resolvedAt: T0 + 99 });
      await store.commit(f.nextBatch(inst, 1, [f.event('i1', 2, { type: 'incident.resolved' })], { incidents: { upsert: [resolved] } }));
      const ids = async (q: Parameters<Store['listIncidents']>[0]) => (await store.listIncidents(q)).map((i) => i.id).sort();
      expect(await ids({})).toEqual(['a', 'b', 'c']);
      expect(await ids({ instanceId: 'i1' })).toEqual(['a', 'b']);
      expect(await ids({ state: 'open' })).toEqual(['b', 'c']);
      expect(await ids({ instanceId: 'i1', state: 'resolved' })).toEqual(['a']);
      expect(await ids({ instanceId: 'nope' })).toEqual([]);
      expect(await store.getIncident('a')).toEqual(resolved);
      expect(await store.getIncident('c')).toEqual(f.incident('c', 'i2', { type: 'expression', jobKey: undefined, waitId: 'i2/gw/1', message: 'no such variable' }));
      expect(await store.getIncident('zzz')).toBeUndefined();
    });

    describe('timers', () => {
      test('dueTimers returns scheduled timers due by now, oldest first; nextTimerDue the earliest', async () => {
        expect(await store.nextTimerDue()).toBeUndefined();
        await store.commit(
          f.startBatch(f.instance('i-timer'), {
            timers: {
              upsert: [
                f.timer('late', { dueAt: T0 + 300 }),
                f.timer('early', { dueAt: T0 + 100 }),
                f.timer('mid', { dueAt: T0 + 200 }),
                f.timer('future', { dueAt: T0 + 10_000 }),
                f.timer('fired', { dueAt: T0 + 50, state: 'fired', firedAt: T0 + 50 }),
                f.timer('canceled', { dueAt: T0 + 60, state: 'canceled' }),
              ],
            },
          }),
        );
        expect((await store.dueTimers(T0 + 300, 10)).map((t) => t.id)).toEqual(['early', 'mid', 'late']);
        expect((await store.dueTimers(T0 + 300, 2)).map((t) => t.id)).toEqual(['early', 'mid']);
        expect(await store.dueTimers(T0, 10)).toEqual([]);
        expect(await store.nextTimerDue()).toBe(T0 + 100);
        expect(await store.getTimer('fired')).toEqual(f.timer('fired', { dueAt: T0 + 50, state: 'fired', firedAt: T0 + 50 }));
        expect(await store.getTimer('nope')).toBeUndefined();
      });

      test('saveStartTimers cancels the scheduled start timers of older versions and upserts the new ones', async () => {
        await store.saveStartTimers([f.startTimer('s1', 'nightly:1'), f.startTimer('s1b', 'nightly:1', { state: 'fired', firedAt: T0 }), f.startTimer('other', 'report:1')], []);
        await store.commit(f.startBatch(f.instance('i-timer'), { timers: { upsert: [f.timer('inst', { definitionKey: 'nightly:1' })] } }));
        await store.saveStartTimers([f.startTimer('s2', 'nightly:2', { dueAt: T0 + 7200_000 })], ['nightly:1']);
        expect((await store.getTimer('s1'))?.state).toBe('canceled');
        expect((await store.getTimer('s1b'))?.state).toBe('fired');
        expect((await store.getTimer('other'))?.state).toBe('scheduled');
        expect((await store.getTimer('inst'))?.state).toBe('scheduled');
        expect(await store.getTimer('s2')).toEqual(f.startTimer('s2', 'nightly:2', { dueAt: T0 + 7200_000 }));
      });

      test('fireStartTimer fires a start timer once and schedules the next occurrence', async () => {
        await store.saveStartTimers([f.startTimer('s1', 'nightly:1'), f.startTimer('gone', 'nightly:1', { state: 'canceled' })], []);
        const next = f.startTimer('s1-next', 'nightly:1', { dueAt: T0 + 3_600_000 + 86_400_000, createdAt: T0 + 3_600_000 });
        expect(await store.fireStartTimer('s1', next, T0 + 3_600_000)).toBe(true);
        expect(await store.getTimer('s1')).toMatchObject({ state: 'fired', firedAt: T0 + 3_600_000 });
        expect(await store.getTimer('s1-next')).toEqual(next);
        const other = f.startTimer('s1-dup', 'nightly:1');
        expect(await store.fireStartTimer('s1', other, T0 + 3_600_001)).toBe(false);
        expect(await store.getTimer('s1-dup')).toBeUndefined();
        expect(await store.getTimer('s1')).toMatchObject({ firedAt: T0 + 3_600_000 });
        expect(await store.fireStartTimer('gone', undefined, T0)).toBe(false);
        expect(await store.fireStartTimer('missing', undefined, T0)).toBe(false);
        expect(await store.fireStartTimer('s1-next', undefined, T0 + 90_000_000)).toBe(true);
      });
    });

    test('subscriptions: find by message name + key or signal name; insert ignores duplicates; delete by id', async () => {
      const inst = f.instance('i1');
      await store.commit(
        f.startBatch(inst, {
          subscriptions: {
            insert: [
              f.subscription('m1', 'i1', { createdAt: T0 + 1 }),
              f.subscription('m2', 'i1', { correlationKey: 'INC-other' }),
              f.subscription('sig', 'i1', { kind: 'signal', name: 'major-outage', correlationKey: undefined }),
              f.subscription('sig-named-like-msg', 'i1', { kind: 'signal', name: 'customer-replied', correlationKey: undefined }),
            ],
          },
        }),
      );
      await store.commit(f.startBatch(f.instance('i2'), { subscriptions: { insert: [f.subscription('m3', 'i2', { correlationKey: 'INC-i1', createdAt: T0 })] } }));
      expect((await store.findSubscriptions('message', 'customer-replied', 'INC-i1')).map((s) => s.id)).toEqual(['m3', 'm1']);
      expect((await store.findSubscriptions('signal', 'major-outage')).map((s) => s.id)).toEqual(['sig']);
      expect(await store.findSubscriptions('signal', 'major-outage')).toEqual([f.subscription('sig', 'i1', { kind: 'signal', name: 'major-outage', correlationKey: undefined })]);
      // duplicate insert is ignored (the original row stays), deletes remove
      await store.commit(
        f.nextBatch(inst, 1, [f.event('i1', 2)], {
          subscriptions: { insert: [f.subscription('m1', 'i1', { waitId: 'changed' })], deleteIds: ['m2', 'sig', 'nope'] },
        }),
      );
      const m1 = (await store.findSubscriptions('message', 'customer-replied', 'INC-i1')).find((s) => s.id === 'm1');
      expect(m1?.waitId).toBe('i1/wait-reply/m1');
      expect(await store.findSubscriptions('message', 'customer-replied', 'INC-other')).toEqual([]);
      expect(await store.findSubscriptions('signal', 'major-outage')).toEqual([]);
      // deleting and inserting one id in a batch replaces the row (a migration moves it to another element)
      await store.commit(
        f.nextBatch(inst, 2, [f.event('i1', 3)], {
          subscriptions: { insert: [f.subscription('m1', 'i1', { elementId: 'AwaitReply', createdAt: T0 + 9 })], deleteIds: ['m1'] },
        }),
      );
      expect(await store.findSubscriptions('message', 'customer-replied', 'INC-i1')).toEqual([
        f.subscription('m3', 'i2', { correlationKey: 'INC-i1', createdAt: T0 }),
        f.subscription('m1', 'i1', { elementId: 'AwaitReply', createdAt: T0 + 9 }),
      ]);
    });

    describe('messages', () => {
      test('bufferMessage refuses a live duplicate messageId, allows it again after expiry', async () => {
        expect(await store.bufferMessage(f.message('m1', { messageId: 'client-42' }))).toBe(true);
        expect(await store.bufferMessage(f.message('m2', { messageId: 'client-42', publishedAt: T0 + 10 }))).toBe(false);
        expect((await store.findBufferedMessages('customer-replied', 'INC-1', 'i1', T0 + 10)).map((m) => m.id)).toEqual(['m1']);
        expect(await store.bufferMessage(f.message('m3', { messageId: 'client-42', publishedAt: T0 + 60_000, expiresAt: T0 + 120_000 }))).toBe(true);
        expect(await store.bufferMessage(f.message('m4'))).toBe(true);
        expect(await store.bufferMessage(f.message('m5'))).toBe(true);
      });

      test('findBufferedMessages: live ones for name + key, oldest first, minus those this instance consumed', async () => {
        await store.bufferMessage(f.message('m2', { publishedAt: T0 + 2, variables: { n: 2 } }));
        await store.bufferMessage(f.message('m1', { publishedAt: T0 + 1, messageId: 'x' }));
        await store.bufferMessage(f.message('m3', { publishedAt: T0 + 3, expiresAt: T0 + 100 }));
        await store.bufferMessage(f.message('other-key', { correlationKey: 'INC-2' }));
        await store.bufferMessage(f.message('other-name', { name: 'approved' }));
        const found = await store.findBufferedMessages('customer-replied', 'INC-1', 'i1', T0 + 50);
        expect(found.map((m) => m.id)).toEqual(['m1', 'm2', 'm3']);
        expect(found[0]).toEqual(f.message('m1', { publishedAt: T0 + 1, messageId: 'x' }));
        expect((await store.findBufferedMessages('customer-replied', 'INC-1', 'i1', T0 + 100)).map((m) => m.id)).toEqual(['m1', 'm2']);

        await store.commit(f.startBatch(f.instance('i1'), { consumedMessages: ['m1'] }));
        expect((await store.findBufferedMessages('customer-replied', 'INC-1', 'i1', T0 + 50)).map((m) => m.id)).toEqual(['m2', 'm3']);
        expect((await store.findBufferedMessages('customer-replied', 'INC-1', 'i2', T0 + 50)).map((m) => m.id)).toEqual(['m1', 'm2', 'm3']);
      });

      test('deleteExpiredMessages removes expired messages and returns how many', async () => {
        await store.bufferMessage(f.message('m1', { expiresAt: T0 + 10 }));
        await store.bufferMessage(f.message('m2', { expiresAt: T0 + 20 }));
        await store.bufferMessage(f.message('m3', { expiresAt: T0 + 30 }));
        await store.commit(f.startBatch(f.instance('i1'), { consumedMessages: ['m1', 'm3'] }));
        expect(await store.deleteExpiredMessages(T0 + 20)).toBe(2);
        expect(await store.deleteExpiredMessages(T0 + 20)).toBe(0);
        expect((await store.findBufferedMessages('customer-replied', 'INC-1', 'i2', T0)).map((m) => m.id)).toEqual(['m3']);
        expect(await store.findBufferedMessages('customer-replied', 'INC-1', 'i1', T0)).toEqual([]);
      });
    });

    describe('sealing', () => {
      const head = (seq: number, seal = `seal-${seq}`) => ({ seq, hash: `hash-${seq}`, seal, keyId: 'k1' });
      /** Signs nothing: the store only keeps what `build` makes of the heads and the previous checkpoint. */
      const build = (heads: CheckpointHead[], previous: CheckpointRow | undefined): CheckpointRow | undefined =>
        heads.length
          ? { seq: (previous?.seq ?? 0) + 1, at: T0, heads, prevHash: previous?.hash ?? 'genesis', hash: `cp-${(previous?.seq ?? 0) + 1}`, signature: 'sig', keyId: 'k1' }
          : undefined;

      test('the starter and the sealed head round-trip; unsealed instances are listed until sealed', async () => {
        const sealed = f.instance('i1', { startedBy: 'alice', head: head(1) });
        await store.commit(f.startBatch(sealed));
        expect(await store.getInstance('i1')).toEqual(sealed);
        await store.commit(f.startBatch(f.instance('legacy')));
        expect((await store.unsealedInstances(10)).map((i) => i.id)).toEqual(['legacy']);
        expect(await store.sealHead('legacy', 2, head(1))).toBe(false); // not at that revision
        expect(await store.sealHead('legacy', 1, head(1))).toBe(true);
        expect(await store.unsealedInstances(10)).toEqual([]);
        expect((await store.getInstance('legacy'))!.head).toEqual(head(1));
        // a commit moves the head on; the starter stays what the start wrote
        await store.commit(f.nextBatch(sealed, 1, [f.event('i1', 2)], {}));
        await store.commit(f.nextBatch({ ...sealed, startedBy: 'mallory', head: head(2) }, 2, [f.event('i1', 3)]));
        expect(await store.getInstance('i1')).toMatchObject({ startedBy: 'alice', head: head(2) });
      });

      test('checkpoints take the heads that grew since the last one, chain to it, and are found per instance', async () => {
        await store.commit(f.startBatch(f.instance('i1', { head: head(1) })));
        await store.commit(f.startBatch(f.instance('i2', { head: head(1) })));
        const first = await store.writeCheckpoint(build, 100);
        expect(first).toMatchObject({ seq: 1, prevHash: 'genesis' });
        expect(first!.heads.map((h) => h.instanceId).sort()).toEqual(['i1', 'i2']);
        expect(await store.writeCheckpoint(build, 100)).toBeUndefined(); // nothing grew
        await store.commit(f.nextBatch(f.instance('i2', { head: head(2) }), 1, [f.event('i2', 2)]));
        const second = await store.writeCheckpoint(build, 100);
        expect(second).toMatchObject({ seq: 2, prevHash: 'cp-1', heads: [{ instanceId: 'i2', seq: 2, hash: 'hash-2' }] });
        expect((await store.listCheckpoints(0, 10)).map((c) => c.seq)).toEqual([1, 2]);
        expect(await store.listCheckpoints(1, 10)).toEqual([second]);
        expect(await store.checkpointedHeads('i2')).toEqual([
          { instanceId: 'i2', checkpoint: 1, seq: 1, hash: 'hash-1' },
          { instanceId: 'i2', checkpoint: 2, seq: 2, hash: 'hash-2' },
        ]);
        expect(await store.checkpointedHeads('nope')).toEqual([]);
      });

      test('a checkpoint number written by someone else first is a ConflictError; the limit caps the heads', async () => {
        for (const id of ['i1', 'i2', 'i3']) await store.commit(f.startBatch(f.instance(id, { head: head(1) })));
        expect((await store.writeCheckpoint(build, 2))!.heads).toHaveLength(2);
        await expect(store.writeCheckpoint((heads) => ({ ...build(heads, undefined)!, seq: 1 }), 10)).rejects.toBeInstanceOf(ConflictError);
        expect((await store.writeCheckpoint(build, 10))!.heads.map((h) => h.instanceId)).toHaveLength(1);
      });
    });

    test('outbox: pending oldest first, done rows leave', async () => {
      const inst = f.instance('i1');
      await store.commit(f.startBatch(inst, { outbox: [f.outbox('o2', { createdAt: T0 + 2 }), f.outbox('o1', { createdAt: T0 + 1 })] }));
      const o3 = f.outbox('o3', {
        createdAt: T0 + 3,
        entry: { kind: 'child.start', payload: { parentInstanceId: 'i1', waitId: 'w1', processId: 'p', variables: { a: [1] }, childId: 'i1.w1' } },
      });
      await store.commit(f.nextBatch(inst, 1, [f.event('i1', 2)], { outbox: [o3] }));
      expect(await store.pendingOutbox(10)).toEqual([f.outbox('o1', { createdAt: T0 + 1 }), f.outbox('o2', { createdAt: T0 + 2 }), o3]);
      expect((await store.pendingOutbox(2)).map((o) => o.id)).toEqual(['o1', 'o2']);
      await store.markOutboxDone(['o1', 'o3']);
      await store.markOutboxDone([]);
      expect(await store.pendingOutbox(10)).toEqual([f.outbox('o2', { createdAt: T0 + 2 })]);
    });

    test("drafts: one per user and process, replaced by a save, listed newest first, deleted once; another user's are apart", async () => {
      const first = f.draft('owner', 'laptop');
      await store.saveDraft(first);
      const form = { name: 'laptop.form', content: '{"id":"laptop","components":[]}' };
      const second = f.draft('owner', 'laptop', { xml: '<changed/>', forms: [form], size: 40, updatedAt: T0 + 5 });
      await store.saveDraft(second);
      await store.saveDraft(f.draft('owner', 'phone', { name: undefined, updatedAt: T0 + 1 }));
      await store.saveDraft(f.draft('frank', 'laptop', { updatedAt: T0 + 9 }));
      expect(await store.getDraft('owner', 'laptop')).toEqual(second);
      // listed without their content (a count of them reads no XML)
      const { xml: _xml, forms: _forms, ...summary } = second;
      expect((await store.listDrafts('owner'))[0]).toEqual(summary);
      expect((await store.listDrafts('owner')).map((d) => d.processId)).toEqual(['laptop', 'phone']);
      expect(await store.getDraft('owner', 'nothing')).toBeUndefined();
      expect(await store.deleteDraft('owner', 'laptop')).toBe(true);
      expect(await store.deleteDraft('owner', 'laptop')).toBe(false);
      expect(await store.getDraft('owner', 'laptop')).toBeUndefined();
      expect(await store.getDraft('frank', 'laptop')).toEqual(f.draft('frank', 'laptop', { updatedAt: T0 + 9 }));
      expect(await store.listDrafts('nobody')).toEqual([]);
    });
  });
}
