/**
 * Ticket numbers on MongoDB: one counter document per prefix (`_id` the prefix, `value` the last number
 * taken). A commit moves it from `number - 1` to `number` with one conditional write, so of two commits
 * that read the same counter one matches and the other gets ConflictError (the engine then reads the
 * counter again and retries with the next number).
 */
import type { ClientSession, Collection } from 'mongoose';
import { ConflictError } from '../types';

export async function takeTicketNumber(counters: Collection, ticket: { prefix: string; number: number }, session?: ClientSession): Promise<void> {
  const { prefix, number } = ticket;
  let taken: boolean;
  if (number === 1) {
    try {
      await counters.insertOne({ _id: prefix as never, value: 1 }, { session });
      taken = true;
    } catch (err) {
      if ((err as { code?: number })?.code !== 11000) throw err;
      taken = false;
    }
  } else {
    taken = (await counters.updateOne({ _id: prefix as never, value: number - 1 }, { $set: { value: number } }, { session })).matchedCount === 1;
  }
  if (!taken) throw new ConflictError(`ticket number ${number} of ${prefix} was taken by another commit`);
}
