/**
 * WORKER_HANDLERS of the crash test's `npm run worker`: the `ledger` job type records its job (ledger.ts).
 * Once the test raises the hold flag, each job this worker has done stays in its hand (effect written,
 * result not reported) until the process is killed: the kill then finds jobs in hand on any machine, however
 * fast the other worker drains the queue.
 */
import { Redis } from 'ioredis';
import type { JobRow } from '../../../engine/store/types';
import { holdKey, recordJob } from './ledger';

const redis = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: null });
const prefix = process.env.REDIS_PREFIX!;

export default {
  ledger: async (job: JobRow) => {
    const result = await recordJob(redis, prefix, job.key, process.env.WORKER_ID!);
    if (await redis.exists(holdKey(prefix))) await new Promise(() => undefined);
    return result;
  },
};
