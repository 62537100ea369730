/**
 * Keyset pagination helpers: page sizes and the opaque cursor.
 *
 * A cursor is base64url of the JSON `[sortTime, id]` of the last row of a page; the next page holds
 * the rows strictly after it in (sortTime, id) order. Cursors stay valid while rows are inserted or
 * removed, unlike offsets. The encoding is adapter-neutral so that every Store adapter can share it.
 */

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

/** Thrown for a cursor this store did not produce; the API maps it to 400. */
export class InvalidCursorError extends Error {
  constructor(message = 'invalid cursor') {
    super(message);
    this.name = 'InvalidCursorError';
  }
}

export interface CursorPosition {
  /** createdAt for tasks, startedAt for instances. */
  at: number;
  id: string;
}

export function encodeCursor(p: CursorPosition): string {
  return Buffer.from(JSON.stringify([p.at, p.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): CursorPosition | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'number' || !Number.isFinite(value[0]) || typeof value[1] !== 'string') {
    throw new InvalidCursorError();
  }
  return { at: value[0], id: value[1] };
}

/** The page size to use: default 50, at least 1, at most 1000. */
export function pageSize(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_PAGE_SIZE;
  return Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(limit)));
}

/**
 * Turns `limit + 1` fetched rows into a page: the extra row only tells that there is a next page,
 * whose cursor points at the last row returned.
 */
export function toPage<T>(rows: T[], limit: number, position: (row: T) => CursorPosition): { items: T[]; next?: string } {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, next: encodeCursor(position(items[items.length - 1])) };
}
