/**
 * The building blocks of the API's JSON schemas (api/schemas.ts, api/deskSchemas.ts): identifiers,
 * names, times, paging, and the task list's search fields shared by its query and saved views.
 */
export type Schema = Record<string, unknown>;

const MAX_ID = 1000;
export const id = { type: 'string', minLength: 1, maxLength: MAX_ID } as const;
export const name = { type: 'string', minLength: 1, maxLength: 255 } as const;
export const variables = { type: 'object', description: 'process variables (JSON object)', additionalProperties: true } as const;
export const isoTime = { type: 'string', format: 'date-time' } as const;
export const optionalIsoTime = { type: ['string', 'null'], format: 'date-time' } as const;
export const limit = { type: 'integer', minimum: 1, maximum: 1000, description: 'page size (default 100)' } as const;
export const cursor = { type: 'string', maxLength: 1000, description: 'opaque cursor from the `next` of the previous page' } as const;
export const obj = (properties: Record<string, unknown>, required: string[] = [], extra: Schema = {}): Schema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
  ...extra,
});
export const query = (properties: Record<string, unknown>): Schema => ({ type: 'object', properties, additionalProperties: true });

/** 5 MB of BPMN or form JSON per resource (the body limit is a little more). */
export const MAX_RESOURCE_CHARS = 5 * 1024 * 1024;
/** Most files one deployment carries (POST /api/deployments, POST /v2/deployments). */
export const MAX_DEPLOY_FILES = 100;

/** Fields the task list sorts by (engine TASK_SORT_FIELDS); `-field` sorts descending. */
export const TASK_SORTS = ['createdAt', 'dueDate', 'priority', 'name', 'subject', 'businessKey'] as const;
export const taskSort = { enum: [...TASK_SORTS, ...TASK_SORTS.map((f) => `-${f}`)], description: 'sort field, `-field` for descending (default createdAt)' } as const;
/** Relative due windows a saved view keeps (resolved against the time of each query). */
export const DUE_WINDOWS = ['overdue', 'day', 'week'] as const;
export const taskSearch = {
  priority: { type: 'integer', minimum: 0, maximum: 1000 },
  dueFrom: { ...isoTime, description: 'due at or after' },
  dueTo: { ...isoTime, description: 'due at or before' },
  due: { enum: DUE_WINDOWS, description: 'overdue, due within a day, or within a week (instead of dueFrom/dueTo)' },
  q: { type: 'string', minLength: 1, maxLength: 200, description: 'case-insensitive text in the subject or the business key' },
  sort: taskSort,
  page: { type: 'integer', minimum: 1, description: 'page number (with pageSize): answers the total count' },
  mine: { type: 'boolean', description: "only tasks assigned or offered to the caller or the caller's groups (also for those who read every task)" },
} as const;

export const page = (item: string): Schema => ({
  type: 'object',
  required: ['items', 'next'],
  properties: { items: { type: 'array', items: { $ref: `#/components/schemas/${item}` } }, next: { type: ['string', 'null'] } },
});
