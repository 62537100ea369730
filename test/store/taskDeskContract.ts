/**
 * The task desk part of the Store contract (Store.searchTasks, saved task views, attachments): every
 * adapter passes it, beside storeContract.ts.
 */
import type { AttachmentRow, Store, TaskSearch } from '../../engine/store/types';
import * as f from './factories';
import { T0 } from './factories';

const search = (over: Partial<TaskSearch> = {}): TaskSearch => ({ sort: { field: 'createdAt', desc: false }, offset: 0, limit: 50, ...over });

export function taskDeskContract(name: string, makeStore: () => Promise<Store>, cleanup?: () => Promise<void>): void {
  describe(`Store contract, task desk: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await makeStore();
      await store.init();
    });

    afterEach(async () => {
      await store.close();
      await cleanup?.();
    });

    async function seed(): Promise<void> {
      await store.commit(
        f.startBatch(f.instance('i1', { businessKey: 'INC-7' }), {
          tasks: {
            upsert: [
              f.task('t1', 'i1', { subject: 'VPN down', businessKey: 'INC-7', priority: 80, dueDate: T0 + 1000, createdAt: T0 + 1 }),
              f.task('t2', 'i1', { subject: 'Printer 100% broken', businessKey: 'INC-7', priority: 20, dueDate: T0 + 3000, createdAt: T0 + 2, candidateGroups: ['network'] }),
              f.task('t3', 'i1', { subject: 'vpn slow', businessKey: 'INC-7', priority: 50, dueDate: undefined, createdAt: T0 + 3, assignee: 'alice', candidateGroups: [] }),
              f.task('t4', 'i1', { subject: 'Done', state: 'completed', processId: 'change', createdAt: T0 + 4, candidateGroups: [], candidateUsers: ['bob'] }),
            ],
          },
        }),
      );
    }

    const ids = async (q: Partial<TaskSearch>) => (await store.searchTasks(search(q))).items.map((t) => t.id);

    test('filters by state, process, priority, assignee, candidate group and due window', async () => {
      await seed();
      expect(await ids({ state: 'created' })).toEqual(['t1', 't2', 't3']);
      expect(await ids({ processId: 'change' })).toEqual(['t4']);
      expect(await ids({ instanceId: 'i1', state: 'completed' })).toEqual(['t4']);
      expect(await ids({ instanceId: 'i2' })).toEqual([]);
      expect(await ids({ priority: 20 })).toEqual(['t2']);
      expect(await ids({ assignee: 'alice' })).toEqual(['t3']);
      expect(await ids({ candidateGroup: 'network' })).toEqual(['t2']);
      expect(await ids({ dueFrom: T0 + 500, dueTo: T0 + 2000 })).toEqual(['t1']);
    });

    test('free text matches the subject or the business key, case-insensitively, wildcards taken literally', async () => {
      await seed();
      expect(await ids({ text: 'VPN' })).toEqual(['t1', 't3']);
      expect(await ids({ text: 'inc-7' })).toEqual(['t1', 't2', 't3']);
      expect(await ids({ text: '100%' })).toEqual(['t2']);
      expect(await ids({ text: '%' })).toEqual(['t2']);
      expect(await ids({ text: '_' })).toEqual([]);
    });

    test('visibleTo keeps tasks assigned or offered to the user or their groups', async () => {
      await seed();
      expect(await ids({ visibleTo: { user: 'alice', groups: ['network'] } })).toEqual(['t2', 't3']);
      expect(await ids({ visibleTo: { user: 'bob', groups: [] } })).toEqual(['t4']);
      expect(await ids({ visibleTo: { user: 'zoe', groups: [] } })).toEqual([]);
    });

    test('sorts either way with missing values last, pages by offset and counts every match', async () => {
      await seed();
      expect(await ids({ sort: { field: 'priority', desc: true }, state: 'created' })).toEqual(['t1', 't3', 't2']);
      expect(await ids({ sort: { field: 'dueDate', desc: false }, state: 'created' })).toEqual(['t1', 't2', 't3']);
      expect(await ids({ sort: { field: 'dueDate', desc: true }, state: 'created' })).toEqual(['t2', 't1', 't3']);
      const page = await store.searchTasks(search({ offset: 1, limit: 2 }));
      expect(page.items.map((t) => t.id)).toEqual(['t2', 't3']);
      expect(page.total).toBe(4);
      expect((await store.searchTasks(search({ offset: 10 }))).items).toEqual([]);
    });

    test('task views: saved per owner, replaced by id, deleted only by their owner', async () => {
      const view = { id: 'v1', owner: 'alice', name: 'Network', query: { candidateGroup: 'network', sort: 'dueDate' }, createdAt: T0 };
      await store.saveTaskView(view);
      await store.saveTaskView({ id: 'v2', owner: 'bob', name: 'Mine', query: {}, createdAt: T0 });
      await store.saveTaskView({ ...view, name: 'All network' });
      expect(await store.listTaskViews('alice')).toEqual([{ ...view, name: 'All network' }]);
      expect(await store.deleteTaskView('v1', 'bob')).toBe(false);
      expect(await store.listTaskViews('alice')).toHaveLength(1);
      expect(await store.deleteTaskView('v1', 'alice')).toBe(true);
      expect(await store.listTaskViews('alice')).toEqual([]);
      expect(await store.listTaskViews('bob')).toHaveLength(1);
    });

    test('attachments: read back whole by id, listed per instance without their content', async () => {
      const a: AttachmentRow = {
        id: 'a1',
        taskId: 't1',
        instanceId: 'i1',
        name: 'log.txt',
        contentType: 'text/plain',
        size: 5,
        sha256: 'f'.repeat(64),
        content: Buffer.from('hello').toString('base64'),
        uploadedBy: 'alice',
        uploadedAt: T0,
      };
      await store.saveAttachment(a);
      await store.saveAttachment({ ...a, id: 'a2', instanceId: 'i2' });
      expect(await store.getAttachment('a1')).toEqual(a);
      expect(await store.getAttachment('nope')).toBeUndefined();
      const { content: _content, ...listed } = a;
      expect(await store.listAttachments('i1')).toEqual([listed]);
      // a second attachment under the same id is refused and the first stays as it was
      const again = await store.saveAttachment({ ...a, name: 'other.txt' }).then(
        () => 'saved',
        (err: unknown) => (err && typeof err === 'object' && 'message' in err ? 'refused' : `refused with ${String(err)}`),
      );
      expect(again).toBe('refused');
      expect(await store.getAttachment('a1')).toEqual(a);
    });
  });
}
