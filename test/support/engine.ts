import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine, type EngineOptions } from '../../engine';

/** A started engine on a fresh temporary data directory; `close` stops it and removes the directory. */
export async function tempEngine(options: EngineOptions = {}): Promise<{ engine: Engine; dir: string; close: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processdesk-'));
  const engine = await new Engine({ dataDir: dir, onError: (err, where) => console.error(where, err), ...options }).start();
  return {
    engine,
    dir,
    close: async () => {
      await engine.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns without throwing, or rethrows its last error after `ms`. */
export async function eventually<T>(check: () => Promise<T>, ms = 3000): Promise<T> {
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
