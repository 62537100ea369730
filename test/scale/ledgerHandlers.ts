/**
 * WORKER_HANDLERS of test/scale/pullWorkers.test.ts: each job's side effect goes to the ledger
 * (ledger.ts, LEDGER_FILE). `ledger-*` types succeed after a few ms of work; `flaky` always fails.
 */
import type { JobRow } from '../../engine/store/types';
import { ledgerWriter } from './ledger';

const ledger = ledgerWriter(process.env.LEDGER_FILE!, process.env.WORKER_ID!);

export default {
  'ledger-a': (job: JobRow) => ledger.record(job, {}),
  'ledger-b': (job: JobRow) => ledger.record(job, {}),
  flaky: (job: JobRow) => {
    ledger.run(job);
    throw new Error(`flaky ${job.retries}`);
  },
};
