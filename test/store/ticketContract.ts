/**
 * Ticket numbers and links, the same for every Store adapter: a commit takes the next number of a
 * prefix or fails with ConflictError and writes nothing; commits racing for numbers (from several
 * store connections, i.e. processes) never share one; the counter survives closing the store; links
 * read back from both ends.
 */
import { ConflictError, type LinkRow, type Store } from '../../engine/store/types';
import * as f from './factories';
import { T0 } from './factories';

/** `openDatabase` makes a fresh database and returns how to open a store on it (again and again). */
export function ticketContract(name: string, openDatabase: () => Promise<() => Store>, cleanup?: () => Promise<void>): void {
  describe(`Ticket contract: ${name}`, () => {
    let open: () => Store;
    const opened: Store[] = [];
    const connect = async (): Promise<Store> => {
      const s = open();
      opened.push(s);
      await s.init();
      return s;
    };

    beforeEach(async () => {
      open = await openDatabase();
    });
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
      await cleanup?.();
    });

    /** Starts instance `id` with the next number of `prefix`, retrying when another commit took it. */
    async function startNumbered(store: Store, id: string, prefix: string): Promise<number> {
      for (let attempt = 0; attempt < 200; attempt++) {
        const number = (await store.lastTicketNumber(prefix)) + 1;
        try {
          await store.commit(f.startBatch(f.instance(id, { businessKey: `${prefix}${number}` }), { ticket: { prefix, number } }));
          return number;
        } catch (err) {
          if (!(err instanceof ConflictError)) throw err;
        }
      }
      throw new Error(`${id} took no number`);
    }

    test('a commit takes the next number of its prefix; a taken or skipped number fails the commit and writes nothing', async () => {
      const store = await connect();
      expect(await store.lastTicketNumber('INC')).toBe(0);
      await store.commit(f.startBatch(f.instance('a'), { ticket: { prefix: 'INC', number: 1 } }));
      expect(await store.lastTicketNumber('INC')).toBe(1);
      expect(await store.lastTicketNumber('CHG')).toBe(0);

      await expect(store.commit(f.startBatch(f.instance('b'), { ticket: { prefix: 'INC', number: 1 } }))).rejects.toBeInstanceOf(ConflictError);
      await expect(store.commit(f.startBatch(f.instance('c'), { ticket: { prefix: 'INC', number: 3 } }))).rejects.toBeInstanceOf(ConflictError);
      expect(await store.getInstance('b')).toBeUndefined();
      expect(await store.getInstance('c')).toBeUndefined();
      expect(await store.getHistory('b')).toEqual([]);
      expect(await store.lastTicketNumber('INC')).toBe(1);

      // an instance that exists already fails the commit without moving the counter
      await expect(store.commit(f.startBatch(f.instance('a'), { ticket: { prefix: 'INC', number: 2 } }))).rejects.toBeInstanceOf(ConflictError);
      expect(await store.lastTicketNumber('INC')).toBe(1);

      await store.commit(f.startBatch(f.instance('d'), { ticket: { prefix: 'INC', number: 2 } }));
      await store.commit(f.startBatch(f.instance('e'), { ticket: { prefix: 'CHG', number: 1 } }));
      expect([await store.lastTicketNumber('INC'), await store.lastTicketNumber('CHG')]).toEqual([2, 1]);
    });

    test('starts racing on two connections never share a number, and the numbers survive a restart', async () => {
      const one = await connect();
      const two = await connect();
      const ids = Array.from({ length: 24 }, (_, i) => `race-${i}`);
      const numbers = await Promise.all(ids.map((id, i) => startNumbered(i % 2 ? two : one, id, 'PRB')));
      expect([...numbers].sort((a, b) => a - b)).toEqual(ids.map((_, i) => i + 1));
      for (const [i, id] of ids.entries()) expect((await one.getInstance(id))?.businessKey).toBe(`PRB${numbers[i]}`);

      for (const s of opened.splice(0)) await s.close();
      const again = await connect();
      expect(await again.lastTicketNumber('PRB')).toBe(24);
      expect(await startNumbered(again, 'after-restart', 'PRB')).toBe(25);
    });

    test('links are written with a commit, read from both ends, once per pair, oldest first, at most the limit', async () => {
      const store = await connect();
      const link = (fromId: string, toId: string, at: number): LinkRow => ({
        id: `${fromId}>${toId}`,
        fromId,
        toId,
        kind: 'raised',
        fromKey: `K-${fromId}`,
        toKey: `K-${toId}`,
        createdAt: at,
        createdBy: 'alice',
      });
      await store.commit(f.startBatch(f.instance('inc')));
      await store.commit(f.startBatch(f.instance('prb'), { links: [link('inc', 'prb', T0 + 1)] }));
      await store.commit(f.startBatch(f.instance('chg'), { links: [link('prb', 'chg', T0 + 2)] }));
      // the same link again (the other ticket's history records it) leaves the first row as it is
      await store.commit(f.nextBatch(f.instance('inc'), 1, [f.event('inc', 2)], { links: [{ ...link('inc', 'prb', T0 + 9), kind: 'related' }] }));

      expect(await store.listLinks('prb', 10)).toEqual([link('inc', 'prb', T0 + 1), link('prb', 'chg', T0 + 2)]);
      expect(await store.listLinks('inc', 10)).toEqual([link('inc', 'prb', T0 + 1)]);
      expect(await store.listLinks('chg', 10)).toEqual([link('prb', 'chg', T0 + 2)]);
      expect(await store.listLinks('prb', 1)).toEqual([link('inc', 'prb', T0 + 1)]);
      expect(await store.listLinks('nobody', 10)).toEqual([]);

      // a failed commit writes no link
      await expect(store.commit(f.startBatch(f.instance('inc'), { links: [link('inc', 'x', T0 + 3)] }))).rejects.toBeInstanceOf(ConflictError);
      expect(await store.listLinks('x', 10)).toEqual([]);
    });
  });
}
