/**
 * The TypeScript shapes of validated requests (what `inputOf` hands a route after api/schemas.ts's
 * schemas passed), re-exported by api/schemas.ts.
 */
import type { DUE_WINDOWS } from './schemaParts';

export type Variables = Record<string, unknown>;
export interface Paging {
  limit?: number;
  cursor?: string;
}
export interface DraftBody {
  name?: string;
  xml: string;
  forms?: { name: string; content: string }[];
}
export interface DeployBody {
  resources: { name: string; content: string }[];
}
export interface StartBody {
  processId: string;
  version?: number;
  businessKey?: string;
  variables?: Variables;
  raisedFrom?: string;
}
export interface InstanceListQuery extends Paging {
  processId?: string;
  state?: 'active' | 'completed' | 'terminated' | 'incident';
  businessKey?: string;
  parentInstanceId?: string;
}
export interface ExportQuery {
  processId?: string;
  from?: string;
  to?: string;
  format?: 'json' | 'csv';
}
export interface CheckpointQuery {
  after?: number;
  limit?: number;
}
export interface TaskListQuery extends Paging {
  assignee?: string;
  candidateGroup?: string;
  state?: 'created' | 'completed' | 'canceled';
  processInstanceId?: string;
  processId?: string;
  priority?: number;
  dueFrom?: string;
  dueTo?: string;
  due?: (typeof DUE_WINDOWS)[number];
  q?: string;
  sort?: string;
  page?: number;
  mine?: boolean;
}
export type TaskViewQuery = Pick<TaskListQuery, 'state' | 'processId' | 'assignee' | 'candidateGroup' | 'priority' | 'due' | 'q' | 'sort' | 'limit'>;
export interface MessageBody {
  name: string;
  correlationKey?: string;
  variables?: Variables;
  timeToLive?: number;
  messageId?: string;
}
export interface SignalBody {
  name: string;
  variables?: Variables;
}
export interface ActivateBody {
  type: string;
  worker: string;
  maxJobs?: number;
  lockMs?: number;
  fetchVariables?: string[];
}
export interface FailBody {
  retries: number;
  errorMessage?: string;
  retryBackOff?: number;
}
export interface JobErrorBody {
  errorCode: string;
  errorMessage?: string;
}
export interface ModifyBody {
  activateInstructions?: { elementId: string; variables?: Variables }[];
  terminateInstructions?: { elementId: string }[];
}
export interface IncidentListQuery {
  processInstanceId?: string;
  state?: 'open' | 'resolved';
}
export interface RetryIncidentsBody {
  ids: string[];
}

// ---- the types of the answers, derived from the schemas above --------------------------------------
