/** A tiny express app around requireRole, for the fast tests of api/auth.ts. */
import cookieParser from 'cookie-parser';
import express from 'express';
import { type Authenticator, type Permission, principalOf } from '../../api/auth';
import { errorHandler } from '../../api/errors';

/** A tiny app: requireRole(<permission in the path>), then the caller's id (or `public`). */
export function appFor(auth: Authenticator): express.Express {
  const app = express();
  app.use(cookieParser());
  app.all('/:permission', (req, res, next) => auth.requireRole(req.params.permission as Permission)(req, res, next));
  app.all('/:permission', (req, res) => {
    res.type('text').send(req.params.permission === 'public' ? `public ${res.locals.principal === undefined}` : principalOf(res).id);
  });
  app.use(errorHandler);
  return app;
}
