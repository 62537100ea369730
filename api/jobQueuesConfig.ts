/**
 * JOB_QUEUES: the JSON file of the BullMQ job queues' settings (per job type: concurrency, rate limit,
 * backoff, priority, timeout, fetchVariables; and the engine's sync periods), read once at start by the
 * API and by `npm run worker`. Every process of a deployment should read the same file. A file that does
 * not match the schema (engine/queue/jobs/settings.ts) stops the start with every problem listed.
 */
import fs from 'node:fs';
import Ajv from 'ajv';
import { JOB_QUEUE_SETTINGS_SCHEMA, type JobQueueSettings } from '../engine';

const validate = new Ajv({ allErrors: true, strict: true }).compile<JobQueueSettings>(JOB_QUEUE_SETTINGS_SCHEMA);

export function readJobQueueSettings(file: string): JobQueueSettings {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`JOB_QUEUES ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (!validate(json)) {
    const problems = (validate.errors ?? []).map(
      (e) => `${e.instancePath || '/'} ${e.message}${e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : ''}`,
    );
    throw new Error(`JOB_QUEUES ${file}: ${problems.join('; ')}`);
  }
  return json;
}
