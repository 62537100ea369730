/**
 * JSON Schemas of every request body, query and path of the API, and of what it answers. Requests are
 * validated with them by ajv (api/validate.ts); the OpenAPI 3.1 document (api/openapi.ts) is built from
 * the very same objects, so the two never drift apart.
 *
 * Bodies refuse unknown properties (a typo is a 400, not silently ignored); queries ignore unknown
 * parameters (caches and browsers add their own).
 *
 * The TypeScript types of what the API answers (Task, Instance, HistoryEvent, ...) are derived from
 * these schemas (json-schema-to-ts), at the end of this file: api/views.ts builds them, the web app
 * imports them. This file imports nothing else, so the web app can.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { changeRequests, changeResponses } from './changeSchemas';
import { deskRequests, deskResponses } from './deskSchemas';
import { cursor, id, isoTime, limit, MAX_DEPLOY_FILES, MAX_RESOURCE_CHARS, name, obj, optionalIsoTime, page, query, type Schema, taskSearch, variables } from './schemaParts';

export type { Schema } from './schemaParts';

// ---- requests -----------------------------------------------------------------------------------

export const requests = {
  ...deskRequests,
  ...changeRequests,
  IdParams: obj({ id }, ['id']),
  KeyParams: obj({ key: { ...id, description: '`processId:version`, or a processId for its latest version' } }, ['key']),
  JobKeyParams: obj({ key: id }, ['key']),

  DeployRequest: obj(
    {
      resources: {
        type: 'array',
        minItems: 1,
        maxItems: MAX_DEPLOY_FILES,
        items: obj({ name: { ...name, description: 'file name: *.bpmn, *.dmn, *.form or *.schema.json' }, content: { type: 'string', maxLength: MAX_RESOURCE_CHARS } }, [
          'name',
          'content',
        ]),
      },
    },
    ['resources'],
  ),

  StartInstanceRequest: obj(
    {
      processId: id,
      version: { type: 'integer', minimum: 1 },
      businessKey: { ...name, description: 'only for processes without a ticket prefix: a numbered process gets its ticket number from the engine (400 when one is given)' },
      variables,
      raisedFrom: {
        ...id,
        description:
          'the ticket (instance id) this one is raised from, e.g. the incident a problem is raised from: the two are linked (`raised`); the caller must be allowed to act on it',
      },
    },
    ['processId'],
  ),
  InstanceListQuery: query({
    processId: id,
    state: { enum: ['active', 'completed', 'terminated', 'incident'] },
    businessKey: name,
    parentInstanceId: { ...id, description: 'only the child instances a call activity of this instance started' },
    limit,
    cursor,
  }),
  HistoryQuery: query({ format: { enum: ['json', 'csv'], description: 'default json' } }),
  CheckpointQuery: query({ after: { type: 'integer', minimum: 0, description: 'only checkpoints after this number (the `next` of the previous page)' }, limit }),
  ExportQuery: query({
    processId: id,
    from: { ...isoTime, description: 'instances started at or after' },
    to: { ...isoTime, description: 'instances started at or before' },
    format: { enum: ['json', 'csv'], description: 'default json' },
  }),

  TaskListQuery: query({
    assignee: id,
    candidateGroup: id,
    state: { enum: ['created', 'completed', 'canceled'] },
    processInstanceId: id,
    processId: id,
    limit,
    cursor,
    ...taskSearch,
  }),
  DelegateRequest: obj({ to: { ...id, description: 'the substitute who gets the task' } }, ['to']),
  ClaimRequest: obj({ assignee: { ...id, description: 'admins may assign to someone else; others claim for themselves' } }),
  CompleteTaskRequest: obj({ variables }),
  SetVariablesRequest: obj({ variables: { ...variables, minProperties: 1 } }, ['variables']),
  ActivateAdHocRequest: obj(
    {
      element: { ...id, description: 'the ad-hoc subprocess' },
      elements: { type: 'array', minItems: 1, maxItems: 100, items: id, description: 'ids of its inner elements to start' },
    },
    ['element', 'elements'],
  ),
  MigrateInstanceRequest: obj(
    {
      targetDefinitionKey: { ...id, description: 'the version to move to, `processId:version` (the same process)' },
      mappingInstructions: {
        type: 'array',
        maxItems: 1000,
        description: 'elements whose id differs in the target; any other element in use maps to the element of the same id',
        items: obj({ sourceElementId: id, targetElementId: id }, ['sourceElementId', 'targetElementId']),
      },
      dryRun: { type: 'boolean', description: 'only check: the mapping and the problems, nothing moves' },
    },
    ['targetDefinitionKey'],
  ),
  ModifyInstanceRequest: obj({
    activateInstructions: {
      type: 'array',
      maxItems: 100,
      description: 'elements to start a token on (their subprocess must be running), with variables set on that scope first',
      items: obj({ elementId: id, variables }, ['elementId']),
    },
    terminateInstructions: { type: 'array', maxItems: 100, description: 'elements whose tokens end', items: obj({ elementId: id }, ['elementId']) },
  }),
  EmptyRequest: obj({}),

  MessageRequest: obj(
    {
      name,
      correlationKey: { type: 'string', maxLength: 1000 },
      variables,
      timeToLive: { type: 'integer', minimum: 0, description: 'ms the message stays buffered (default 1 h)' },
      messageId: { ...name, description: 'deduplicates publications while the first is buffered' },
    },
    ['name'],
  ),
  SignalRequest: obj({ name, variables }, ['name']),

  ActivateJobsRequest: obj(
    {
      type: name,
      worker: name,
      maxJobs: { type: 'integer', minimum: 1, maximum: 1000, description: 'default 1' },
      lockMs: { type: 'integer', minimum: 1, maximum: 24 * 60 * 60 * 1000, description: 'default 30000' },
      fetchVariables: { type: 'array', items: name, maxItems: 1000, uniqueItems: true, description: 'only these variables (default: all the job sees)' },
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

/** A task as the API shows it (the list, and one task's GET with its form and variables: TaskDetail). */
const task = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'elementId',
    'name',
    'subject',
    'businessKey',
    'processInstanceId',
    'processId',
    'state',
    'assignee',
    'candidateGroups',
    'candidateUsers',
    'dueDate',
    'followUpDate',
    'createdAt',
    'completedAt',
    'completedBy',
    'formId',
    'formKey',
    'priority',
    'excludedUsers',
    'dueStage',
  ],
  properties: {
    id: { type: 'string' },
    elementId: { type: 'string' },
    name: { type: ['string', 'null'] },
    subject: { type: ['string', 'null'], description: 'user task header subject' },
    businessKey: { type: ['string', 'null'], description: "the business key of the task's instance" },
    processInstanceId: { type: 'string' },
    processId: { type: 'string' },
    state: { enum: ['created', 'completed', 'canceled'] },
    assignee: { type: ['string', 'null'] },
    candidateGroups: { type: 'array', items: { type: 'string' } },
    candidateUsers: { type: 'array', items: { type: 'string' } },
    dueDate: optionalIsoTime,
    followUpDate: optionalIsoTime,
    createdAt: isoTime,
    completedAt: optionalIsoTime,
    completedBy: { type: ['string', 'null'] },
    formId: { type: ['string', 'null'] },
    formKey: { type: ['string', 'null'] },
    priority: { type: ['integer', 'null'] },
    excludedUsers: {
      type: 'array',
      description: 'users segregation of duties keeps off this task (header segregationOfDuties), with the variable that named each',
      items: { type: 'object', required: ['user', 'role'], additionalProperties: false, properties: { user: { type: 'string' }, role: { type: 'string' } } },
    },
    dueStage: { enum: ['ok', 'warning', 'breached', null], description: 'open tasks with a due date: warning past the follow-up date, breached past the due date' },
    slaPaused: {
      type: ['boolean', 'null'],
      description: "the instance's SLA clock is paused (slaClock.running false, e.g. pending the customer); null when the instance has none",
    },
  },
} as const;

export const responses = {
  ...deskResponses,
  ...changeResponses,
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', examples: ['BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'PAYLOAD_TOO_LARGE'] },
          message: { type: 'string' },
          details: {},
        },
      },
    },
  },
  Deployment: {
    type: 'object',
    required: ['id', 'processes'],
    properties: {
      id: { type: 'string' },
      processes: {
        type: 'array',
        items: {
          type: 'object',
          properties: { processId: { type: 'string' }, version: { type: 'integer' }, key: { type: 'string' }, name: { type: 'string' }, duplicate: { type: 'boolean' } },
        },
      },
      resources: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' } } } },
    },
  },
  Process: {
    type: 'object',
    required: ['processId', 'version', 'key'],
    properties: {
      processId: { type: 'string' },
      version: { type: 'integer' },
      key: { type: 'string' },
      name: { type: ['string', 'null'] },
      deployedAt: isoTime,
      deploymentId: { type: 'string' },
      resourceName: { type: 'string' },
      deployedBy: { type: ['string', 'null'], description: '`system` for the processes deployed at start; null before ownership was recorded' },
      owners: { type: 'array', items: { type: 'string' }, description: 'its process owners (user ids, group:<id>); empty: admins only' },
    },
  },
  ProcessPage: page('Process'),
  Instance: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'processId', 'version', 'state', 'variables', 'activeElements', 'startedAt'],
    properties: {
      id: { type: 'string' },
      processId: { type: 'string' },
      version: { type: 'integer' },
      definitionKey: { type: 'string' },
      businessKey: { type: 'string' },
      state: { enum: ['active', 'completed', 'terminated', 'incident'] },
      variables,
      activeElements: { type: 'array', items: { type: 'string' } },
      parentInstanceId: { type: 'string' },
      startedAt: isoTime,
      endedAt: isoTime,
      startedBy: { type: 'string', description: 'who started it (engine/timer for automatic starts)' },
      allowedActions: {
        type: 'array',
        items: { enum: ['cancel', 'resolveIncidents', 'setVariables', 'migrate', 'modify'] },
        description: 'GET of one instance: what the caller may do to it now (the web app shows these controls)',
      },
      messageActions: {
        type: 'array',
        description: 'GET of one instance: the messages the caller may send it now (ticket actions; POST /api/messages)',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'elementId', 'label', 'correlationKey', 'fields', 'form'],
          properties: {
            name: { type: 'string' },
            elementId: { type: 'string' },
            label: { type: 'string' },
            correlationKey: { type: 'string' },
            fields: { type: 'array', items: { type: 'string' }, description: 'variables the catching element maps from the message' },
            formId: { type: 'string' },
            form: { type: ['object', 'null'], description: 'the form-js form the element declares; null: build one from fields' },
          },
        },
      },
    },
  },
  InstancePage: page('Instance'),
  Migration: {
    type: 'object',
    required: ['instanceId', 'from', 'to', 'inUse', 'mapping', 'problems', 'migrated'],
    properties: {
      instanceId: { type: 'string' },
      from: { type: 'string', description: 'definition key it ran' },
      to: { type: 'string', description: 'definition key it runs (after a real run)' },
      inUse: { type: 'array', items: { type: 'string' }, description: 'the elements the instance uses now (tokens, waits, running subprocesses, incidents)' },
      mapping: { type: 'object', additionalProperties: { type: 'string' }, description: 'every element in use that has a place in the target, to that element' },
      problems: { type: 'array', items: { type: 'string' }, description: 'why it cannot move (a dry run reports them; a real run is refused with them, 400)' },
      migrated: { type: 'boolean' },
      instance: { $ref: '#/components/schemas/Instance' },
    },
  },
  HistoryEvent: {
    type: 'object',
    additionalProperties: false,
    required: ['instanceId', 'seq', 'at', 'atMs', 'type', 'elementId', 'actor', 'data', 'prevHash', 'hash'],
    properties: {
      instanceId: { type: 'string' },
      seq: { type: 'integer' },
      at: isoTime,
      atMs: { type: 'integer', description: '`at` in epoch milliseconds, as the hash covers it' },
      type: { type: 'string' },
      elementId: { type: ['string', 'null'] },
      actor: { type: 'string' },
      data: {},
      prevHash: { type: 'string' },
      hash: { type: 'string' },
    },
  },
  History: {
    type: 'object',
    required: ['events'],
    properties: { instanceId: { type: 'string' }, events: { type: 'array', items: { $ref: '#/components/schemas/HistoryEvent' } } },
  },
  ChainProblem: {
    type: 'object',
    required: ['kind', 'message'],
    properties: {
      kind: {
        enum: [
          'edited-event',
          'missing-events',
          'broken-link',
          'truncated',
          'history-deleted',
          'unsealed-events',
          'rehashed',
          'bad-seal',
          'unsealed',
          'unknown-key',
          'rolled-back',
          'checkpoint-mismatch',
          'instance-deleted',
          'bad-checkpoint',
        ],
      },
      seq: { type: 'integer', description: 'the event (or checkpoint) concerned' },
      message: { type: 'string' },
    },
  },
  Verify: {
    type: 'object',
    required: ['valid', 'events', 'problems'],
    properties: {
      instanceId: { type: 'string' },
      valid: { type: 'boolean' },
      events: { type: 'integer' },
      sealedHead: { type: 'object', properties: { seq: { type: 'integer' }, hash: { type: 'string' }, keyId: { type: 'string' } } },
      problems: { type: 'array', items: { $ref: '#/components/schemas/ChainProblem' }, description: 'every way the history was tampered with, by name' },
      brokenAt: { type: 'integer', description: "the first problem's event" },
      reason: { type: 'string', description: "the first problem's message" },
    },
  },
  PublicKey: { type: 'object', required: ['keyId', 'publicKeyPem'], properties: { keyId: { type: 'string' }, publicKeyPem: { type: 'string' } } },
  Checkpoint: {
    type: 'object',
    required: ['seq', 'at', 'heads', 'prevHash', 'hash', 'signature', 'keyId'],
    properties: {
      seq: { type: 'integer' },
      at: { type: 'integer', description: 'epoch ms' },
      heads: { type: 'array', items: { type: 'object', properties: { instanceId: { type: 'string' }, seq: { type: 'integer' }, hash: { type: 'string' } } } },
      prevHash: { type: 'string' },
      hash: { type: 'string', description: 'sha256(prevHash + canonical JSON of seq, at, heads, keyId)' },
      signature: { type: 'string', description: 'Ed25519 signature of hash, base64' },
      keyId: { type: 'string' },
    },
  },
  CheckpointPage: {
    type: 'object',
    required: ['publicKey', 'items', 'next'],
    properties: {
      publicKey: { $ref: '#/components/schemas/PublicKey' },
      items: { type: 'array', items: { $ref: '#/components/schemas/Checkpoint' } },
      next: { type: ['string', 'null'] },
    },
  },
  CheckpointVerify: {
    type: 'object',
    required: ['valid', 'checkpoints', 'instances', 'problems'],
    properties: {
      valid: { type: 'boolean' },
      checkpoints: { type: 'integer' },
      instances: { type: 'integer' },
      problems: { type: 'array', items: { $ref: '#/components/schemas/ChainProblem' } },
    },
  },
  Task: task,
  TaskDetail: {
    ...task,
    required: [...task.required, 'form', 'variables'],
    properties: { ...task.properties, form: { type: ['object', 'null'], description: 'form-js JSON' }, variables },
  },
  TaskPage: {
    type: 'object',
    required: ['items', 'next'],
    properties: {
      items: { type: 'array', items: { $ref: '#/components/schemas/Task' } },
      next: { type: ['string', 'null'] },
      total: { type: 'integer', description: 'with `page`: how many tasks match in all' },
      page: { type: 'integer' },
      pageSize: { type: 'integer' },
    },
  },
  MessageResult: {
    type: 'object',
    required: ['correlated', 'messageKey', 'instances'],
    properties: {
      correlated: { type: 'integer' },
      messageKey: { type: 'string' },
      instances: { type: 'array', items: { type: 'string' }, description: 'the instances the message reached now (waiting ones, then started ones)' },
      startedInstances: { type: 'array', items: { type: 'string' } },
      duplicate: { type: 'boolean' },
    },
  },
  SignalResult: { type: 'object', properties: { delivered: { type: 'integer' }, startedInstances: { type: 'array', items: { type: 'string' } } } },
  Job: {
    type: 'object',
    required: ['key', 'type', 'processInstanceId', 'elementId', 'variables', 'retries', 'customHeaders'],
    properties: {
      key: { type: 'string' },
      type: { type: 'string' },
      processInstanceId: { type: 'string' },
      processId: { type: 'string' },
      elementId: { type: 'string' },
      variables,
      retries: { type: 'integer' },
      customHeaders: { type: 'object', additionalProperties: { type: 'string' } },
      worker: { type: 'string' },
      deadline: isoTime,
    },
  },
  JobList: { type: 'object', required: ['jobs'], properties: { jobs: { type: 'array', items: { $ref: '#/components/schemas/Job' } } } },
  Incident: {
    type: 'object',
    required: ['id', 'processInstanceId', 'elementId', 'type', 'message', 'state', 'createdAt'],
    properties: {
      id: { type: 'string' },
      processInstanceId: { type: 'string' },
      processId: { type: 'string' },
      elementId: { type: 'string' },
      jobKey: { type: ['string', 'null'] },
      type: { type: 'string' },
      message: { type: 'string' },
      state: { enum: ['open', 'resolved'] },
      createdAt: isoTime,
      resolvedAt: optionalIsoTime,
    },
  },
  IncidentPage: page('Incident'),
  Ok: { type: 'object', properties: { ok: { type: 'boolean' } } },
  Evidence: {
    type: 'object',
    required: ['instance', 'verification', 'instances', 'participants', 'steps', 'publicKey', 'chains', 'approvals', 'links'],
    properties: {
      links: {
        type: 'array',
        description: 'the tickets linked to the instance (kind, direction to/from, the other ticket and its number, when and by whom); each is also a sealed ticket.linked step',
        items: { type: 'object' },
      },
      instance: { type: 'object', description: 'id, processId, version, businessKey, state, startedAt, endedAt, startedBy' },
      verification: {
        type: 'object',
        required: ['valid', 'events', 'problems'],
        properties: { valid: { type: 'boolean' }, events: { type: 'integer' }, problems: { type: 'array', items: { $ref: '#/components/schemas/ChainProblem' } } },
      },
      publicKey: { $ref: '#/components/schemas/PublicKey' },
      approvals: {
        type: 'array',
        description: 'every vote (one-per-person seats): seats offered, people excluded and why, delegations, who voted what and when',
        items: {
          type: 'object',
          required: ['instanceId', 'elementId', 'seats', 'excluded', 'delegations', 'votes'],
          properties: {
            instanceId: { type: 'string' },
            processId: { type: 'string' },
            elementId: { type: 'string' },
            seats: { type: 'array', items: { type: 'object', properties: { taskId: { type: 'string' }, seat: { type: 'string' } } } },
            excluded: { type: 'array', items: { type: 'object', properties: { user: { type: 'string' }, role: { type: 'string' } } } },
            delegations: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  taskId: { type: 'string' },
                  seat: { type: 'string' },
                  from: { type: ['string', 'null'] },
                  to: { type: 'string' },
                  by: { type: 'string' },
                  at: isoTime,
                },
              },
            },
            votes: {
              type: 'array',
              items: { type: 'object', properties: { taskId: { type: 'string' }, seat: { type: 'string' }, voter: { type: 'string' }, decision: {}, comment: {}, at: isoTime } },
            },
          },
        },
      },
      chains: {
        type: 'array',
        description:
          'per instance: the whole chain (events), its sealed head and the signed checkpoints that recorded it; `npm run verify-evidence` checks them with the public key alone',
        items: {
          type: 'object',
          required: ['instance', 'events', 'checkpoints'],
          properties: { instance: { type: 'object' }, events: { type: 'array' }, checkpoints: { type: 'array', items: { $ref: '#/components/schemas/Checkpoint' } } },
        },
      },
      instances: {
        type: 'array',
        description: 'the instance and the instances its call activities started (approvals), each with its chain verified',
        items: {
          type: 'object',
          required: ['id', 'processId', 'parentInstanceId', 'valid', 'events'],
          properties: {
            id: { type: 'string' },
            processId: { type: 'string' },
            parentInstanceId: { type: ['string', 'null'] },
            valid: { type: 'boolean' },
            events: { type: 'integer' },
          },
        },
      },
      participants: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
      steps: {
        type: 'array',
        items: {
          type: 'object',
          required: ['instanceId', 'processId', 'seq', 'at', 'action', 'actor'],
          properties: {
            instanceId: { type: 'string' },
            processId: { type: 'string' },
            seq: { type: 'integer' },
            at: { type: 'string' },
            action: { type: 'string' },
            elementId: { type: ['string', 'null'] },
            elementName: { type: ['string', 'null'] },
            actor: { type: 'string' },
            data: {},
          },
        },
      },
    },
  },
  Me: {
    type: 'object',
    required: ['id', 'roles', 'groups', 'via'],
    properties: {
      id: { type: 'string' },
      roles: { type: 'array', items: { type: 'string' } },
      groups: { type: 'array', items: { type: 'string' } },
      via: { enum: ['demo', 'token', 'jwt'] },
    },
  },
  Health: {
    type: 'object',
    required: ['status'],
    properties: {
      status: { enum: ['ok', 'error'] },
      store: { type: 'string' },
      scheduler: { type: 'string' },
      demo: { type: 'boolean', description: 'demo mode: demo tokens accepted' },
    },
  },
} as const satisfies Record<string, Schema>;

export type ResponseSchemaName = keyof typeof responses;

export type * from './requestTypes';

export type Task = FromSchema<typeof responses.Task>;
export type TaskDetail = FromSchema<typeof responses.TaskDetail>;
export type TaskView = FromSchema<typeof responses.TaskView>;
export type TaskNote = FromSchema<typeof responses.TaskNote>;
export type Attachment = FromSchema<typeof responses.Attachment>;
export type Instance = FromSchema<typeof responses.Instance>;
export type StartableProcess = FromSchema<typeof responses.StartableProcess>;
export type HistoryEvent = FromSchema<typeof responses.HistoryEvent>;
export type ChangeCalendar = FromSchema<typeof responses.ChangeCalendar>;
export type TicketLink = FromSchema<typeof responses.TicketLink>;
