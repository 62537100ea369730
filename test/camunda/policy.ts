/**
 * Who may call which /v2 operation, written by hand (as test/api/policy.ts is for /api) and NOT
 * derived from api/camunda/catalog.ts: auth.test.ts compares what the server does with this table.
 * The roles are /api's: each /v2 operation needs the permission of its /api counterpart.
 */
import type { Role } from '../../api/auth';
import type { V2OperationId } from '../../api/camunda/catalog';

const EVERYONE: Role[] = ['designer', 'agent', 'auditor', 'admin', 'worker'];
const READERS: Role[] = ['designer', 'agent', 'auditor', 'admin'];
const WORKERS: Role[] = ['admin', 'worker'];

export const V2_POLICY: Record<V2OperationId, Role[]> = {
  getTopology: EVERYONE, // anyone signed in: clients check the connection with it
  createDeployment: ['designer', 'admin'], // as POST /api/deployments
  createProcessInstance: ['designer', 'agent', 'admin'], // as POST /api/process-instances
  getProcessInstance: READERS,
  searchProcessInstances: READERS,
  cancelProcessInstance: ['designer', 'admin'], // owners and admins
  searchProcessDefinitions: READERS,
  getProcessDefinition: READERS,
  getProcessDefinitionXml: READERS,
  activateJobs: WORKERS,
  completeJob: WORKERS,
  failJob: WORKERS,
  throwJobError: WORKERS,
  updateJob: WORKERS,
  searchUserTasks: READERS, // agents see their own and their groups' only
  getUserTask: READERS,
  getUserTaskForm: READERS,
  searchUserTaskVariables: READERS,
  assignUserTask: ['agent', 'admin'],
  unassignUserTask: ['agent', 'admin'],
  completeUserTask: ['agent', 'admin'],
  updateUserTask: ['agent', 'admin'], // candidates: admins only (checked per request)
  searchIncidents: ['designer', 'auditor', 'admin'],
  getIncident: ['designer', 'auditor', 'admin'],
  searchProcessInstanceIncidents: ['designer', 'auditor', 'admin'],
  resolveIncident: ['designer', 'admin'],
  publishMessage: ['agent', 'admin', 'worker'],
  correlateMessage: ['agent', 'admin', 'worker'],
  broadcastSignal: WORKERS,
  searchVariables: READERS,
  getVariable: READERS,
  searchElementInstances: READERS,
  evaluateDecision: ['designer', 'agent', 'admin'], // as starting an instance: it runs the business's rules
};
