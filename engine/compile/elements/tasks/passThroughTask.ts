/** Manual tasks and plain tasks: nothing for the engine to do; the token passes (through mappings and boundaries). */
import type { Run } from '../../run';
import type { Token } from '../../state';
import { activity, completeActivity } from '../activity';

const pass = (run: Run, token: Token): void => completeActivity(run, token, undefined);

export const manualTask = activity(pass);
export const task = activity(pass);
