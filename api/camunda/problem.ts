/**
 * Errors of the /v2 API as RFC 9457 problem details (`application/problem+json`: type, title, status,
 * detail, instance), which is what Camunda 8's clients read. Everything thrown by a /v2 handler, by the
 * engine or by a body parser goes through toApiError (api/errors.ts) first, so /v2 and /api agree on
 * which status a failure is; only the shape differs.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ApiError, toApiError } from '../errors';

const TITLES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'INVALID_STATE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export interface ProblemDetail {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
}

/** A failure of /v2 with a status the /api error codes do not have (501, 504). */
export class Problem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'Problem';
  }
}

export const notImplemented = (what: string): Problem => new Problem(501, `${what} is not supported by ProcessDesk (docs/camunda.md lists what is)`);

export function problemOf(err: unknown, instance: string): ProblemDetail {
  const { status, message } = err instanceof Problem ? err : toApiError(err);
  return { type: 'about:blank', title: TITLES[status] ?? 'ERROR', status, detail: message, instance };
}

/** The error handler of /v2 (mounted last on its router). */
export const problemHandler: ErrorRequestHandler = (err, req, res, next) => {
  const problem = problemOf(err, req.originalUrl.split('?')[0]);
  if (problem.status >= 500 && problem.status !== 501 && problem.status !== 504) {
    (req as { log?: { error: (o: unknown, m: string) => void } }).log?.error({ err }, 'unhandled error');
    res.locals.unhandledError = err;
  }
  if (res.headersSent) return next(err);
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
};

/** Unknown /v2 paths. */
export const problemNotFound: RequestHandler = (req, _res, next) => {
  next(new ApiError('NOT_FOUND', `no operation ${req.method} ${req.path} in the /v2 API`));
};
