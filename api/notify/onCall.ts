/** Who is on call for a group at a moment: an override covering it, else the rota's turn. */
import { durationToMs } from '../../engine';
import type { OnCallRota } from './settings';

export function onCallAt(rota: OnCallRota, at: number): string | undefined {
  const override = rota.overrides?.find((o) => Date.parse(o.from) <= at && at < Date.parse(o.to));
  if (override) return override.user;
  const start = Date.parse(rota.start);
  if (at < start) return undefined;
  // turns of a calendar period (P1M is not a fixed number of ms): walk them; a rota is short and turns are long
  let turn = 0;
  for (let from = start; ; turn++) {
    const to = from + durationToMs(rota.period, from);
    if (at < to) return rota.users[turn % rota.users.length];
    from = to;
    if (turn > 100_000) return undefined;
  }
}
