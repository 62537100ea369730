/**
 * A CPU profile of one phase of a process (the measured load, not its setup), through the inspector:
 * `start()`, then `stop()` writes a .cpuprofile into `dir` (summarise it with bench/profile.ts) and
 * answers its path. Without a `dir` both do nothing.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

export interface PhaseProfiler {
  start(): Promise<void>;
  stop(): Promise<string | undefined>;
}

export function phaseProfiler(dir: string | undefined | false): PhaseProfiler {
  if (!dir) return { start: async () => undefined, stop: async () => undefined };
  const session = new Session();
  session.connect();
  const post = (method: string): Promise<unknown> => new Promise((resolve, reject) => session.post(method, (err, result) => (err ? reject(err) : resolve(result))));
  let phase = 0;
  return {
    async start() {
      await post('Profiler.enable');
      await post('Profiler.start');
    },
    async stop() {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `phase-${process.pid}-${++phase}.cpuprofile`);
      fs.writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}
