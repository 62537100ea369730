/**
 * The SLA records part of the Store contract: written with a command's batch (upserted by id), read by
 * completion time in a bounded scan. Every adapter passes it, beside storeContract.ts.
 */
import type { Store } from '../../engine/store/types';
import * as f from './factories';
import { T0 } from './factories';

export function slaRecordsContract(name: string, makeStore: () => Promise<Store>, cleanup?: () => Promise<void>): void {
  describe(`Store contract, SLA records: ${name}`, () => {
    let store: Store;

    beforeEach(async () => {
      store = await makeStore();
      await store.init();
    });

    afterEach(async () => {
      await store.close();
      await cleanup?.();
    });

    const ALL = { from: 0, to: T0 + 10 * 86_400_000, limit: 100 };

    test('a record commits with its instance and comes back whole', async () => {
      const record = f.slaRecord('i1', 'response', { status: 'breached', pausedSeconds: 0, dueAt: T0 + 900_000 });
      await store.commit(f.startBatch(f.instance('i1'), { slaRecords: { upsert: [record] } }));
      expect(await store.listSlaRecords(ALL)).toEqual([record]);
    });

    test('optional fields may be absent; the same target recorded again replaces its row', async () => {
      const first = f.slaRecord('i1', 'resolution', { completedAt: T0 + 5000, pausedSeconds: 60 });
      const { ticket: _t, priority: _p, assignmentGroup: _g, calendar: _c, target: _x, dueAt: _d, ...bare } = f.slaRecord('i2', 'resolution');
      await store.commit(f.startBatch(f.instance('i1'), { slaRecords: { upsert: [first] } }));
      await store.commit(f.startBatch(f.instance('i2'), { slaRecords: { upsert: [bare] } }));
      // a reopen that continued the clock: the second resolution replaces the first record
      const again = { ...first, status: 'breached' as const, pausedSeconds: 172_860, completedAt: T0 + 9000 };
      await store.commit(f.nextBatch(f.instance('i1'), 1, [f.event('i1', 2)], { slaRecords: { upsert: [again] } }));
      expect(await store.listSlaRecords(ALL)).toEqual([bare, again]);
    });

    test('the scan takes [from, to) by completion time, oldest first, at most limit rows', async () => {
      const records = [3, 1, 2, 5, 4].map((i) => f.slaRecord(`i${i}`, 'resolution', { completedAt: T0 + i * 1000 }));
      for (const r of records) await store.commit(f.startBatch(f.instance(r.instanceId), { slaRecords: { upsert: [r] } }));
      const ids = async (q: { from: number; to: number; limit: number }) => (await store.listSlaRecords(q)).map((r) => r.instanceId);
      expect(await ids(ALL)).toEqual(['i1', 'i2', 'i3', 'i4', 'i5']);
      expect(await ids({ from: T0 + 2000, to: T0 + 4000, limit: 100 })).toEqual(['i2', 'i3']);
      expect(await ids({ from: 0, to: T0 + 10_000, limit: 2 })).toEqual(['i1', 'i2']);
    });

    test('a commit refused for its revision writes no record', async () => {
      await store.commit(f.startBatch(f.instance('i1')));
      const stale = f.nextBatch(f.instance('i1'), 7, [f.event('i1', 2)], { slaRecords: { upsert: [f.slaRecord('i1', 'response')] } });
      await expect(store.commit(stale)).rejects.toThrow();
      expect(await store.listSlaRecords(ALL)).toEqual([]);
    });
  });
}
