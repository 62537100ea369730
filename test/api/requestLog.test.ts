/**
 * The request log (api/requestLog.ts): a line per request at info, warn (4xx) or error (5xx), and the
 * error handler's `unhandled error` line through req.log; no middleware at all when the level is above
 * error, where none of those lines could be written.
 */
import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { errorHandler } from '../../api/errors';
import { requestLog } from '../../api/requestLog';

function logged(level: string): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

function appWith(logger: pino.Logger): express.Express {
  const app = express();
  const log = requestLog(logger);
  if (log) app.use(log);
  app.get('/ok', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/missing', (_req, res) => {
    res.status(404).json({});
  });
  app.get('/broken', () => {
    throw new Error('boom');
  });
  app.use(errorHandler);
  return app;
}

/** One request answered 200, one 404, one that throws (500). */
async function okMissingBroken(app: express.Express): Promise<void> {
  await request(app).get('/ok').expect(200);
  await request(app).get('/missing').expect(404);
  await request(app).get('/broken').expect(500);
}

describe('requestLog', () => {
  test('at info: a line per request, at the level its status calls for, and the unhandled error', async () => {
    const { logger, lines } = logged('info');
    await okMissingBroken(appWith(logger));
    const requests = lines.filter((l) => l.msg === 'request completed' || l.msg === 'request errored');
    expect(requests.map((l) => [l.level, (l.req as { url: string }).url, (l.res as { statusCode: number }).statusCode])).toEqual([
      [30, '/ok', 200],
      [40, '/missing', 404],
      [50, '/broken', 500],
    ]);
    expect(lines).toContainEqual(expect.objectContaining({ level: 50, msg: 'unhandled error', err: expect.objectContaining({ message: 'boom' }) }));
  });

  test('at error: only the failed request and its unhandled error', async () => {
    const { logger, lines } = logged('error');
    await okMissingBroken(appWith(logger));
    expect(lines.map((l) => l.msg).sort()).toEqual(['request errored', 'unhandled error']);
  });

  test.each(['fatal', 'silent'])('at %s: no middleware, the app answers the same', async (level) => {
    const { logger, lines } = logged(level);
    expect(requestLog(logger)).toBeUndefined();
    const app = appWith(logger);
    await request(app).get('/ok').expect(200);
    const broken = await request(app).get('/broken').expect(500);
    expect(broken.body).toEqual({ error: { code: 'INTERNAL', message: 'internal server error' } });
    expect(lines).toEqual([]);
  });
});
