import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine, openStore, type EngineOptions, type Store } from '../../engine';
import { EmbeddedScheduler } from '../../engine/queue';

/**
 * A started engine on a fresh temporary data directory; `close` stops it and removes the directory.
 * Timer cycles down to 100 ms are allowed (the tests run cycles in fractions of a second; the default
 * limit of 1 s is tested in test/security/boundedWork.test.ts). The engine keeps its store to itself;
 * `store` is the same store, for tests that look at or tamper with the rows underneath. With a `clock`
 * (and no store, scheduler or Redis of its own) the embedded scheduler asks that clock every 10 ms
 * (test/support/clock.ts).
 */
export async function tempEngine(options: EngineOptions = {}): Promise<{ engine: Engine; store: Store; dir: string; close: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-'));
  const store = options.store ?? openStore({ dataDir: options.dataDir ?? dir, mongodbUrl: options.mongodbUrl, ...options.sqlite });
  const clocked: EngineOptions = {};
  if (options.clock && !options.store && !options.scheduler && !options.redisUrl) {
    clocked.scheduler = new EmbeddedScheduler(store, { clock: options.clock, pollMs: 10, onError: (err) => console.error('timer', err) });
  }
  const engine = await new Engine({
    dataDir: dir,
    onError: (err, where) => console.error(where, err),
    ...clocked,
    ...options,
    store,
    limits: { minTimerCycleMs: 100, ...options.limits },
  }).start();
  return {
    engine,
    store,
    dir,
    close: async () => {
      await engine.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Polls `check` until it returns without throwing, or rethrows its last error after `ms`. The default
 * leaves room for a loaded machine (CI runs two test files at once beside Chromium and Redis): a check
 * that passes returns at once, so only a failing test waits that long.
 */
export async function eventually<T>(check: () => Promise<T>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

export function bpmnFile(file: string): { name: string; content: string } {
  return { name: path.basename(file), content: fs.readFileSync(file, 'utf8') };
}
