/** Jobs on BullMQ: one queue per job type (see bullmqJobDelivery.ts). */
export { BullmqJobDelivery } from './bullmqJobDelivery';
export { BpmnError } from './bpmnError';
export { bullmqJobId, engineJobKey, jobQueueName } from './names';
export { JOB_QUEUE_SETTINGS_SCHEMA, JobTypeSettingsTable, type JobQueueSettings, type JobTypeSettings } from './settings';
export type { JobDelivery, JobFailure, JobHandler, JobQueueStats, JobSink, ProcessDeskJobData, WorkOptions } from './types';
