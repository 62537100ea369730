/**
 * The Camunda client suite (clientSuite.ts) with timers and jobs on BullMQ (Redis on 127.0.0.1:6379):
 * activations take the jobs from their queues. A key prefix of its own, removed afterwards.
 */
import { dropPrefix, FAST, REDIS_URL, testPrefix } from '../queue/jobQueues';
import { clientSuite } from './clientSuite';

const prefix = testPrefix('v2-client');
clientSuite(
  'jobs on BullMQ (REDIS_URL)',
  () => ({ redisUrl: REDIS_URL, redisPrefix: prefix, jobQueues: FAST }),
  () => dropPrefix(prefix),
);
