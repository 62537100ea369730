/** WORKER_HANDLERS of the crash test's `npm run worker`: the `ledger` job type records its job (ledger.ts). */
import { Redis } from 'ioredis';
import type { JobRow } from '../../../engine/store/types';
import { recordJob } from './ledger';

const redis = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: null });
const prefix = process.env.REDIS_PREFIX!;

export default {
  ledger: (job: JobRow) => recordJob(redis, prefix, job.key, process.env.WORKER_ID!),
};
