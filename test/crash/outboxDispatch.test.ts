/**
 * A dispatch of the outbox that fails: the commit it makes is refused once by the store (as a full disk
 * or a lock held too long would refuse it). The row must stay pending, so that the next process to
 * start finishes it: a call activity whose child was not started, or whose result never reached the
 * parent, would otherwise wait forever. Real SQLite; the refusal is the only thing added.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../engine';
import { openStore } from '../../engine/store';
import type { CommitBatch, Store } from '../../engine/store/types';
import { bpmn, callActivity, chain, deployXml, endEvent, startEvent, userTask, waitTask } from '../engine/helpers';
import { eventually } from '../support/engine';

const PARENT = bpmn('outboxParent', [startEvent(), callActivity('Call', 'outboxChild'), endEvent(), chain('Start', 'Call', 'End')]);
const CHILD = bpmn('outboxChild', [startEvent(), userTask('Check'), endEvent(), chain('Start', 'Check', 'End')]);

/** The real store, except that the first commit `refuse` picks fails (once). */
function refusingOnce(store: Store, refuse: (b: CommitBatch) => boolean): { store: Store; refused: () => number } {
  let refused = 0;
  const wrapped = new Proxy(store, {
    get(target, prop) {
      if (prop === 'commit') {
        return async (b: CommitBatch) => {
          if (refused === 0 && refuse(b)) {
            refused++;
            throw new Error('SQLITE_FULL: database or disk is full (refused once by the test)');
          }
          return target.commit(b);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: wrapped, refused: () => refused };
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-outbox-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const engineOn = (store: Store, errors: string[]) =>
  new Engine({
    store,
    dataDir: dir,
    checkpointIntervalMs: 0,
    onError: (err, where) => errors.push(`${where}: ${(err as Error).message}`),
  }).start();

const pending = async (store: Store) => (await store.pendingOutbox(100)).map((r) => r.kind);

test.each([
  ['child.start', 'the child of a call activity', (b: CommitBatch) => b.expectedRev === null && b.instance.processId === 'outboxChild'],
  [
    'parent.complete',
    'the result of the child reaching its parent',
    (b: CommitBatch) => b.instance.processId === 'outboxParent' && b.history.some((e) => e.elementId === 'Call' && e.type === 'element.completed'),
  ],
])('a %s dispatch that fails stays pending and the next start finishes it (%s)', async (kind, _what, refuse) => {
  const errors: string[] = [];
  const first = refusingOnce(openStore({ dataDir: dir }), refuse);
  const engine = await engineOn(first.store, errors);
  let parentId: string;
  try {
    await deployXml(engine, PARENT, CHILD);
    parentId = (await engine.startInstance({ processId: 'outboxParent' })).id;
    await engine.idle();
    if (kind === 'parent.complete') {
      const [child] = (await engine.listInstances({ parentInstanceId: parentId, limit: 10 })).items;
      await engine.completeTask((await waitTask(engine, child.id, 'Check')).id, {}, 'alice');
      await engine.idle();
      expect((await engine.getInstance(child.id)).state).toBe('completed');
    }
    expect(first.refused()).toBe(1);
    expect(errors).toEqual([`outbox ${kind}: SQLITE_FULL: database or disk is full (refused once by the test)`]);
    // The dispatch failed: its row must still be there for someone to finish.
    expect(await pending(first.store)).toEqual([kind]);
    expect((await engine.getInstance(parentId)).state).toBe('active');
  } finally {
    await engine.stop();
  }

  const store = openStore({ dataDir: dir });
  const again = await engineOn(store, errors);
  try {
    const children = () => again.listInstances({ parentInstanceId: parentId, limit: 10 }).then((p) => p.items);
    const [child] = await eventually(async () => {
      const c = await children();
      expect(c).toHaveLength(1);
      return c;
    });
    if (kind === 'child.start') await again.completeTask((await waitTask(again, child.id, 'Check')).id, {}, 'alice');
    await eventually(async () => expect((await again.getInstance(parentId)).state).toBe('completed'));
    await again.idle();
    expect(await children()).toHaveLength(1); // started once, in all
    expect(await pending(store)).toEqual([]);
    expect(await again.verifyHistory(parentId)).toMatchObject({ valid: true });
    expect(errors).toHaveLength(1);
  } finally {
    await again.stop();
  }
});
