import { EmbeddedScheduler } from '../../engine/queue/embeddedScheduler';
import { schedulerContract } from './schedulerContract';

schedulerContract('embedded', (store) => new EmbeddedScheduler(store, { pollMs: 100, onError: () => undefined }));
