/**
 * Start events of the process, of subprocesses and of event subprocesses. The first start event a scope
 * runs arms the event subprocesses of that scope (their message, timer and signal starts), so that an
 * event arriving right after the scope starts is caught.
 */
import type { Run } from '../../run';
import type { Token } from '../../state';
import { armEventSubProcesses } from '../scopes/eventSubProcess';

export const startEvent = {
  enter(run: Run, token: Token): void {
    const scope = run.scope(token.scope);
    if (!scope.armed) {
      // Re-arming after a failed attempt (incident resolved) must not open a wait twice.
      for (const w of [...scope.waits]) run.closeWait(w, 'cancel');
      armEventSubProcesses(run, scope);
      scope.armed = true;
    }
    run.complete(token);
  },
};
