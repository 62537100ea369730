/**
 * The service desk's request and response schemas, part of api/schemas.ts's catalog: task views, work
 * notes and attachments, sessions, bulk retry of incidents, drafts, version history and heatmap, forms,
 * start forms.
 */
import { id, isoTime, limit, MAX_RESOURCE_CHARS, name, obj, page, query, type Schema, taskSearch, taskSort } from './schemaParts';

/** The kinds of link an agent gives (engine/runtime/ticketLinks.ts); `raised` links are made by processes. */
const AGENT_LINK_KINDS = ['related', 'caused-by', 'fixed-by'] as const;

export const deskRequests = {
  SlaReportQuery: query({
    from: { ...isoTime, description: 'records completed at or after (default: 12 months before to)' },
    to: { ...isoTime, description: 'records completed before (default: now)' },
    groupBy: {
      type: 'string',
      maxLength: 40,
      pattern: '^(priority|group|month)(,(priority|group|month))*$',
      description: 'comma-separated: priority, group (assignment group), month (UTC); default priority,month; rows are always per kind',
    },
    processId: { ...id, description: 'only the SLA records of this process (e.g. incident); default all' },
    format: { enum: ['json', 'csv'], description: 'default json, or as the Accept header asks' },
  }),
  TaskViewRequest: obj(
    {
      name,
      query: obj({
        state: { enum: ['created', 'completed', 'canceled'] },
        processId: id,
        assignee: id,
        candidateGroup: id,
        priority: taskSearch.priority,
        due: taskSearch.due,
        q: taskSearch.q,
        sort: taskSort,
        limit,
      }),
    },
    ['name', 'query'],
  ),
  TaskNoteRequest: obj({ text: { type: 'string', minLength: 1, maxLength: 100_000, description: 'the note (the server may allow less: TASK_NOTE_MAX_CHARS)' } }, ['text']),
  AttachmentRequest: obj(
    {
      name: { ...name, pattern: '^[^/\\\\\\u0000-\\u001f]+$', description: 'file name, no path' },
      contentType: { type: 'string', maxLength: 100, pattern: '^[a-z]+/[a-z0-9.+-]+$', description: 'one of the allowed types (ATTACHMENT_TYPES)' },
      content: { type: 'string', maxLength: 16 * 1024 * 1024, description: 'the file, base64' },
    },
    ['name', 'contentType', 'content'],
  ),
  LinkRequest: obj(
    {
      targetId: { ...id, description: 'the other ticket (instance id)' },
      kind: {
        enum: AGENT_LINK_KINDS,
        description: 'default related; caused-by: this ticket is caused by the other (an incident by a problem); fixed-by: fixed by the other (a problem by a change)',
      },
    },
    ['targetId'],
  ),
  SessionRequest: obj({ token: { type: 'string', minLength: 1, maxLength: 8192, description: 'a bearer token (demo mode: demo-<user>)' } }, ['token']),

  RetryIncidentsRequest: obj(
    {
      ids: {
        type: 'array',
        minItems: 1,
        // the configured MAX_BULK_RETRY (413 beyond it) is the real limit; this bounds what validation reads
        maxItems: 10_000,
        uniqueItems: true,
        items: id,
        description: 'the incidents to retry (at most MAX_BULK_RETRY, default 100)',
      },
    },
    ['ids'],
  ),

  DraftParams: obj({ id: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$', description: 'the process id (an XML NCName)' } }, ['id']),
  DraftRequest: obj(
    {
      name: { type: 'string', maxLength: 255, description: 'the process name' },
      xml: { type: 'string', minLength: 1, maxLength: MAX_RESOURCE_CHARS, description: 'the BPMN XML as drawn (not checked: a draft may be unfinished)' },
      forms: {
        type: 'array',
        maxItems: 50,
        items: obj({ name: { type: 'string', minLength: 1, maxLength: 255, pattern: '\\.form$' }, content: { type: 'string', maxLength: MAX_RESOURCE_CHARS } }, [
          'name',
          'content',
        ]),
        description: 'forms built or attached with the diagram',
      },
    },
    ['xml'],
  ),
} satisfies Record<string, Schema>;

export const deskResponses = {
  TicketLink: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'kind', 'direction', 'instanceId', 'businessKey', 'processId', 'state', 'createdAt', 'createdBy'],
    description: 'a link seen from one ticket: the other ticket, and whether the link goes to it or comes from it',
    properties: {
      id: { type: 'string' },
      kind: { enum: ['raised', ...AGENT_LINK_KINDS], description: 'raised: a process raised one ticket from the other (a problem from an incident, a change from a problem)' },
      direction: { enum: ['to', 'from'], description: 'to: this ticket links to (raised) the other; from: the other links to (raised) this one' },
      instanceId: { type: 'string', description: 'the other ticket' },
      businessKey: { type: ['string', 'null'], description: 'its ticket number' },
      processId: { type: ['string', 'null'], description: 'its process (null when the caller may not see that ticket)' },
      state: { type: ['string', 'null'], description: 'its state now (null when the caller may not see that ticket)' },
      createdAt: isoTime,
      createdBy: { type: 'string' },
    },
  },
  TicketLinkList: {
    type: 'object',
    additionalProperties: false,
    required: ['items'],
    properties: { items: { type: 'array', items: { $ref: '#/components/schemas/TicketLink' }, description: 'oldest first, at most MAX_LINKS_PER_TICKET' } },
  },
  SlaReport: {
    type: 'object',
    additionalProperties: false,
    required: ['from', 'to', 'groupBy', 'records', 'rows'],
    properties: {
      from: isoTime,
      to: isoTime,
      processId: { type: 'string', description: 'the process asked for, when one was' },
      groupBy: { type: 'array', items: { enum: ['priority', 'group', 'month'] } },
      records: { type: 'integer', description: 'SLA records counted' },
      rows: {
        type: 'array',
        description: 'by kind, month, priority, group',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'priority', 'group', 'month', 'total', 'met', 'breached', 'metPercent'],
          properties: {
            kind: { enum: ['response', 'resolution'] },
            priority: { type: ['integer', 'null'] },
            group: { type: ['string', 'null'] },
            month: { type: ['string', 'null'], description: 'YYYY-MM (UTC) of completion' },
            total: { type: 'integer' },
            met: { type: 'integer' },
            breached: { type: 'integer', description: 'breached at any time, a later longer target included' },
            metPercent: { type: 'number', description: 'met / total in percent, one decimal' },
          },
        },
      },
    },
  },
  ProcessVersions: {
    type: 'object',
    additionalProperties: false,
    required: ['processId', 'versions', 'scanned', 'truncated'],
    properties: {
      processId: { type: 'string' },
      versions: {
        type: 'array',
        description: 'newest first',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['key', 'version', 'name', 'deployedAt', 'deployedBy', 'instances'],
          properties: {
            key: { type: 'string' },
            version: { type: 'integer' },
            name: { type: ['string', 'null'] },
            deployedAt: isoTime,
            deployedBy: { type: ['string', 'null'] },
            instances: {
              type: 'object',
              additionalProperties: false,
              required: ['active', 'completed', 'terminated', 'incident'],
              properties: { active: { type: 'integer' }, completed: { type: 'integer' }, terminated: { type: 'integer' }, incident: { type: 'integer' } },
            },
          },
        },
      },
      scanned: { type: 'integer', description: 'instances counted (VERSIONS_SCAN_LIMIT at most, oldest first)' },
      truncated: { type: 'boolean', description: 'the process has more instances than were counted' },
    },
  },
  ProcessHeatmap: {
    type: 'object',
    additionalProperties: false,
    required: ['key', 'elements', 'instances', 'truncated'],
    properties: {
      key: { type: 'string' },
      elements: {
        type: 'object',
        description: 'per element id: instances that completed it, wait in it, have an open incident there',
        additionalProperties: {
          type: 'object',
          additionalProperties: false,
          required: ['passed', 'waiting', 'failed'],
          properties: { passed: { type: 'integer' }, waiting: { type: 'integer' }, failed: { type: 'integer' } },
        },
      },
      instances: { type: 'integer', description: 'instances of this version looked at' },
      truncated: { type: 'boolean', description: 'HEATMAP_SCAN_LIMIT instances of the process were scanned before the last one' },
    },
  },
  DraftSummary: {
    type: 'object',
    additionalProperties: false,
    required: ['processId', 'name', 'size', 'updatedAt'],
    properties: { processId: { type: 'string' }, name: { type: ['string', 'null'] }, size: { type: 'integer', description: 'characters of XML and forms' }, updatedAt: isoTime },
  },
  DraftList: { type: 'object', additionalProperties: false, required: ['items'], properties: { items: { type: 'array', items: { $ref: '#/components/schemas/DraftSummary' } } } },
  Draft: {
    type: 'object',
    additionalProperties: false,
    required: ['processId', 'name', 'size', 'updatedAt', 'xml', 'forms'],
    properties: {
      processId: { type: 'string' },
      name: { type: ['string', 'null'] },
      size: { type: 'integer' },
      updatedAt: isoTime,
      xml: { type: 'string' },
      forms: { type: 'array', items: { type: 'object', required: ['name', 'content'], properties: { name: { type: 'string' }, content: { type: 'string' } } } },
    },
  },
  FormList: {
    type: 'object',
    additionalProperties: false,
    required: ['items'],
    properties: {
      items: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'name', 'deployedAt', 'deployedBy'],
          properties: {
            id: { type: 'string', description: 'the formId user tasks name' },
            name: { type: 'string' },
            deployedAt: isoTime,
            deployedBy: { type: ['string', 'null'] },
          },
        },
      },
    },
  },
  StartableProcess: {
    type: 'object',
    additionalProperties: false,
    required: ['processId', 'version', 'key', 'form'],
    properties: {
      processId: { type: 'string' },
      name: { type: 'string' },
      version: { type: 'integer' },
      key: { type: 'string' },
      startFormId: { type: 'string' },
      form: { type: ['object', 'null'], description: 'the form-js start form (zeebe:formDefinition on the none start event), or null' },
    },
  },
  StartablePage: page('StartableProcess'),
  TaskView: {
    type: 'object',
    required: ['id', 'name', 'query', 'createdAt'],
    properties: { id: { type: 'string' }, name: { type: 'string' }, query: { type: 'object' }, createdAt: isoTime },
  },
  TaskViewList: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { $ref: '#/components/schemas/TaskView' } } } },
  TaskNote: {
    type: 'object',
    required: ['seq', 'at', 'author', 'text'],
    properties: { seq: { type: 'integer', description: 'its place in the history' }, at: isoTime, author: { type: 'string' }, text: { type: 'string' } },
  },
  TaskNoteList: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { $ref: '#/components/schemas/TaskNote' } } } },
  Attachment: {
    type: 'object',
    required: ['id', 'taskId', 'name', 'contentType', 'size', 'sha256', 'uploadedBy', 'uploadedAt'],
    properties: {
      id: { type: 'string' },
      taskId: { type: 'string' },
      name: { type: 'string' },
      contentType: { type: 'string' },
      size: { type: 'integer' },
      sha256: { type: 'string' },
      uploadedBy: { type: 'string' },
      uploadedAt: isoTime,
    },
  },
  AttachmentList: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Attachment' } } } },
  UserList: {
    type: 'object',
    required: ['items'],
    properties: {
      items: { type: 'array', items: { type: 'object', required: ['id', 'groups'], properties: { id: { type: 'string' }, groups: { type: 'array', items: { type: 'string' } } } } },
    },
  },
  RetryIncidentsResult: {
    type: 'object',
    required: ['results'],
    properties: {
      results: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'outcome'],
          properties: {
            id: { type: 'string' },
            outcome: { enum: ['retried', 'failedAgain', 'refused'] },
            message: { type: 'string', description: 'failedAgain: the new error; refused: why (not found, not an owner, not open)' },
            incident: { $ref: '#/components/schemas/Incident' },
            newIncident: { $ref: '#/components/schemas/Incident' },
          },
        },
      },
    },
  },
  Session: {
    type: 'object',
    additionalProperties: false,
    required: ['signedIn'],
    description: 'signedIn false: no live session (and nothing else); true: whose it is and when it ends',
    properties: {
      signedIn: { type: 'boolean' },
      id: { type: 'string' },
      roles: { type: 'array', items: { type: 'string' } },
      groups: { type: 'array', items: { type: 'string' } },
      via: { enum: ['demo', 'token', 'jwt'] },
      expiresAt: { type: 'string', format: 'date-time' },
    },
  },
  SignOut: {
    type: 'object',
    required: ['signedOut'],
    properties: { signedOut: { type: 'boolean', description: 'false: there was no live session' } },
  },
} as const satisfies Record<string, Schema>;
