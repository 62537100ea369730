/** Job handlers of the scale test's workers (WORKER_HANDLERS): the service tasks of test/crash/crash.bpmn. */
import type { JobRow } from '../../engine/store/types';

export default {
  'crash-a': (_job: JobRow) => ({}),
  'crash-b': (_job: JobRow) => ({ b: 1000 }),
};
