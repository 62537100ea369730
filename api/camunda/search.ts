/**
 * Camunda's search requests (`filter`, `sort`, `page`) and answers (`items`, `page` with `totalItems`
 * and cursors) over rows the engine lists. A search reads at most `scanLimit` matching rows (a
 * setting; beyond it `hasMoreTotalItems` is true and `totalItems` is the count read), filters and
 * sorts them here, and maps only the page it answers (which is when keys are allocated). Cursors are
 * opaque base64 of the position, as Camunda's are opaque.
 */
import type { Engine } from '../../engine';
import { badRequest } from '../errors';
import { idOf, type KeyKind } from './keys';

/** A filter or sort field of a resource: how to read it from a row; `key`: callers give it as a key of that kind. */
export interface SearchField<R> {
  get: (row: R) => unknown;
  key?: KeyKind;
}
export type SearchFields<R> = Record<string, SearchField<R>>;

export interface SearchRequest {
  filter?: Record<string, unknown>;
  sort?: { field: string; order?: 'ASC' | 'DESC' | 'asc' | 'desc' }[];
  page?: { from?: number; limit?: number; after?: string; before?: string };
}

export interface SearchPage {
  totalItems: number;
  hasMoreTotalItems?: boolean;
  startCursor?: string;
  endCursor?: string;
}

export interface SearchLimits {
  /** Largest `page.limit`. */
  maxPageSize: number;
  /** Most rows a search reads. */
  scanLimit: number;
}

const DEFAULT_PAGE_SIZE = 100;
const OPERATORS = new Set(['$eq', '$neq', '$exists', '$in', '$notIn', '$like', '$gt', '$gte', '$lt', '$lte']);

const encodeCursor = (position: number): string => Buffer.from(`p:${position}`).toString('base64');
function decodeCursor(cursor: string, where: string): number {
  const m = /^p:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  if (!m) throw badRequest(`${where} is not a cursor of this search`);
  return Number(m[1]);
}

/**
 * `$like`: `*` any characters, `?` one, case-sensitive as Camunda's. Matched without a regular
 * expression (a pattern of many `*` would make one backtrack exponentially): the greedy two-pointer
 * walk, at most pattern x value steps.
 */
export function like(value: string, pattern: string): boolean {
  let v = 0;
  let p = 0;
  let star = -1;
  let mark = 0;
  while (v < value.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === value[v])) {
      v++;
      p++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = v;
    } else if (star >= 0) {
      p = star + 1;
      v = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

function compare(a: unknown, b: unknown): number {
  if (a === undefined || a === null) return b === undefined || b === null ? 0 : 1;
  if (b === undefined || b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function sameValue(value: unknown, wanted: unknown): boolean {
  if (typeof value === 'number' && typeof wanted === 'string' && wanted.trim() !== '') return value === Number(wanted);
  return value === wanted;
}

/** Whether `value` passes a filter property: a plain value (equality) or an object of operators. */
function passes(value: unknown, cond: unknown, field: string): boolean {
  if (cond === null || typeof cond !== 'object' || Array.isArray(cond)) return sameValue(value, cond);
  for (const [op, arg] of Object.entries(cond)) {
    if (!OPERATORS.has(op)) throw badRequest(`filter.${field}: operator ${op} is not supported (${[...OPERATORS].join(', ')})`);
    const ok =
      op === '$eq'
        ? sameValue(value, arg)
        : op === '$neq'
          ? !sameValue(value, arg)
          : op === '$exists'
            ? (value !== undefined && value !== null) === arg
            : op === '$in'
              ? Array.isArray(arg) && arg.some((a) => sameValue(value, a))
              : op === '$notIn'
                ? Array.isArray(arg) && !arg.some((a) => sameValue(value, a))
                : op === '$like'
                  ? typeof value === 'string' && typeof arg === 'string' && like(value, arg)
                  : value !== undefined &&
                    value !== null &&
                    (op === '$gt' ? compare(value, arg) > 0 : op === '$gte' ? compare(value, arg) >= 0 : op === '$lt' ? compare(value, arg) < 0 : compare(value, arg) <= 0);
    if (!ok) return false;
  }
  return true;
}

/** Keys in a key field's filter become the ids they name (a key naming nothing matches nothing). */
async function resolveKeys(engine: Engine, kind: KeyKind, cond: unknown, field: string): Promise<unknown> {
  const one = async (k: unknown): Promise<unknown> => {
    if (typeof k !== 'string' && typeof k !== 'number') throw badRequest(`filter.${field} takes keys (numeric strings)`);
    try {
      return await idOf(engine, kind, String(k), field);
    } catch (err) {
      if ((err as { code?: string }).code === 'NOT_FOUND') return { unknownKey: String(k) }; // equal to no id
      throw err;
    }
  };
  if (cond === null || typeof cond !== 'object' || Array.isArray(cond)) return one(cond);
  const out: Record<string, unknown> = {};
  for (const [op, arg] of Object.entries(cond)) {
    out[op] = op === '$in' || op === '$notIn' ? await Promise.all((Array.isArray(arg) ? arg : []).map(one)) : op === '$exists' ? arg : await one(arg);
  }
  return out;
}

/** The filter's fields as predicates; a field the resource does not know is a 400 naming it. */
export async function rowFilter<R>(engine: Engine, fields: SearchFields<R>, filter: Record<string, unknown> = {}): Promise<(row: R) => boolean> {
  const checks: ((row: R) => boolean)[] = [];
  for (const [name, raw] of Object.entries(filter)) {
    if (raw === undefined) continue;
    const field = fields[name];
    if (!field) throw badRequest(`filter.${name} is not supported here (supported: ${Object.keys(fields).join(', ')})`);
    const cond = field.key ? await resolveKeys(engine, field.key, raw, name) : raw;
    checks.push((row) => passes(field.get(row), cond, name));
  }
  return (row) => checks.every((c) => c(row));
}

/** Sorts, then cuts the page the request asks for, with Camunda's `page` answer. */
export function pageOf<R>(rows: R[], req: SearchRequest, fields: SearchFields<R>, limits: SearchLimits, truncated: boolean): { rows: R[]; page: SearchPage } {
  const sort = req.sort ?? [];
  for (const s of sort) if (!fields[s.field]) throw badRequest(`sort field ${s.field} is not supported here (supported: ${Object.keys(fields).join(', ')})`);
  if (sort.length) {
    rows = [...rows].sort((a, b) => {
      for (const s of sort) {
        const c = compare(fields[s.field].get(a), fields[s.field].get(b));
        if (c) return s.order?.toUpperCase() === 'DESC' ? -c : c;
      }
      return 0;
    });
  }
  const page = req.page ?? {};
  const limit = page.limit ?? DEFAULT_PAGE_SIZE;
  if (limit > limits.maxPageSize) throw badRequest(`page.limit ${limit} is above the largest page, ${limits.maxPageSize}`);
  let start = page.from ?? 0;
  if (page.after !== undefined) start = decodeCursor(page.after, 'page.after');
  if (page.before !== undefined) start = Math.max(0, decodeCursor(page.before, 'page.before') - limit);
  const end = page.before !== undefined ? Math.min(decodeCursor(page.before, 'page.before'), start + limit) : start + limit;
  const slice = rows.slice(start, end);
  return {
    rows: slice,
    page: {
      totalItems: rows.length,
      ...(truncated ? { hasMoreTotalItems: true } : {}),
      ...(slice.length ? { startCursor: encodeCursor(start), endCursor: encodeCursor(start + slice.length) } : {}),
    },
  };
}

/** Reads rows from a paged engine listing until it ends or `scanLimit` matching rows are read. */
export async function scan<R>(
  list: (cursor: string | undefined, limit: number) => Promise<{ items: R[]; next?: string }>,
  keep: (row: R) => boolean,
  scanLimit: number,
): Promise<{ rows: R[]; truncated: boolean }> {
  const rows: R[] = [];
  let cursor: string | undefined;
  do {
    const page = await list(cursor, 500);
    for (const row of page.items) {
      if (!keep(row)) continue;
      if (rows.length >= scanLimit) return { rows, truncated: true };
      rows.push(row);
    }
    cursor = page.next;
  } while (cursor);
  return { rows, truncated: false };
}

/** JSON schema of a search request (the fields' own values are checked by rowFilter). */
export const searchBody = {
  type: 'object',
  properties: {
    filter: { type: 'object' },
    sort: {
      type: 'array',
      maxItems: 10,
      items: { type: 'object', properties: { field: { type: 'string', maxLength: 100 }, order: { enum: ['ASC', 'DESC', 'asc', 'desc'] } }, required: ['field'] },
    },
    page: {
      type: 'object',
      properties: {
        from: { type: 'integer', minimum: 0, maximum: 1_000_000 },
        limit: { type: 'integer', minimum: 1 },
        after: { type: 'string', maxLength: 300 },
        before: { type: 'string', maxLength: 300 },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;
