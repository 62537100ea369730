/**
 * Table specs: each stored row is declared once, as a spec of its fields (store/types.ts), and
 * everything else follows from it: the row's TypeScript type (RowOf), the SQLite columns, inserts and
 * row mapping (sqlite/rowMapping.ts, sqlite/migrations.ts adds a column the spec has and the table
 * lacks), the MongoDB documents' JSON fields and mongoose schema (mongo/mapping.ts, mongo/schemas.ts).
 */

/** How one field is stored. */
export interface Field<T = unknown, Optional extends boolean = boolean> {
  /**
   * `text` and `int`: a plain value; `json`: JSON text in SQLite and in MongoDB (documents then keep no
   * user-controlled keys); `list`: JSON text in SQLite, a native array in MongoDB (indexed and queried
   * there); `parts`: an object of plain values, a column per part in SQLite, a sub-document in MongoDB.
   */
  readonly kind: 'text' | 'int' | 'json' | 'list' | 'parts';
  readonly optional: Optional;
  /** The values a `text` field may hold. */
  readonly values?: readonly string[];
  /** Smallest value of an `int` field. */
  readonly min?: number;
  /** What a `list` holds: `string` (MongoDB `[String]`) or `object` (MongoDB `[Mixed]`). */
  readonly of?: 'string' | 'object';
  /** The parts of a `parts` field and their kinds. */
  readonly parts?: Readonly<Record<string, 'text' | 'int'>>;
  /** What a required field that is absent is written as (and a `text` field that may be empty, in MongoDB). */
  readonly absent?: unknown;
  /** Carries the field's type; never set. */
  readonly type?: T;
}

export type TableSpec = Readonly<Record<string, Field>>;

export const text = (): Field<string, false> => ({ kind: 'text', optional: false });
export const oneOf = <const V extends readonly string[]>(values: V): Field<V[number], false> => ({ kind: 'text', optional: false, values });
export const int = (min?: number): Field<number, false> => ({ kind: 'int', optional: false, ...(min === undefined ? {} : { min }) });
export const json = <T>(absent?: unknown): Field<T, false> => ({ kind: 'json', optional: false, ...(absent === undefined ? {} : { absent }) });
export const list = <T extends string | object>(of: 'string' | 'object'): Field<T[], false> => ({ kind: 'list', optional: false, of, absent: [] });
export const parts = <T extends object>(p: { [K in keyof T]-?: 'text' | 'int' }): Field<T, false> => ({ kind: 'parts', optional: false, parts: p });
/** A field a row may leave out (NULL in SQLite, absent from a MongoDB document). */
export const opt = <T>(f: Field<T, false>): Field<T, true> => ({ ...f, optional: true, absent: undefined });
/** A `text` field that may be the empty string. */
export const mayBeEmpty = (f: Field<string, false>): Field<string, false> => ({ ...f, absent: '' });

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type TypeOf<F> = F extends Field<infer T, boolean> ? T : never;

/** The row a spec declares: its required fields, and its optional ones as `?`. */
export type RowOf<S extends TableSpec> = Simplify<
  { -readonly [K in keyof S as S[K] extends Field<unknown, true> ? never : K]: TypeOf<S[K]> } & {
    -readonly [K in keyof S as S[K] extends Field<unknown, true> ? K : never]?: TypeOf<S[K]>;
  }
>;

/** A spec that names exactly the fields of a row type declared by hand (the outbox's union). */
export type SpecOf<R> = { readonly [K in keyof Required<R>]: Field };

/** The SQLite column of a field: its name in snake_case. */
export const column = (field: string): string => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
