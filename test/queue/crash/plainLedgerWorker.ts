/**
 * The crash test's plain BullMQ worker, as a team would write one: no ProcessDesk code but the queue
 * name and the data type. Argv: redis url, prefix. Prints "ready" once it listens; SIGTERM closes it.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { jobQueueName, type ProcessDeskJobData } from '../../../engine/queue/jobs';
import { recordJob } from './ledger';

const [url, prefix] = process.argv.slice(2);
const redis = new Redis(url, { maxRetriesPerRequest: null });
const worker = new Worker<ProcessDeskJobData>(jobQueueName('ledger'), (job) => recordJob(redis, prefix, job.data.key, 'plain'), {
  connection: { url },
  prefix,
  name: 'plain',
  concurrency: 8,
  lockDuration: 2000,
  stalledInterval: 1000,
});
worker.on('error', (err) => console.error(err));
void worker.waitUntilReady().then(() => console.log('ready'));
process.once('SIGTERM', () => {
  void worker.close().then(() => {
    redis.disconnect();
    process.exit(0);
  });
});
