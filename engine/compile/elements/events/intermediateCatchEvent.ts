/**
 * Intermediate catch events: message, timer and signal ones wait for theirs (completed by eventCaught,
 * receiveTask.ts); a link catch event passes (the throw of the same name jumped here).
 */
import type { FlowNode } from '../../../bpmn/model';
import type { Run } from '../../run';
import type { Token } from '../../state';
import { openEventWait } from '../../waits';

export const intermediateCatchEvent = {
  enter(run: Run, token: Token, node: FlowNode): void {
    if (node.event?.kind === 'link' || !node.event) {
      run.complete(token);
      return;
    }
    openEventWait(run, node.event, 'activity', node.id, token.scope, token);
  },
};
