/**
 * A real ProcessDesk server for the /v2 tests: createApp on a temporary engine (or one given engine
 * options: Redis, BullMQ jobs), listening on 127.0.0.1 on a free port, and Camunda's own client
 * configured as its users configure it (REST address, Basic auth), validating every request and
 * answer against Camunda's schemas (`fanatical`: wrong types, missing and unknown fields all fail).
 */
import type http from 'node:http';
import { createCamundaClient, type CamundaClient } from '@camunda8/orchestration-cluster-api';
import type { Engine, EngineOptions } from '../../engine';
import { createApp, endLongPolls } from '../../api/app';
import { buildDirectory } from '../../api/directory';
import type { ApiConfig } from '../../api/config';
import { testConfig } from '../api/helpers';
import { tempEngine } from '../support/engine';

export interface V2Server {
  engine: Engine;
  url: string;
  /** The official client signed in as `user` (Basic, demo password `demo-<user>` unless given), fanatical on requests and answers unless told. */
  client: (user: string, password?: string, validation?: string) => CamundaClient;
  close: () => Promise<void>;
}

export async function startV2Server(config: Partial<ApiConfig> = {}, engineOptions: EngineOptions = {}): Promise<V2Server> {
  const apiConfig = testConfig(config);
  const { engine, dir, close } = await tempEngine({ directory: buildDirectory(apiConfig), ...engineOptions });
  const app = createApp(engine, { ...apiConfig, dataDir: dir });
  const server: http.Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const unanswered = new Set<http.ServerResponse>();
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    unanswered.add(res);
    res.once('close', () => unanswered.delete(res));
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const clients: CamundaClient[] = [];
  return {
    engine,
    url,
    client: (user, password = `demo-${user}`, validation = 'req:fanatical,res:fanatical') => {
      const client = createCamundaClient({
        config: {
          CAMUNDA_REST_ADDRESS: url,
          CAMUNDA_AUTH_STRATEGY: 'BASIC',
          CAMUNDA_BASIC_AUTH_USERNAME: user,
          CAMUNDA_BASIC_AUTH_PASSWORD: password,
          CAMUNDA_SDK_VALIDATION: validation,
          CAMUNDA_SDK_LOG_LEVEL: 'silent',
        } as never,
      });
      clients.push(client);
      return client;
    },
    close: async () => {
      for (const c of clients) c.stopAllWorkers();
      // as api/main.ts stops: waiting activations answer, then the server closes
      endLongPolls(app);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const res of unanswered) if (!res.headersSent) res.shouldKeepAlive = false;
      const force = setTimeout(() => server.closeAllConnections(), 2000);
      await closed;
      clearTimeout(force);
      await engine.idle();
      await close();
    },
  };
}
