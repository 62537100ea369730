/**
 * routesByResource (api/routeIndex.ts) answers every request as Express does with the same routers
 * mounted one after the other: the same router answers, in the same order, the same 404s, errors and
 * OPTIONS answers; only routers with no route under a request's resource are left out.
 */
import express, { Router, type ErrorRequestHandler } from 'express';
import request from 'supertest';
import { routesByResource } from '../../api/routeIndex';

/** Each route answers with the router's name and its own path; `pass` routes hand on to the next router. */
function routers(seen: string[]): Router[] {
  const answer = (name: string) => (req: express.Request, res: express.Response) => res.json({ by: name, route: req.route?.path, params: req.params });
  const things = Router();
  things.get('/api/things', answer('things'));
  things.get('/api/things/:id', answer('things'));
  things.post('/api/things/:id/close', answer('things'));
  const passing = Router();
  passing.get('/api/other/:id', (_req, _res, next) => next());
  passing.get('/api/other/:id/fail', () => {
    throw Object.assign(new Error('failed'), { status: 418 });
  });
  const other = Router();
  other.get('/api/other/:id', answer('other'));
  other.get('/api/other/:id/fail', answer('other'));
  // not only routes: sees every request
  const watching = Router();
  watching.use((req, _res, next) => {
    seen.push(req.path);
    next();
  });
  watching.get('/api/watched', answer('watching'));
  // a parameter in the first segments: sees every request
  const wild = Router();
  wild.get('/api/:kind/wild', answer('wild'));
  return [things, passing, watching, other, wild];
}

function app(indexed: boolean, seen: string[]): express.Express {
  const a = express();
  if (indexed) a.use(routesByResource(routers(seen)));
  else for (const r of routers(seen)) a.use(r);
  a.use((req, res) => {
    res.status(404).json({ notFound: req.path });
  });
  a.use(((err, _req, res, _next) => {
    res.status(err.status ?? 500).json({ error: err.message });
  }) as ErrorRequestHandler);
  return a;
}

const REQUESTS: [method: 'get' | 'post' | 'options' | 'head', path: string][] = [
  ['get', '/api/things'],
  ['get', '/api/things/'],
  ['get', '/api/things/7'],
  ['get', '/API/Things/7'],
  ['get', '/api/things/7?x=1'],
  ['head', '/api/things/7'],
  ['post', '/api/things/7/close'],
  ['get', '/api/things/7/close'],
  ['options', '/api/things/7/close'],
  ['get', '/api/things/%E0%A4%A'],
  ['get', '/api/other/3'],
  ['get', '/api/other/3/fail'],
  ['get', '/api/watched'],
  ['get', '/api/things2/1'],
  ['get', '/api/any/wild'],
  ['get', '/api/things/wild'],
  ['get', '/api'],
  ['get', '/api/'],
  ['get', '//api/things'],
  ['get', '/elsewhere'],
];

describe('routesByResource', () => {
  test.each(REQUESTS)('%s %s is answered as by the routers one after the other', async (method, path) => {
    const [plainSeen, indexedSeen]: string[][] = [[], []];
    const plain = await request(app(false, plainSeen))[method](path);
    const indexed = await request(app(true, indexedSeen))[method](path);
    expect({ status: indexed.status, body: indexed.body, allow: indexed.headers.allow }).toEqual({ status: plain.status, body: plain.body, allow: plain.headers.allow });
    expect(indexedSeen).toEqual(plainSeen);
  });

  test('a request goes only through the routers of its resource (and those that see every request)', async () => {
    const seen: string[] = [];
    const res = await request(app(true, seen)).get('/api/other/3');
    expect(res.body).toEqual({ by: 'other', route: '/api/other/:id', params: { id: '3' } });
    // the watching router (not only routes) saw it; the things router was not entered
    expect(seen).toEqual(['/api/other/3']);
  });
});
