/**
 * The one error shape of the API, `{ "error": { "code", "message", "details"? } }`, and the one error
 * handler that produces it for everything thrown or passed to `next(err)`: our own ApiErrors, engine
 * errors, deployment problems, body-parser failures (malformed JSON, too large) and the unexpected.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ConflictError, DeploymentError, EngineError, InvalidCursorError } from '../engine';

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'TOO_MANY_REQUESTS'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL';

export const STATUS_OF: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get status(): number {
    return STATUS_OF[this.code];
  }
}

export const badRequest = (message: string, details?: unknown): ApiError => new ApiError('BAD_REQUEST', message, details);
export const unauthorized = (message = 'missing or invalid bearer token'): ApiError => new ApiError('UNAUTHORIZED', message);
export const forbidden = (message: string): ApiError => new ApiError('FORBIDDEN', message);
export const notFound = (message: string): ApiError => new ApiError('NOT_FOUND', message);
export const conflict = (message: string): ApiError => new ApiError('CONFLICT', message);

const ENGINE_CODES: Record<EngineError['code'], ErrorCode> = {
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  INVALID: 'BAD_REQUEST',
  FORBIDDEN: 'FORBIDDEN',
  DEPLOYMENT: 'BAD_REQUEST',
};

/** Maps anything thrown to an ApiError (unknown errors become INTERNAL and keep their message out). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof DeploymentError) return badRequest(err.message, err.problems);
  if (err instanceof EngineError) return new ApiError(ENGINE_CODES[err.code] ?? 'INTERNAL', err.message, err.details);
  // a revision check the engine's retries did not win: the caller may try again
  if (err instanceof ConflictError) return conflict(err.message);
  if (err instanceof InvalidCursorError) return badRequest('invalid cursor', [{ instancePath: '/cursor', message: err.message }]);
  const e = err as { type?: string; status?: number; statusCode?: number; message?: string } | undefined;
  // body-parser (express.json) errors carry a `type`
  switch (e?.type) {
    case 'entity.too.large':
      return new ApiError('PAYLOAD_TOO_LARGE', 'request body is too large');
    case 'entity.parse.failed':
      return badRequest('malformed JSON body');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', e.message ?? 'unsupported body encoding');
    case 'request.aborted':
      return badRequest('request aborted');
    default:
      break;
  }
  const status = e?.status ?? e?.statusCode;
  if (status && status >= 400 && status < 500) {
    const code = (Object.keys(STATUS_OF) as ErrorCode[]).find((c) => STATUS_OF[c] === status) ?? 'BAD_REQUEST';
    return new ApiError(code, e?.message ?? 'bad request');
  }
  return new ApiError('INTERNAL', 'internal server error');
}

export function errorBody(err: ApiError): ErrorBody {
  return { error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } };
}

/** The one error handler, mounted last. */
export const errorHandler: ErrorRequestHandler = (err, req, res, next) => {
  const apiError = toApiError(err);
  if (apiError.code === 'INTERNAL') {
    // pino-http attaches req.log; keep the stack in the log, never in the response
    (req as { log?: { error: (o: unknown, m: string) => void } }).log?.error({ err }, 'unhandled error');
    res.locals.unhandledError = err;
  }
  if (res.headersSent) {
    next(err);
    return;
  }
  res.status(apiError.status).json(errorBody(apiError));
};

/** Unknown routes: 404 with the error shape (after every router). */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(notFound(`no route ${req.method} ${req.path}`));
};
