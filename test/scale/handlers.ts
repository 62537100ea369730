/**
 * Job handlers of the scale test's workers (WORKER_HANDLERS): the service tasks of test/crash/crash.bpmn,
 * each writing its effect to the ledger (ledger.ts, LEDGER_FILE) so that the test sees from outside the
 * engine what ran, where, and how often.
 */
import type { JobRow } from '../../engine/store/types';
import { ledgerWriter } from './ledger';

const ledger = ledgerWriter(process.env.LEDGER_FILE!, process.env.WORKER_ID!);

export default {
  'crash-a': (job: JobRow) => ledger.record(job, {}),
  'crash-b': (job: JobRow) => ledger.record(job, { b: 1000 }),
};
