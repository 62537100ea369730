/**
 * Exclusive gateways: the first outgoing flow whose condition is true, in document order, else the
 * default flow (the statechart's first enabled transition); none: an incident on the gateway.
 */
import type { Run } from '../../run';
import type { Token } from '../../state';

export const exclusiveGateway = {
  enter(run: Run, token: Token): void {
    run.complete(token);
  },
};
