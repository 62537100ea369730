/**
 * Child process of crash.test.ts: runs crash.bpmn instances on a data directory, working jobs and
 * tasks as fast as it can, until every instance has ended. `--start N` first starts N instances
 * (printing "started" once all are committed). Killed with SIGKILL at a random moment by the test.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../engine';

async function main(): Promise<void> {
  const [dataDir, mode, count] = process.argv.slice(2);
  const engine = await new Engine({ dataDir, onError: (err, where) => console.error(where, err) }).start();
  if (mode === '--start') {
    await engine.deploy([{ name: 'crash.bpmn', content: fs.readFileSync(path.join(__dirname, 'crash.bpmn'), 'utf8') }]);
    for (let i = 0; i < Number(count); i++) {
      await engine.startInstance({ processId: 'crashTest', businessKey: `c${i}`, variables: { a: i, delay: 'PT0.1S' } });
    }
    console.log('started');
  }
  const expectNothing = async (work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (err) {
      // Another attempt already finished this job or task (e.g. a lock that expired during the crash).
      if ((err as { code?: string }).code !== 'CONFLICT') throw err;
    }
  };
  for (;;) {
    let worked = 0;
    for (const type of ['crash-a', 'crash-b']) {
      for (const job of await engine.activateJobs({ type, worker: `pid-${process.pid}`, maxJobs: 25, lockMs: 1000 })) {
        await expectNothing(() => engine.completeJob(job.key, type === 'crash-b' ? { b: 1000 } : {}));
        worked++;
      }
    }
    for (const task of (await engine.listTasks({ state: 'created', candidateGroup: 'crash-testers', limit: 25 })).items) {
      await expectNothing(() => engine.completeTask(task.id, { reviewed: true }, 'crash-bot'));
      worked++;
    }
    const active = await engine.listInstances({ processId: 'crashTest', state: 'active', limit: 1 });
    if (mode === '--start') {
      const completed = await engine.listInstances({ processId: 'crashTest', state: 'completed', limit: 1000 });
      console.log(`progress ${completed.items.length}`);
    }
    if (!active.items.length && mode !== '--start') break;
    if (!worked) await new Promise((r) => setTimeout(r, 20));
  }
  await engine.idle();
  await engine.stop();
  console.log('finished');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
