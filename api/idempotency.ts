/**
 * `Idempotency-Key` for every POST: the first answer (status + JSON body, anything but a 5xx) to
 * (key, caller, method, path) is kept and returned again, with `Idempotent-Replayed: true`, for a retry
 * within the TTL (24 h by default). A retry with the same key but a different body is a 409, and so is
 * one that arrives while the first is still running.
 *
 * The results live in an in-memory LRU map of THIS server process: they do not survive a restart and
 * are not shared between several server processes (the engine's own idempotency - message ids, task
 * states - still protects against doubles there).
 */
import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { badRequest, conflict } from './errors';
import { principalOf } from './auth';

interface Entry {
  state: 'pending' | 'done';
  fingerprint: string;
  status?: number;
  body?: unknown;
  expiresAt: number;
}

export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    this.entries.delete(key); // least recently used order: move to the end
    this.entries.set(key, e);
    return e;
  }

  set(key: string, e: Omit<Entry, 'expiresAt'>): void {
    this.entries.delete(key);
    this.entries.set(key, { ...e, expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** The middleware (after requireRole, so the caller is known). */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const header = req.get('idempotency-key');
      if (req.method !== 'POST' || header === undefined) return next();
      if (!header || header.length > 255) return next(badRequest('Idempotency-Key must be 1 to 255 characters'));
      const key = JSON.stringify([header, principalOf(res).id, req.method, req.path]);
      const fingerprint = createHash('sha256')
        .update(JSON.stringify(req.body ?? null))
        .digest('hex');
      const seen = this.get(key);
      if (seen) {
        if (seen.fingerprint !== fingerprint) return next(conflict('Idempotency-Key was already used with a different request body'));
        if (seen.state === 'pending') return next(conflict('a request with this Idempotency-Key is still in progress'));
        res.set('Idempotent-Replayed', 'true');
        res.status(seen.status!).json(seen.body);
        return;
      }
      this.set(key, { state: 'pending', fingerprint });
      let stored = false;
      const json = res.json.bind(res);
      res.json = (value: unknown) => {
        // kept before the answer leaves, so that an immediate retry already finds it
        if (res.statusCode < 500) {
          this.set(key, { state: 'done', fingerprint, status: res.statusCode, body: value });
          stored = true;
        }
        return json(value);
      };
      res.on('close', () => {
        if (!stored) this.delete(key);
      });
      next();
    };
  }
}
