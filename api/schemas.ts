/**
 * JSON Schemas of every request body, query and path of the API, and of what it answers. Requests are
 * validated with them by ajv (api/validate.ts); the OpenAPI 3.1 document (api/openapi.ts) is built from
 * the very same objects, so the two never drift apart.
 *
 * Bodies refuse unknown properties (a typo is a 400, not silently ignored); queries ignore unknown
 * parameters (caches and browsers add their own).
 */

export type Schema = Record<string, unknown>;

const MAX_ID = 1000;
const id = { type: 'string', minLength: 1, maxLength: MAX_ID } as const;
const name = { type: 'string', minLength: 1, maxLength: 255 } as const;
const variables = { type: 'object', description: 'process variables (JSON object)', additionalProperties: true } as const;
const isoTime = { type: 'string', format: 'date-time' } as const;
const optionalIsoTime = { type: ['string', 'null'], format: 'date-time' } as const;
const limit = { type: 'integer', minimum: 1, maximum: 1000, description: 'page size (default 100)' } as const;
const cursor = { type: 'string', maxLength: 1000, description: 'opaque cursor from the `next` of the previous page' } as const;
const obj = (properties: Record<string, unknown>, required: string[] = [], extra: Schema = {}): Schema => ({
  type: 'object', properties, required, additionalProperties: false, ...extra,
});
const query = (properties: Record<string, unknown>): Schema => ({ type: 'object', properties, additionalProperties: true });

/** 5 MB of BPMN or form JSON per resource (the body limit is a little more). */
export const MAX_RESOURCE_CHARS = 5 * 1024 * 1024;

// ---- requests -----------------------------------------------------------------------------------

export const requests = {
  IdParams: obj({ id }, ['id']),
  KeyParams: obj({ key: { ...id, description: '`processId:version`, or a processId for its latest version' } }, ['key']),
  JobKeyParams: obj({ key: id }, ['key']),

  DeployRequest: obj(
    {
      resources: {
        type: 'array', minItems: 1, maxItems: 100,
        items: obj({ name: { ...name, description: 'file name: *.bpmn, *.dmn, *.form or *.schema.json' }, content: { type: 'string', maxLength: MAX_RESOURCE_CHARS } }, ['name', 'content']),
      },
    },
    ['resources'],
  ),

  StartInstanceRequest: obj({ processId: id, version: { type: 'integer', minimum: 1 }, businessKey: name, variables }, ['processId']),
  InstanceListQuery: query({
    processId: id, state: { enum: ['active', 'completed', 'terminated', 'incident'] }, businessKey: name,
    parentInstanceId: { ...id, description: 'only the child instances a call activity of this instance started' }, limit, cursor,
  }),
  HistoryQuery: query({ format: { enum: ['json', 'csv'], description: 'default json' } }),
  ExportQuery: query({
    processId: id, from: { ...isoTime, description: 'instances started at or after' }, to: { ...isoTime, description: 'instances started at or before' },
    format: { enum: ['json', 'csv'], description: 'default json' },
  }),

  TaskListQuery: query({
    assignee: id, candidateGroup: id, state: { enum: ['created', 'completed', 'canceled'] }, processInstanceId: id, processId: id, limit, cursor,
  }),
  DelegateRequest: obj({ to: { ...id, description: 'the substitute who gets the task' } }, ['to']),
  ClaimRequest: obj({ assignee: { ...id, description: 'admins may assign to someone else; others claim for themselves' } }),
  CompleteTaskRequest: obj({ variables }),
  SetVariablesRequest: obj({ variables: { ...variables, minProperties: 1 } }, ['variables']),
  EmptyRequest: obj({}),

  MessageRequest: obj(
    {
      name, correlationKey: { type: 'string', maxLength: 1000 }, variables,
      timeToLive: { type: 'integer', minimum: 0, description: 'ms the message stays buffered (default 1 h)' },
      messageId: { ...name, description: 'deduplicates publications while the first is buffered' },
    },
    ['name'],
  ),
  SignalRequest: obj({ name, variables }, ['name']),

  ActivateJobsRequest: obj(
    {
      type: name, worker: name, maxJobs: { type: 'integer', minimum: 1, maximum: 1000, description: 'default 1' },
      lockMs: { type: 'integer', minimum: 1, maximum: 24 * 60 * 60 * 1000, description: 'default 30000' },
    },
    ['type', 'worker'],
  ),
  CompleteJobRequest: obj({ variables }),
  FailJobRequest: obj(
    { retries: { type: 'integer', minimum: 0 }, errorMessage: { type: 'string', maxLength: 10_000 }, retryBackOff: { type: 'integer', minimum: 0, description: 'ms' } },
    ['retries'],
  ),
  JobErrorRequest: obj({ errorCode: name, errorMessage: { type: 'string', maxLength: 10_000 } }, ['errorCode']),

  IncidentListQuery: query({ processInstanceId: id, state: { enum: ['open', 'resolved'] } }),
} satisfies Record<string, Schema>;

export type RequestSchemaName = keyof typeof requests;

// ---- responses (documentation) ------------------------------------------------------------------

const page = (item: string): Schema => ({
  type: 'object', required: ['items', 'next'],
  properties: { items: { type: 'array', items: { $ref: `#/components/schemas/${item}` } }, next: { type: ['string', 'null'] } },
});

export const responses = {
  Error: {
    type: 'object', required: ['error'],
    properties: {
      error: {
        type: 'object', required: ['code', 'message'],
        properties: { code: { type: 'string', examples: ['BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'PAYLOAD_TOO_LARGE'] }, message: { type: 'string' }, details: {} },
      },
    },
  },
  Deployment: {
    type: 'object', required: ['id', 'processes'],
    properties: {
      id: { type: 'string' },
      processes: {
        type: 'array',
        items: { type: 'object', properties: { processId: { type: 'string' }, version: { type: 'integer' }, key: { type: 'string' }, name: { type: 'string' }, duplicate: { type: 'boolean' } } },
      },
      resources: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' } } } },
    },
  },
  Process: {
    type: 'object', required: ['processId', 'version', 'key'],
    properties: { processId: { type: 'string' }, version: { type: 'integer' }, key: { type: 'string' }, name: { type: ['string', 'null'] }, deployedAt: isoTime, deploymentId: { type: 'string' }, resourceName: { type: 'string' } },
  },
  ProcessPage: page('Process'),
  Instance: {
    type: 'object', required: ['id', 'processId', 'version', 'state', 'variables', 'activeElements', 'startedAt'],
    properties: {
      id: { type: 'string' }, processId: { type: 'string' }, version: { type: 'integer' }, definitionKey: { type: 'string' }, businessKey: { type: 'string' },
      state: { enum: ['active', 'completed', 'terminated', 'incident'] }, variables, activeElements: { type: 'array', items: { type: 'string' } },
      parentInstanceId: { type: 'string' }, startedAt: isoTime, endedAt: isoTime,
    },
  },
  InstancePage: page('Instance'),
  HistoryEvent: {
    type: 'object', required: ['seq', 'at', 'type', 'actor', 'prevHash', 'hash'],
    properties: {
      instanceId: { type: 'string' }, seq: { type: 'integer' }, at: isoTime, type: { type: 'string' }, elementId: { type: ['string', 'null'] }, actor: { type: 'string' }, data: {},
      prevHash: { type: 'string' }, hash: { type: 'string' },
    },
  },
  History: { type: 'object', required: ['events'], properties: { instanceId: { type: 'string' }, events: { type: 'array', items: { $ref: '#/components/schemas/HistoryEvent' } } } },
  Verify: {
    type: 'object', required: ['valid', 'events'],
    properties: { instanceId: { type: 'string' }, valid: { type: 'boolean' }, events: { type: 'integer' }, brokenAt: { type: 'integer' }, reason: { type: 'string' } },
  },
  Task: {
    type: 'object', required: ['id', 'elementId', 'processInstanceId', 'processId', 'state', 'candidateGroups', 'createdAt'],
    properties: {
      id: { type: 'string' }, elementId: { type: 'string' }, name: { type: ['string', 'null'] }, subject: { type: ['string', 'null'], description: 'user task header subject' },
      processInstanceId: { type: 'string' }, processId: { type: 'string' },
      state: { enum: ['created', 'completed', 'canceled'] }, assignee: { type: ['string', 'null'] }, candidateGroups: { type: 'array', items: { type: 'string' } },
      candidateUsers: { type: 'array', items: { type: 'string' } }, dueDate: optionalIsoTime, followUpDate: optionalIsoTime, createdAt: isoTime, completedAt: optionalIsoTime,
      completedBy: { type: ['string', 'null'] }, formId: { type: ['string', 'null'] }, formKey: { type: ['string', 'null'] }, priority: { type: ['integer', 'null'] },
      excludedUsers: {
        type: 'array', description: 'users segregation of duties keeps off this task (header segregationOfDuties), with the variable that named each',
        items: { type: 'object', required: ['user', 'role'], properties: { user: { type: 'string' }, role: { type: 'string' } } },
      },
      dueStage: { enum: ['ok', 'warning', 'breached', null], description: 'open tasks with a due date: warning past the follow-up date, breached past the due date' },
    },
  },
  TaskDetail: {
    allOf: [{ $ref: '#/components/schemas/Task' }, { type: 'object', properties: { form: { type: ['object', 'null'], description: 'form-js JSON' }, variables } }],
  },
  TaskPage: page('Task'),
  MessageResult: {
    type: 'object', required: ['correlated', 'messageKey'],
    properties: { correlated: { type: 'integer' }, messageKey: { type: 'string' }, startedInstances: { type: 'array', items: { type: 'string' } }, duplicate: { type: 'boolean' } },
  },
  SignalResult: { type: 'object', properties: { delivered: { type: 'integer' }, startedInstances: { type: 'array', items: { type: 'string' } } } },
  Job: {
    type: 'object', required: ['key', 'type', 'processInstanceId', 'elementId', 'variables', 'retries', 'customHeaders'],
    properties: {
      key: { type: 'string' }, type: { type: 'string' }, processInstanceId: { type: 'string' }, processId: { type: 'string' }, elementId: { type: 'string' }, variables,
      retries: { type: 'integer' }, customHeaders: { type: 'object', additionalProperties: { type: 'string' } }, worker: { type: 'string' }, deadline: isoTime,
    },
  },
  JobList: { type: 'object', required: ['jobs'], properties: { jobs: { type: 'array', items: { $ref: '#/components/schemas/Job' } } } },
  Incident: {
    type: 'object', required: ['id', 'processInstanceId', 'elementId', 'type', 'message', 'state', 'createdAt'],
    properties: {
      id: { type: 'string' }, processInstanceId: { type: 'string' }, processId: { type: 'string' }, elementId: { type: 'string' }, jobKey: { type: ['string', 'null'] },
      type: { type: 'string' }, message: { type: 'string' }, state: { enum: ['open', 'resolved'] }, createdAt: isoTime, resolvedAt: optionalIsoTime,
    },
  },
  IncidentPage: page('Incident'),
  Ok: { type: 'object', properties: { ok: { type: 'boolean' } } },
  Evidence: {
    type: 'object', required: ['instance', 'verification', 'instances', 'participants', 'steps'],
    properties: {
      instance: { type: 'object' },
      verification: { type: 'object', required: ['valid', 'events'], properties: { valid: { type: 'boolean' }, events: { type: 'integer' } } },
      instances: {
        type: 'array', description: 'the instance and the instances its call activities started (approvals), each with its chain verified',
        items: {
          type: 'object', required: ['id', 'processId', 'parentInstanceId', 'valid', 'events'],
          properties: { id: { type: 'string' }, processId: { type: 'string' }, parentInstanceId: { type: ['string', 'null'] }, valid: { type: 'boolean' }, events: { type: 'integer' } },
        },
      },
      participants: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
      steps: {
        type: 'array',
        items: {
          type: 'object', required: ['instanceId', 'processId', 'seq', 'at', 'action', 'actor'],
          properties: { instanceId: { type: 'string' }, processId: { type: 'string' }, seq: { type: 'integer' }, at: { type: 'string' }, action: { type: 'string' }, elementId: { type: ['string', 'null'] }, elementName: { type: ['string', 'null'] }, actor: { type: 'string' }, data: {} },
        },
      },
    },
  },
  Me: {
    type: 'object', required: ['id', 'roles', 'groups', 'via'],
    properties: { id: { type: 'string' }, roles: { type: 'array', items: { type: 'string' } }, groups: { type: 'array', items: { type: 'string' } }, via: { enum: ['demo', 'token', 'jwt'] } },
  },
  Health: {
    type: 'object', required: ['status'],
    properties: { status: { enum: ['ok', 'error'] }, store: { type: 'string' }, scheduler: { type: 'string' }, demo: { type: 'boolean', description: 'demo tokens accepted (not production)' } },
  },
} satisfies Record<string, Schema>;

export type ResponseSchemaName = keyof typeof responses;

// ---- validated request types --------------------------------------------------------------------

export type Variables = Record<string, unknown>;
export interface Paging { limit?: number; cursor?: string }
export interface DeployBody { resources: { name: string; content: string }[] }
export interface StartBody { processId: string; version?: number; businessKey?: string; variables?: Variables }
export interface InstanceListQuery extends Paging {
  processId?: string; state?: 'active' | 'completed' | 'terminated' | 'incident'; businessKey?: string; parentInstanceId?: string;
}
export interface ExportQuery { processId?: string; from?: string; to?: string; format?: 'json' | 'csv' }
export interface TaskListQuery extends Paging {
  assignee?: string; candidateGroup?: string; state?: 'created' | 'completed' | 'canceled'; processInstanceId?: string; processId?: string;
}
export interface MessageBody { name: string; correlationKey?: string; variables?: Variables; timeToLive?: number; messageId?: string }
export interface SignalBody { name: string; variables?: Variables }
export interface ActivateBody { type: string; worker: string; maxJobs?: number; lockMs?: number }
export interface FailBody { retries: number; errorMessage?: string; retryBackOff?: number }
export interface JobErrorBody { errorCode: string; errorMessage?: string }
export interface IncidentListQuery { processInstanceId?: string; state?: 'open' | 'resolved' }
