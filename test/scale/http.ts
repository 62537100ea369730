/**
 * HTTP calls of the multi-process tests, as a careful client makes them (as admin, JSON): a kept-alive
 * connection the server closes just as it is reused (a loaded machine makes that race likely) fails with
 * ECONNRESET / "other side closed" before any answer; such a call is sent again, a few times, with the
 * same Idempotency-Key (every POST carries one, so a retry is never applied twice).
 */
import { randomUUID } from 'node:crypto';

const AUTH = { authorization: 'Bearer demo-admin', 'content-type': 'application/json' };
let resent = 0;

/** How many calls were sent again after a reset connection (for a test's report). */
export const callsResent = (): number => resent;

export async function api(base: string, method: string, url: string, body?: unknown): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { ...AUTH, ...(method === 'POST' ? { 'idempotency-key': randomUUID() } : {}) };
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(base + url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      if (attempt < 4 && /ECONNRESET|UND_ERR_SOCKET|EPIPE/.test(String(cause?.code))) {
        resent++;
        continue;
      }
      throw err;
    }
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  }
}

/** Runs `work` over `items`, `size` at a time. */
export async function pool<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}
