/**
 * FEEL that may run long (loops, quantifiers, filters, ranges, functions that walk lists) runs here: in
 * a worker thread, with the calling thread waiting for the answer at most limits.feelTimeoutMs. feelin
 * cannot be interrupted, so a loop over a billion numbers would otherwise hold the server; here the
 * worker is terminated, the expression ends in an ExpressionError (an incident on its element) and the
 * next evaluation gets a fresh worker. Answers larger than limits.maxFeelResultBytes are refused the
 * same way. Expressions without iteration (most of a diagram's) are evaluated in the calling thread.
 *
 * The hand-over is synchronous (Atomics.wait on shared memory): the token game is synchronous, and a
 * round trip costs tens of microseconds. The limits apply process-wide: the last engine configured
 * sets them.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CommandOrigin } from './commandFunctions';
import { ExpressionError, type Variables } from './feelParse';

/** control[0]: 1 once the answer is written; control[1]: its length in bytes; control[2]: 1 once the worker runs. */
const ANSWERED = 0;
const LENGTH = 1;
const READY = 2;
/** How long a starting worker may take (a development loader compiles TypeScript first). */
const BOOT_MS = 60_000;

export interface SandboxRequest {
  source: string;
  values: Variables;
  functions: string[];
  origin?: CommandOrigin;
  maxBytes: number;
}

export type SandboxAnswer = { value: unknown } | { error: string } | { tooLarge: number };

class FeelSandbox {
  private worker?: Worker;
  private control = new Int32Array(new SharedArrayBuffer(12));
  private data = new Uint8Array(new SharedArrayBuffer(0));
  private timeoutMs = 1000;
  private maxResultBytes = 1024 * 1024;
  /** Off, every expression is evaluated in the calling thread (no time limit). */
  enabled = true;

  configure(limits: { timeoutMs: number; maxResultBytes: number }): void {
    if (limits.maxResultBytes !== this.maxResultBytes) this.stop();
    this.timeoutMs = limits.timeoutMs;
    this.maxResultBytes = limits.maxResultBytes;
  }

  stop(): void {
    if (this.worker) void this.worker.terminate();
    this.worker = undefined;
  }

  private start(): Worker {
    const control = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
    // room for the largest allowed answer, and for the message that it was too large
    const data = new SharedArrayBuffer(this.maxResultBytes + 1024);
    this.control = new Int32Array(control);
    this.data = new Uint8Array(data);
    const fromSource = __filename.endsWith('.ts');
    const worker = new Worker(path.join(__dirname, `feelWorker${fromSource ? '.ts' : '.js'}`), {
      workerData: { control, data },
      execArgv: fromSource ? ['--require', require.resolve('tsx/cjs')] : [],
    });
    worker.unref();
    worker.on('error', () => {
      if (this.worker === worker) this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }

  evaluate(source: string, values: Variables, origin: CommandOrigin | undefined, functions: string[]): unknown {
    const worker = this.worker ?? this.start();
    if (Atomics.load(this.control, READY) !== 1) Atomics.wait(this.control, READY, 0, BOOT_MS);
    if (Atomics.load(this.control, READY) !== 1) {
      this.stop();
      throw new ExpressionError(`the FEEL sandbox did not start within ${BOOT_MS} ms`, source);
    }
    Atomics.store(this.control, ANSWERED, 0);
    worker.postMessage({ source, values, functions, origin, maxBytes: this.maxResultBytes } satisfies SandboxRequest);
    if (Atomics.wait(this.control, ANSWERED, 0, this.timeoutMs) === 'timed-out') {
      this.stop();
      throw new ExpressionError(`${source.slice(0, 200)} took longer than ${this.timeoutMs} ms and was stopped (feelTimeoutMs)`, source);
    }
    const answer = JSON.parse(Buffer.from(this.data.subarray(0, Atomics.load(this.control, LENGTH))).toString('utf8')) as SandboxAnswer;
    if ('error' in answer) throw new ExpressionError(answer.error, source);
    if ('tooLarge' in answer) {
      throw new ExpressionError(`${source.slice(0, 200)} gave ${answer.tooLarge} bytes; the largest result allowed is ${this.maxResultBytes} bytes (maxFeelResultBytes)`, source);
    }
    return answer.value;
  }
}

export const sandbox = new FeelSandbox();
