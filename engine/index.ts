/**
 * ProcessDesk engine: the library API, and the only file of engine/ the API layer imports
 * (docs/architecture.md, "The layers"; the lint enforces it).
 */
export { Engine } from './runtime/engine';
export type { EngineOptions, InstanceView, StartInstanceRequest } from './runtime/engine';
export { DEFAULT_INSTANCE_CACHE, type InstanceCacheOptions, type InstanceCacheStats } from './runtime/instanceCache';
export type { MigrationReport, MigrationRequest } from './runtime/versions';
export { draftSize } from './runtime/drafts';
export { SLA_GROUP_KEYS, type SlaGroupKey, type SlaReport, type SlaReportRow } from './runtime/slaReports';
export { processHeatmap, processVersions, type ElementCounts, type ProcessHeatmap, type ProcessVersions, type VersionSummary } from './runtime/processStats';
export type { MappingInstruction, Modification } from './compile/versions';
export type { Caller } from './runtime/access';
export type { TaskDesk, TaskNote, AttachmentInfo, TaskChanges } from './runtime/taskDesk';
export type { TicketLinks } from './runtime/ticketLinks';
export type { MessageAction } from './runtime/messageActions';
export type { MessageFormCheck } from './runtime/messaging';
export type { StartableProcess } from './runtime/startForms';
export { StaticDirectory, type Directory, type DirectoryUser } from './expr/directory';
export { DEFAULT_LIMITS, jsonDepth, type Limits } from './expr/limits';
export { validateCalendar, validateCalendars, type BusinessCalendarConfig } from './expr/businessCalendar';
export { durationToMs, parseDateTime } from './expr/timers';
export { EngineError } from './runtime/errors';
export type { DeployResource, DeploymentResult } from './runtime/deploy';
export { DeploymentError } from './bpmn/model';
export type { ProcessModel, ModelProblem } from './bpmn/model';
export { verifyChain, verifyInstance, verifyHistoryEvidence, checkpointProblems } from './runtime/verify';
export type { VerifyResult, ChainProblem, ProblemKind, HistoryEvidence } from './runtime/verify';
export { verifierFromPem, type SealVerifier } from './runtime/sealing';
export { DEMO_JOB_TYPES, startDemoWorkers } from './runtime/demoWorkers';
export { BpmnError, JOB_QUEUE_SETTINGS_SCHEMA, jobQueueName } from './queue/jobs';
export type { JobHandler, JobQueueSettings, JobQueueStats, JobTypeSettings, ProcessDeskJobData } from './queue/jobs';
export { BullmqScheduler } from './queue/bullmqScheduler';
export type { Scheduler } from './queue/types';
export { openStore, storeOptionsOf, ConflictError, InvalidCursorError, DEFAULT_GROUP_COMMIT_MAX, type OpenStoreOptions } from './store';
export type * from './store/types';
export { TASK_SORT_FIELDS } from './store/types';
