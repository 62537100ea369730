/**
 * The catalog of every operation of the API: method, path, the permission it needs (api/auth.ts), the
 * schemas of its path, query and body (api/schemas.ts) and what it answers. Routers mount their
 * handlers against these entries (api/operation.ts); the OpenAPI document and the authorization matrix
 * test read the same list.
 */
import type { Permission } from './auth';
import type { RequestSchemaName, ResponseSchemaName } from './schemas';

export type Method = 'get' | 'post';

export interface Operation {
  operationId: string;
  method: Method;
  /** Express path (`:param`). */
  path: string;
  permission: Permission;
  summary: string;
  tag: string;
  params?: RequestSchemaName;
  query?: RequestSchemaName;
  body?: RequestSchemaName;
  /** Success status and its JSON schema, or a content type for non-JSON answers. */
  success: { status: number; schema?: ResponseSchemaName; contentType?: string; description?: string };
  /** Error statuses this operation may answer besides 401/403 (and 400 when it takes input). */
  errors?: number[];
}

const op = (o: Operation): Operation => o;

export const OPERATIONS = {
  createDeployment: op({
    operationId: 'createDeployment', method: 'post', path: '/api/deployments', permission: 'deployments.create', tag: 'deployments',
    summary: 'Deploy BPMN processes with their forms and variable schemas (all or nothing)', body: 'DeployRequest',
    success: { status: 201, schema: 'Deployment' }, errors: [413],
  }),

  listProcesses: op({
    operationId: 'listProcesses', method: 'get', path: '/api/processes', permission: 'processes.read', tag: 'processes',
    summary: 'The latest version of each deployed process', success: { status: 200, schema: 'ProcessPage' },
  }),
  getProcess: op({
    operationId: 'getProcess', method: 'get', path: '/api/processes/:key', permission: 'processes.read', tag: 'processes',
    summary: 'One process definition (`processId:version`, or processId for the latest)', params: 'KeyParams',
    success: { status: 200, schema: 'Process' }, errors: [404],
  }),
  getProcessXml: op({
    operationId: 'getProcessXml', method: 'get', path: '/api/processes/:key/xml', permission: 'processes.read', tag: 'processes',
    summary: 'The deployed BPMN XML', params: 'KeyParams', success: { status: 200, contentType: 'application/xml' }, errors: [404],
  }),
  getProcessMachine: op({
    operationId: 'getProcessMachine', method: 'get', path: '/api/processes/:key/machine', permission: 'processes.read', tag: 'processes',
    summary: 'The compiled XState machine config as JSON', params: 'KeyParams', success: { status: 200, description: 'XState machine config' }, errors: [404],
  }),

  startInstance: op({
    operationId: 'startInstance', method: 'post', path: '/api/process-instances', permission: 'instances.start', tag: 'instances',
    summary: 'Start a process instance', body: 'StartInstanceRequest', success: { status: 201, schema: 'Instance' }, errors: [404, 409, 413],
  }),
  listInstances: op({
    operationId: 'listInstances', method: 'get', path: '/api/process-instances', permission: 'instances.read', tag: 'instances',
    summary: 'Process instances, oldest first, paged', query: 'InstanceListQuery', success: { status: 200, schema: 'InstancePage' },
  }),
  getInstance: op({
    operationId: 'getInstance', method: 'get', path: '/api/process-instances/:id', permission: 'instances.read', tag: 'instances',
    summary: 'One process instance', params: 'IdParams', success: { status: 200, schema: 'Instance' }, errors: [404],
  }),
  cancelInstance: op({
    operationId: 'cancelInstance', method: 'post', path: '/api/process-instances/:id/cancel', permission: 'instances.cancel', tag: 'instances',
    summary: 'Cancel (terminate) a process instance', params: 'IdParams', body: 'EmptyRequest', success: { status: 200, schema: 'Instance' }, errors: [404, 409, 413],
  }),
  setInstanceVariables: op({
    operationId: 'setInstanceVariables', method: 'post', path: '/api/process-instances/:id/variables', permission: 'instances.modify', tag: 'instances',
    summary: 'Set process-level variables of a running instance (to fix data before retrying an incident); recorded in its history',
    params: 'IdParams', body: 'SetVariablesRequest', success: { status: 200, schema: 'Instance' }, errors: [400, 404, 409, 413],
  }),
  getInstanceHistory: op({
    operationId: 'getInstanceHistory', method: 'get', path: '/api/process-instances/:id/history', permission: 'history.read', tag: 'history',
    summary: 'The hash-chained history of an instance (`?format=csv` for CSV)', params: 'IdParams', query: 'HistoryQuery',
    success: { status: 200, schema: 'History' }, errors: [404],
  }),
  verifyInstanceHistory: op({
    operationId: 'verifyInstanceHistory', method: 'get', path: '/api/process-instances/:id/history/verify', permission: 'history.read', tag: 'history',
    summary: 'Verify the hash chain of an instance history', params: 'IdParams', success: { status: 200, schema: 'Verify' }, errors: [404],
  }),
  getInstanceEvidence: op({
    operationId: 'getInstanceEvidence', method: 'get', path: '/api/process-instances/:id/evidence', permission: 'history.export', tag: 'history',
    summary: 'Evidence pack: who started, claimed, completed, worked and decided what and when, with data, and the verified chains, the instances its call activities started (approvals) included (`?format=csv`)',
    params: 'IdParams', query: 'HistoryQuery', success: { status: 200, schema: 'Evidence' }, errors: [404],
  }),
  exportHistory: op({
    operationId: 'exportHistory', method: 'get', path: '/api/history/export', permission: 'history.export', tag: 'history',
    summary: 'Stream all history events of the matching instances (JSON or CSV)', query: 'ExportQuery',
    success: { status: 200, schema: 'History', description: 'JSON {events}, or text/csv with `?format=csv`' },
  }),

  listTasks: op({
    operationId: 'listTasks', method: 'get', path: '/api/tasks', permission: 'tasks.read', tag: 'tasks',
    summary: 'User tasks (agents see only theirs and their groups\')', query: 'TaskListQuery', success: { status: 200, schema: 'TaskPage' },
  }),
  getTask: op({
    operationId: 'getTask', method: 'get', path: '/api/tasks/:id', permission: 'tasks.read', tag: 'tasks',
    summary: 'One user task with its form and variables', params: 'IdParams', success: { status: 200, schema: 'TaskDetail' }, errors: [404],
  }),
  claimTask: op({
    operationId: 'claimTask', method: 'post', path: '/api/tasks/:id/claim', permission: 'tasks.work', tag: 'tasks',
    summary: 'Assign the task to the caller', params: 'IdParams', body: 'ClaimRequest', success: { status: 200, schema: 'Task' }, errors: [404, 409, 413],
  }),
  unclaimTask: op({
    operationId: 'unclaimTask', method: 'post', path: '/api/tasks/:id/unclaim', permission: 'tasks.work', tag: 'tasks',
    summary: 'Clear the assignee', params: 'IdParams', body: 'EmptyRequest', success: { status: 200, schema: 'Task' }, errors: [404, 409, 413],
  }),
  delegateTask: op({
    operationId: 'delegateTask', method: 'post', path: '/api/tasks/:id/delegate', permission: 'tasks.work', tag: 'tasks',
    summary: 'Hand the task to a substitute (only its assignee, or an admin)', params: 'IdParams', body: 'DelegateRequest',
    success: { status: 200, schema: 'Task' }, errors: [404, 409, 413],
  }),
  completeTask: op({
    operationId: 'completeTask', method: 'post', path: '/api/tasks/:id/complete', permission: 'tasks.work', tag: 'tasks',
    summary: 'Complete the task; variables are checked against its form', params: 'IdParams', body: 'CompleteTaskRequest',
    success: { status: 200, schema: 'Task' }, errors: [404, 409, 413],
  }),

  publishMessage: op({
    operationId: 'publishMessage', method: 'post', path: '/api/messages', permission: 'messages.publish', tag: 'messages',
    summary: 'Publish a message (correlated now or buffered for its time to live)', body: 'MessageRequest', success: { status: 200, schema: 'MessageResult' }, errors: [413],
  }),
  broadcastSignal: op({
    operationId: 'broadcastSignal', method: 'post', path: '/api/signals', permission: 'signals.broadcast', tag: 'messages',
    summary: 'Broadcast a signal', body: 'SignalRequest', success: { status: 200, schema: 'SignalResult' }, errors: [413],
  }),

  activateJobs: op({
    operationId: 'activateJobs', method: 'post', path: '/api/jobs/activate', permission: 'jobs.work', tag: 'jobs',
    summary: 'Lock up to maxJobs jobs of a type for a worker', body: 'ActivateJobsRequest', success: { status: 200, schema: 'JobList' }, errors: [413],
  }),
  completeJob: op({
    operationId: 'completeJob', method: 'post', path: '/api/jobs/:key/complete', permission: 'jobs.work', tag: 'jobs',
    summary: 'Complete a job', params: 'JobKeyParams', body: 'CompleteJobRequest', success: { status: 200, schema: 'Ok' }, errors: [404, 409, 413],
  }),
  failJob: op({
    operationId: 'failJob', method: 'post', path: '/api/jobs/:key/fail', permission: 'jobs.work', tag: 'jobs',
    summary: 'Report a failed attempt; with no retries left an incident is raised', params: 'JobKeyParams', body: 'FailJobRequest',
    success: { status: 200, schema: 'Job' }, errors: [404, 409, 413],
  }),
  throwJobError: op({
    operationId: 'throwJobError', method: 'post', path: '/api/jobs/:key/error', permission: 'jobs.work', tag: 'jobs',
    summary: 'Throw a BPMN error from a job', params: 'JobKeyParams', body: 'JobErrorRequest', success: { status: 200, schema: 'Ok' }, errors: [404, 409, 413],
  }),

  listIncidents: op({
    operationId: 'listIncidents', method: 'get', path: '/api/incidents', permission: 'incidents.read', tag: 'incidents',
    summary: 'Incidents', query: 'IncidentListQuery', success: { status: 200, schema: 'IncidentPage' },
  }),
  resolveIncident: op({
    operationId: 'resolveIncident', method: 'post', path: '/api/incidents/:id/resolve', permission: 'incidents.resolve', tag: 'incidents',
    summary: 'Resolve an incident (a failed job gets its retries back)', params: 'IdParams', body: 'EmptyRequest',
    success: { status: 200, schema: 'Incident' }, errors: [404, 409, 413],
  }),

  health: op({
    operationId: 'health', method: 'get', path: '/api/health', permission: 'public', tag: 'system',
    summary: 'Liveness and store health (503 when the store does not answer)', success: { status: 200, schema: 'Health' }, errors: [503],
  }),
  metrics: op({
    operationId: 'metrics', method: 'get', path: '/api/metrics', permission: 'public', tag: 'system',
    summary: 'Prometheus metrics', success: { status: 200, contentType: 'text/plain' },
  }),
  me: op({
    operationId: 'me', method: 'get', path: '/api/me', permission: 'self.read', tag: 'system',
    summary: 'The caller: user id, roles and groups (the web app shows what the role may do)', success: { status: 200, schema: 'Me' },
  }),

  openapi: op({
    operationId: 'openapi', method: 'get', path: '/api/openapi.json', permission: 'public', tag: 'system',
    summary: 'This document', success: { status: 200, description: 'OpenAPI 3.1 document' },
  }),
} satisfies Record<string, Operation>;

export type OperationId = keyof typeof OPERATIONS;
export const ALL_OPERATIONS: Operation[] = Object.values(OPERATIONS);
