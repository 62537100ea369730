/**
 * The numeric keys of string ids (Store.externalKey / resolveExternalKey, the EXTERNAL_KEYS table):
 * every adapter passes this, beside storeContract.ts. Allocation is idempotent and atomic, keys
 * survive a reopen of the store, and a key nobody allocated resolves to nothing.
 */
import type { Store } from '../../engine/store/types';

/** `reopen` opens a second store on the same data (another process, or the same after a restart). */
export function externalKeysContract(name: string, makeStore: () => Promise<{ store: Store; reopen: () => Store }>, cleanup?: () => Promise<void>): void {
  describe(`Store contract, external keys: ${name}`, () => {
    let store: Store;
    let reopen: () => Store;
    const others: Store[] = [];

    beforeEach(async () => {
      ({ store, reopen } = await makeStore());
      await store.init();
    });

    afterEach(async () => {
      for (const s of others.splice(0)) await s.close();
      await store.close();
      await cleanup?.();
    });

    test('one key per (kind, id): asking again gives the same key, another kind or id another key', async () => {
      const a = await store.externalKey('instance', 'i-1');
      expect(Number.isSafeInteger(a) && a > 0).toBe(true);
      expect(await store.externalKey('instance', 'i-1')).toBe(a);
      const b = await store.externalKey('task', 'i-1');
      const c = await store.externalKey('instance', 'i-2');
      expect(new Set([a, b, c]).size).toBe(3);
      expect(await store.resolveExternalKey(a)).toEqual({ kind: 'instance', id: 'i-1' });
      expect(await store.resolveExternalKey(b)).toEqual({ kind: 'task', id: 'i-1' });
      expect(await store.resolveExternalKey(c)).toEqual({ kind: 'instance', id: 'i-2' });
    });

    test('a key nobody allocated resolves to nothing', async () => {
      const a = await store.externalKey('job', 'i-1.w1');
      expect(await store.resolveExternalKey(a + 1000)).toBeUndefined();
      expect(await store.resolveExternalKey(0)).toBeUndefined();
    });

    test('concurrent allocations of one (kind, id), from one store and from a second one on the same data, give one key', async () => {
      const second = reopen();
      others.push(second);
      await second.init();
      const ids = Array.from({ length: 20 }, (_, i) => `inst-${i}`);
      const keys = await Promise.all(ids.flatMap((id) => [store.externalKey('instance', id), second.externalKey('instance', id), store.externalKey('instance', id)]));
      for (let i = 0; i < ids.length; i++) {
        expect(new Set(keys.slice(i * 3, i * 3 + 3)).size).toBe(1);
        expect(await store.resolveExternalKey(keys[i * 3])).toEqual({ kind: 'instance', id: ids[i] });
      }
      expect(new Set(keys).size).toBe(ids.length);
    });

    test('keys survive closing and reopening the store', async () => {
      const a = await store.externalKey('incident', 'i-9.inc1');
      await store.close();
      store = reopen();
      await store.init();
      expect(await store.resolveExternalKey(a)).toEqual({ kind: 'incident', id: 'i-9.inc1' });
      expect(await store.externalKey('incident', 'i-9.inc1')).toBe(a);
    });
  });
}
