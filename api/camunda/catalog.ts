/**
 * The one description of the /v2 operations ProcessDesk serves (Camunda 8's Orchestration Cluster REST
 * API): method, path, permission (api/auth.ts, the same as /api's), ProcessDesk's limits on the body,
 * the success status. The shape of each body is Camunda's own schema (camundaSchemas.json, generated
 * from Camunda's client by `npm run camunda:schemas`); the router validates bodies with ajv against
 * both, `GET /v2/openapi.json` is built from them, and docs/camunda.md's table is checked against the
 * catalog (test/camunda/catalog.test.ts).
 */
import type { Permission } from '../auth';
import camundaSchemas from './camundaSchemas.json';
import { searchBody } from './search';

export interface V2Operation {
  operationId: string;
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Express path under /v2 (`:param`). */
  path: string;
  permission: Permission;
  summary: string;
  /** JSON schema of the JSON body; multipart and body-less operations have none. */
  body?: Record<string, unknown>;
  success: number;
  /** Content type of the answer when it is not JSON. */
  contentType?: string;
}

const variables = { type: 'object' } as const;
const key = { type: 'string', maxLength: 25, pattern: '^-?[0-9]+$' } as const;
const name = { type: 'string', minLength: 1, maxLength: 1000 } as const;
const tenantId = { type: 'string', maxLength: 256 } as const;
/** Camunda's int64 fields: the client may send them as JSON numbers or as numeric strings. */
const long = { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?[0-9]{1,15}$' }] } as const;
const obj = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', properties, required, additionalProperties: true });
const nullable = (schema: Record<string, unknown>) => ({ anyOf: [schema, { type: 'null' }] });

export const V2_OPERATIONS = {
  getTopology: { operationId: 'getTopology', method: 'get', path: '/topology', permission: 'self.read', summary: 'The cluster: one broker, one partition', success: 200 },
  createDeployment: {
    operationId: 'createDeployment',
    method: 'post',
    path: '/deployments',
    permission: 'deployments.create',
    summary: 'Deploy BPMN, DMN and form files (multipart/form-data, field `resources`)',
    success: 200,
  },
  createProcessInstance: {
    operationId: 'createProcessInstance',
    method: 'post',
    path: '/process-instances',
    permission: 'instances.start',
    summary: 'Start an instance by processDefinitionId (+version) or processDefinitionKey; awaitCompletion waits for its end',
    body: obj({
      processDefinitionId: name,
      processDefinitionVersion: { type: 'integer' },
      processDefinitionKey: key,
      variables,
      tenantId,
      awaitCompletion: { type: 'boolean' },
      requestTimeout: long,
      fetchVariables: { type: 'array', items: name, maxItems: 1000 },
    }),
    success: 200,
  },
  getProcessInstance: {
    operationId: 'getProcessInstance',
    method: 'get',
    path: '/process-instances/:processInstanceKey',
    permission: 'instances.read',
    summary: 'An instance',
    success: 200,
  },
  searchProcessInstances: {
    operationId: 'searchProcessInstances',
    method: 'post',
    path: '/process-instances/search',
    permission: 'instances.read',
    summary: 'Search instances',
    body: searchBody,
    success: 200,
  },
  cancelProcessInstance: {
    operationId: 'cancelProcessInstance',
    method: 'post',
    path: '/process-instances/:processInstanceKey/cancellation',
    permission: 'instances.cancel',
    summary: 'Cancel an instance (owners of its process and admins)',
    body: nullable(obj({ operationReference: long })),
    success: 204,
  },
  searchProcessDefinitions: {
    operationId: 'searchProcessDefinitions',
    method: 'post',
    path: '/process-definitions/search',
    permission: 'processes.read',
    summary: 'Search deployed process versions',
    body: searchBody,
    success: 200,
  },
  getProcessDefinition: {
    operationId: 'getProcessDefinition',
    method: 'get',
    path: '/process-definitions/:processDefinitionKey',
    permission: 'processes.read',
    summary: 'A process version',
    success: 200,
  },
  getProcessDefinitionXml: {
    operationId: 'getProcessDefinitionXml',
    method: 'get',
    path: '/process-definitions/:processDefinitionKey/xml',
    permission: 'processes.read',
    summary: 'Its BPMN XML',
    success: 200,
    contentType: 'text/xml',
  },
  activateJobs: {
    operationId: 'activateJobs',
    method: 'post',
    path: '/jobs/activation',
    permission: 'jobs.work',
    summary: 'Lock jobs of a type for a worker; with requestTimeout, waits (long poll) until jobs exist',
    body: obj(
      {
        type: name,
        worker: { type: 'string', maxLength: 1000 },
        timeout: long,
        maxJobsToActivate: { type: 'integer', minimum: 1 },
        fetchVariable: { type: 'array', items: name, maxItems: 1000 },
        requestTimeout: long,
        tenantIds: { type: 'array', items: tenantId, maxItems: 100 },
      },
      ['type', 'timeout', 'maxJobsToActivate'],
    ),
    success: 200,
  },
  completeJob: {
    operationId: 'completeJob',
    method: 'post',
    path: '/jobs/:jobKey/completion',
    permission: 'jobs.work',
    summary: 'Complete a job with variables',
    body: nullable(obj({ variables: nullable(variables) })),
    success: 204,
  },
  failJob: {
    operationId: 'failJob',
    method: 'post',
    path: '/jobs/:jobKey/failure',
    permission: 'jobs.work',
    summary: 'Fail a job: retries left, backoff, message (an incident when none are left)',
    body: nullable(obj({ retries: { type: 'integer', minimum: 0 }, errorMessage: { type: 'string', maxLength: 10_000 }, retryBackOff: long, variables })),
    success: 204,
  },
  throwJobError: {
    operationId: 'throwJobError',
    method: 'post',
    path: '/jobs/:jobKey/error',
    permission: 'jobs.work',
    summary: 'Throw a BPMN error from a job (a boundary or event subprocess may catch it)',
    body: obj({ errorCode: name, errorMessage: nullable({ type: 'string', maxLength: 10_000 }), variables: nullable(variables) }, ['errorCode']),
    success: 204,
  },
  updateJob: {
    operationId: 'updateJob',
    method: 'patch',
    path: '/jobs/:jobKey',
    permission: 'jobs.work',
    summary: 'Change the retries of a job, or the timeout of an activated one (jobs polled from rows; 400 on BullMQ)',
    body: obj({ changeset: obj({ retries: nullable({ type: 'integer', minimum: 0 }), timeout: nullable(long) }), operationReference: long }, ['changeset']),
    success: 204,
  },
  searchUserTasks: {
    operationId: 'searchUserTasks',
    method: 'post',
    path: '/user-tasks/search',
    permission: 'tasks.read',
    summary: "Search user tasks (agents: theirs and their groups')",
    body: searchBody,
    success: 200,
  },
  getUserTask: { operationId: 'getUserTask', method: 'get', path: '/user-tasks/:userTaskKey', permission: 'tasks.read', summary: 'A user task', success: 200 },
  assignUserTask: {
    operationId: 'assignUserTask',
    method: 'post',
    path: '/user-tasks/:userTaskKey/assignment',
    permission: 'tasks.work',
    summary: 'Assign (claim) a user task',
    body: obj({ assignee: name, allowOverride: nullable({ type: 'boolean' }), action: nullable({ type: 'string' }) }, ['assignee']),
    success: 204,
  },
  unassignUserTask: {
    operationId: 'unassignUserTask',
    method: 'delete',
    path: '/user-tasks/:userTaskKey/assignee',
    permission: 'tasks.work',
    summary: 'Unassign a user task',
    success: 204,
  },
  completeUserTask: {
    operationId: 'completeUserTask',
    method: 'post',
    path: '/user-tasks/:userTaskKey/completion',
    permission: 'tasks.work',
    summary: 'Complete a user task with variables',
    body: nullable(obj({ variables: nullable(variables), action: nullable({ type: 'string' }) })),
    success: 204,
  },
  getUserTaskForm: {
    operationId: 'getUserTaskForm',
    method: 'get',
    path: '/user-tasks/:userTaskKey/form',
    permission: 'tasks.read',
    summary: "The task's form (form-js JSON as `schema`); 204 when it has none",
    success: 200,
  },
  searchUserTaskVariables: {
    operationId: 'searchUserTaskVariables',
    method: 'post',
    path: '/user-tasks/:userTaskKey/variables/search',
    permission: 'tasks.read',
    summary: 'The variables the task sees (its scope and input mappings)',
    body: nullable(searchBody),
    success: 200,
  },
  updateUserTask: {
    operationId: 'updateUserTask',
    method: 'patch',
    path: '/user-tasks/:userTaskKey',
    permission: 'tasks.work',
    summary: 'Change due and follow-up dates, priority (who works the task) or candidates (admins)',
    body: nullable(obj({ changeset: nullable({ type: 'object' }), action: nullable({ type: 'string' }) })),
    success: 204,
  },
  searchIncidents: {
    operationId: 'searchIncidents',
    method: 'post',
    path: '/incidents/search',
    permission: 'incidents.read',
    summary: 'Search incidents',
    body: searchBody,
    success: 200,
  },
  getIncident: { operationId: 'getIncident', method: 'get', path: '/incidents/:incidentKey', permission: 'incidents.read', summary: 'An incident', success: 200 },
  resolveIncident: {
    operationId: 'resolveIncident',
    method: 'post',
    path: '/incidents/:incidentKey/resolution',
    permission: 'incidents.resolve',
    summary: 'Resolve (retry) an incident',
    body: nullable(obj({ operationReference: long })),
    success: 204,
  },
  publishMessage: {
    operationId: 'publishMessage',
    method: 'post',
    path: '/messages/publication',
    permission: 'messages.publish',
    summary: 'Publish a message (buffered for timeToLive ms)',
    body: obj(
      {
        name,
        correlationKey: { type: 'string', maxLength: 1000 },
        timeToLive: long,
        messageId: { type: 'string', maxLength: 1000 },
        variables,
        tenantId,
      },
      ['name'],
    ),
    success: 200,
  },
  correlateMessage: {
    operationId: 'correlateMessage',
    method: 'post',
    path: '/messages/correlation',
    permission: 'messages.publish',
    summary: 'Correlate a message to a waiting instance or a message start event (404 when nothing takes it)',
    body: obj({ name, correlationKey: { type: 'string', maxLength: 1000 }, variables, tenantId }, ['name']),
    success: 200,
  },
  broadcastSignal: {
    operationId: 'broadcastSignal',
    method: 'post',
    path: '/signals/broadcast',
    permission: 'signals.broadcast',
    summary: 'Broadcast a signal',
    body: obj({ signalName: name, variables, tenantId }, ['signalName']),
    success: 200,
  },
  searchVariables: {
    operationId: 'searchVariables',
    method: 'post',
    path: '/variables/search',
    permission: 'instances.read',
    summary: 'Search process-level variables',
    body: searchBody,
    success: 200,
  },
  getVariable: { operationId: 'getVariable', method: 'get', path: '/variables/:variableKey', permission: 'instances.read', summary: 'A variable, its value whole', success: 200 },
  searchProcessInstanceIncidents: {
    operationId: 'searchProcessInstanceIncidents',
    method: 'post',
    path: '/process-instances/:processInstanceKey/incidents/search',
    permission: 'incidents.read',
    summary: "An instance's incidents",
    body: nullable(searchBody),
    success: 200,
  },
  searchElementInstances: {
    operationId: 'searchElementInstances',
    method: 'post',
    path: '/element-instances/search',
    permission: 'instances.read',
    summary: 'Search the element instances of one instance (filter.processInstanceKey, elementInstanceKey or incidentKey names it), read from its history',
    body: searchBody,
    success: 200,
  },
  evaluateDecision: {
    operationId: 'evaluateDecision',
    method: 'post',
    path: '/decision-definitions/evaluation',
    permission: 'instances.start',
    summary: 'Evaluate the latest deployed version of a DMN decision',
    body: obj({ decisionDefinitionId: name, decisionDefinitionKey: key, variables, tenantId }),
    success: 200,
  },
} as const satisfies Record<string, V2Operation>;

export type V2OperationId = keyof typeof V2_OPERATIONS;

/** The OpenAPI document of /v2 (GET /v2/openapi.json). */
export function v2OpenApi(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of Object.values(V2_OPERATIONS) as V2Operation[]) {
    const path = op.path.replace(/:(\w+)/g, '{$1}');
    const params = [...op.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: key }));
    const body =
      op.operationId === 'createDeployment'
        ? { content: { 'multipart/form-data': { schema: { type: 'object', properties: { resources: { type: 'array', items: { type: 'string', format: 'binary' } } } } } } }
        : op.body
          ? { content: { 'application/json': { schema: { allOf: [(camundaSchemas.operations as Record<string, unknown>)[op.operationId], op.body] } } } }
          : undefined;
    (paths[path] ??= {})[op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      description: `Permission: ${op.permission} (api/auth.ts).`,
      ...(params.length ? { parameters: params } : {}),
      ...(body ? { requestBody: body } : {}),
      responses: {
        [op.success]: { description: 'success', ...(op.success === 204 ? {} : { content: { [op.contentType ?? 'application/json']: {} } }) },
        default: { description: 'RFC 9457 problem detail', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetail' } } } },
      },
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'ProcessDesk: Camunda 8 Orchestration Cluster REST API (subset)', version: '8.8' },
    servers: [{ url: '/v2' }],
    components: {
      securitySchemes: { basic: { type: 'http', scheme: 'basic' }, bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        ProblemDetail: {
          type: 'object',
          properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, instance: { type: 'string' } },
        },
      },
    },
    security: [{ basic: [] }, { bearer: [] }],
    paths,
  };
}
