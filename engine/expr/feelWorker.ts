/**
 * The thread of the FEEL sandbox (feelSandbox.ts): evaluates what it is sent with the command's
 * functions rebuilt from their origin, and writes the answer (JSON) into the shared memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { commandFunctions } from './commandFunctions';
import { evaluateInline } from './feel';
import type { SandboxAnswer, SandboxRequest } from './feelSandbox';

const control = new Int32Array(workerData.control as SharedArrayBuffer);
const data = new Uint8Array(workerData.data as SharedArrayBuffer);

function answer(a: SandboxAnswer): void {
  let bytes = Buffer.from(JSON.stringify(a), 'utf8');
  if (bytes.length > data.length) bytes = Buffer.from(JSON.stringify({ tooLarge: bytes.length }), 'utf8');
  data.set(bytes);
  Atomics.store(control, 1, bytes.length);
  Atomics.store(control, 0, 1);
  Atomics.notify(control, 0);
}

parentPort!.on('message', (m: SandboxRequest) => {
  try {
    const context = { ...m.values };
    if (m.origin) {
      const fns = commandFunctions(m.origin.calendar, m.origin.now, m.origin.actor, undefined, m.origin.calendars);
      for (const name of m.functions) context[name] = fns[name];
    }
    const value = evaluateInline(m.source, context);
    const json = JSON.stringify({ value });
    answer(Buffer.byteLength(json) > m.maxBytes ? { tooLarge: Buffer.byteLength(json) } : { value });
  } catch (err) {
    answer({ error: (err as Error).message });
  }
});

Atomics.store(control, 2, 1);
Atomics.notify(control, 2);
