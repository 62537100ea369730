/**
 * The outbox when the store fails under it (a shared database restarting, a lost connection): the
 * failure is reported to onError, never left as an unhandled rejection (which ends the process), later
 * commits are still dispatched, and the rows whose completion could not be recorded are dispatched
 * again by the sweep until they are.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../engine';
import { openStore } from '../../engine/store';
import { bpmn, catchEvent, chain, deployXml, endEvent, eventually, openTasks, startEvent, timerDuration, userTask } from './helpers';

test('a store failure while marking outbox rows done is reported; dispatch goes on and the rows are swept later', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-outbox-'));
  const store = openStore({ dataDir: dir });
  let failing = true;
  const markOutboxDone = store.markOutboxDone.bind(store);
  store.markOutboxDone = async (ids) => {
    if (failing) throw new Error('connection terminated unexpectedly');
    return markOutboxDone(ids);
  };
  const errors: string[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  const engine = await new Engine({ store, dataDir: dir, onError: (err, where) => errors.push(`${where}: ${(err as Error).message}`) }).start();
  try {
    await deployXml(
      engine,
      bpmn('waits', [startEvent('Start'), catchEvent('Wait', timerDuration('PT0.2S')), userTask('After'), endEvent('End'), chain('Start', 'Wait', 'After', 'End')]),
    );
    const first = await engine.startInstance({ processId: 'waits' });
    await engine.idle();
    expect(errors).toContain('outbox: connection terminated unexpectedly');
    expect((await store.pendingOutbox(10)).length).toBeGreaterThan(0);

    failing = false;
    const second = await engine.startInstance({ processId: 'waits' });
    await eventually(async () => expect(await openTasks(engine, second.id)).toEqual(['After']));
    await eventually(async () => expect(await openTasks(engine, first.id)).toEqual(['After']));
    // the rows of the failed dispatch are swept (every 5 s, once older than 1 s) and then recorded done
    await eventually(async () => expect(await store.pendingOutbox(10)).toEqual([]), 9000);
    await new Promise((r) => setImmediate(r));
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await engine.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 20_000);
