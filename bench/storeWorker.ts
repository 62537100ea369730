/**
 * A worker process of the PostgreSQL section: an engine of its own on a shared store (SQLite file or
 * PostgreSQL database, bench/lib/stores.ts) that, once the parent says `go`, starts `count` instances
 * of bench/fixtures/single-task.bpmn (candidate group `group-<i % 10>`), 8 at a time, and, with
 * `complete`, completes each one's user task at once. Reports `{ ms }` of its own run to the parent over IPC, then exits.
 * `tsx bench/storeWorker.ts '<json StoreLocation>' <offset> <count> <complete: 0|1>`
 */
import { Engine } from '../engine';
import { openAt, type StoreLocation } from './lib/stores';

/** Instances each process drives at the same time. */
const IN_FLIGHT = 8;

async function main(): Promise<void> {
  const loc = JSON.parse(process.argv[2]) as StoreLocation;
  const offset = Number(process.argv[3]);
  const count = Number(process.argv[4]);
  const complete = process.argv[5] === '1';
  const engine = await new Engine({ store: openAt(loc, 4), historyKey: loc.historyKey }).start();
  await new Promise<void>((resolve) => {
    process.send!({ ready: true });
    process.once('message', () => resolve());
  });
  const t0 = Date.now();
  // a few commands in flight per process, as an API or worker process has under load
  let next = offset;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < offset + count) {
        const i = next++;
        const instance = await engine.startInstance({ processId: 'bench-single-task', variables: { group: `group-${i % 10}`, ticket: `INC-${i}` } });
        if (complete) {
          const task = (await engine.listTasks({ instanceId: instance.id, state: 'created' })).items[0];
          await engine.completeTask(task.id, { resolution: 'fixed' }, 'bench');
        }
      }
    }),
  );
  const ms = Date.now() - t0;
  await engine.idle();
  await engine.stop();
  process.send!({ ms }, () => process.exit(0));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
