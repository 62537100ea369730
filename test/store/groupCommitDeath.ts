/**
 * Child process of groupCommit.test.ts: commits `acked` (and prints "acked acked" once it resolved),
 * then queues two commits in one turn of the event loop, so they share one group transaction:
 * `applied` (a normal start) and `fatal`, whose history event fires a temporary trigger that SIGKILLs
 * this process. The process therefore dies inside the group transaction, after `applied` was written
 * into it and before COMMIT.
 */
import { SqliteStore } from '../../engine/store';
import { event, instance, startBatch } from './factories';

async function main(): Promise<void> {
  const store = new SqliteStore({ file: process.argv[2] });
  await store.init();
  await store.commit(startBatch(instance('acked')));
  console.log('acked acked');
  // Diagnostics hook of the adapter tests: a SQL function that kills the process, run by a trigger.
  store.connection.function('die', () => process.kill(process.pid, 'SIGKILL'));
  store.connection.exec(`CREATE TEMP TRIGGER die_on_fatal AFTER INSERT ON main.history WHEN NEW.type = 'fatal' BEGIN SELECT die(); END`);
  const applied = store.commit(startBatch(instance('applied'))).then(() => console.log('acked applied'));
  const fatal = store.commit(startBatch(instance('fatal'), { history: [event('fatal', 1, { type: 'fatal' })] })).then(() => console.log('acked fatal'));
  console.log('queued');
  await Promise.all([applied, fatal]);
  console.log('survived');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
