/** The Camunda client suite (clientSuite.ts) on the embedded store, jobs polled from rows. */
import { clientSuite } from './clientSuite';

clientSuite('embedded store', () => ({}));
