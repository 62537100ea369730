/**
 * Signals an instance throws (Run.throwSignal from signal throw and end events) are caught by that
 * instance's own open signal waits in the same command: boundaries of running scopes, event subprocess
 * starts and catch events; the broadcast (runtime/messaging.ts) reaches the other instances.
 */
import type { Run, WaitReaction } from '../../run';
import type { Variables, Wait } from '../../state';

/** Each open signal wait of that name catches the signal once, through `react` (by role or kind). */
export function catchOwnSignal(run: Run, name: string, variables: Variables, react: (wait: Wait) => WaitReaction): void {
  const waiting = Object.values(run.ctx.waits)
    .filter((w) => w.kind === 'signal' && w.name === name)
    .map((w) => w.id);
  for (const id of waiting) {
    const wait = run.ctx.waits[id];
    if (!wait) continue; // an earlier catch (an interrupting boundary) ended it
    run.history('signal.received', wait.node, { waitId: wait.id, name, variables });
    react(wait)(run, { type: 'SIGNAL', waitId: wait.id, variables, at: run.at, actor: run.actor }, wait, wait.token ? run.ctx.tokens[wait.token] : undefined);
  }
}
