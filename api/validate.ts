/**
 * Request validation with ajv: path params and query strings are coerced ("5" -> 5) before they are
 * checked, bodies are not (JSON already has types). Validated input is kept in `res.locals.input`,
 * because Express 5 re-parses `req.query` on every read.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { RequestHandler, Response } from 'express';
import { jsonDepth } from '../engine';
import { badRequest } from './errors';
import type { Operation } from './operations';
import { requests, type RequestSchemaName, type Schema } from './schemas';

function newAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, coerceTypes: coerce, useDefaults: false, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  return ajv;
}

const bodyAjv = newAjv(false);
const stringAjv = newAjv(true);
const compiled = new Map<string, ValidateFunction>();

function validator(name: RequestSchemaName, coerce: boolean): ValidateFunction {
  const cacheKey = `${coerce ? 'c' : 'b'}:${name}`;
  let fn = compiled.get(cacheKey);
  if (!fn) {
    fn = (coerce ? stringAjv : bodyAjv).compile(requests[name]);
    compiled.set(cacheKey, fn);
  }
  return fn;
}

/** An ajv error as one line that names the property: `/variables/requester is not allowed` rather than "must NOT have additional properties". */
export function describeError(e: Pick<ErrorObject, 'instancePath' | 'keyword' | 'message' | 'params'> & { in?: string }): string {
  const where = `${e.in ?? ''}${e.instancePath}`;
  if (e.keyword === 'additionalProperties') return `${where}/${(e.params as { additionalProperty: string }).additionalProperty} is not allowed here`;
  if (e.keyword === 'required') return `${where}/${(e.params as { missingProperty: string }).missingProperty} is required`;
  return `${where} ${e.message}`;
}

export interface ValidationDetail extends ErrorObject {
  /** Where the problem is: the path params, the query string or the body. */
  in: 'params' | 'query' | 'body';
}

/** Validates a value against a schema compiled once per name; returns ajv's errors or []. */
export function check(name: RequestSchemaName, value: unknown, where: ValidationDetail['in']): ValidationDetail[] {
  const fn = validator(name, where !== 'body');
  return fn(value) ? [] : (fn.errors ?? []).map((e) => ({ ...e, in: where }));
}

/** Compiles an ad hoc schema (e.g. one derived from a form) with the body settings. */
export function compileBodySchema(schema: Schema): ValidateFunction {
  return bodyAjv.compile(schema);
}

export interface Input<P = Record<string, string>, Q = Record<string, unknown>, B = unknown> {
  params: P;
  query: Q;
  body: B;
}

/** Refuses a JSON body nested deeper than `max` levels (checked without recursion: a hostile body cannot overflow the stack). */
export function bodyDepthGuard(max: number): RequestHandler {
  return (req, _res, next) => {
    if (req.body !== undefined && jsonDepth(req.body, max) > max) {
      return next(
        badRequest(`the JSON body nests deeper than ${max} levels (maxJsonDepth)`, [
          { in: 'body', instancePath: '', keyword: 'maxDepth', params: { limit: max }, message: `nests deeper than ${max} levels` },
        ]),
      );
    }
    next();
  };
}

/** The middleware validating params, query and body of one operation. */
export function validateInput(op: Operation): RequestHandler {
  for (const name of [op.params, op.query, op.body]) if (name) validator(name, name !== op.body); // compile at mount time
  return (req, res, next) => {
    const params = { ...req.params };
    const query = { ...(req.query as Record<string, unknown>) };
    const body = req.body === undefined ? {} : req.body;
    const details: ValidationDetail[] = [];
    if (op.params) details.push(...check(op.params, params, 'params'));
    if (op.query) details.push(...check(op.query, query, 'query'));
    if (op.body) details.push(...check(op.body, body, 'body'));
    else if (req.body !== undefined && req.method !== 'GET' && Object.keys(req.body ?? {}).length) {
      details.push({ in: 'body', instancePath: '', schemaPath: '', keyword: 'body', params: {}, message: 'this route takes no body' });
    }
    if (details.length) return next(badRequest(`invalid request: ${details.map(describeError).join('; ')}`, details));
    res.locals.input = { params, query, body } satisfies Input<Record<string, unknown>>;
    next();
  };
}

export function inputOf<P = Record<string, string>, Q = Record<string, unknown>, B = unknown>(res: Response): Input<P, Q, B> {
  return res.locals.input as Input<P, Q, B>;
}
