/**
 * The request log (pino-http): one line per answered request, at `info` (below 400), `warn` (4xx) or
 * `error` (5xx, or the request failed), and `req.log` for the error handler's `unhandled error` line.
 */
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';

/**
 * The middleware, or none when the logger's level (fatal, silent) is above every level it writes at.
 * pino-http builds a child logger per request, serializing the request into it, before it knows whether
 * the line is written: with logs off that was about a tenth of a complete-task request's API time, for
 * lines that are always dropped. (The level is the config's and is not changed while the app runs.)
 */
export function requestLog(logger: Logger): RequestHandler | undefined {
  if (!logger.isLevelEnabled('error')) return undefined;
  return pinoHttp({
    logger,
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
  });
}
