/**
 * Who may call which route, written by hand in words a reviewer can check against README's security
 * model, NOT derived from api/auth.ts: the route-by-role tests (auth.test.ts) compare what the server
 * does with this table, so a permission widened (or narrowed) in the code fails them until this table
 * is changed too, on purpose. Roles: designer, agent, auditor, admin, worker. A role listed here passes
 * the route's role check; finer checks (owner of the process, agent's own tasks) are tested in
 * test/security.
 */
import type { Role } from '../../api/auth';
import type { OperationId } from '../../api/operations';

const EVERYONE_SIGNED_IN: Role[] = ['designer', 'agent', 'auditor', 'admin', 'worker'];
const PEOPLE_WHO_READ: Role[] = ['designer', 'agent', 'auditor', 'admin'];

export const POLICY: Record<OperationId, { may: Role[] | 'anyone'; why: string }> = {
  createDeployment: { may: ['designer', 'admin'], why: 'designers deploy processes (next versions only of their own); admins anything' },
  listProcesses: { may: PEOPLE_WHO_READ, why: 'people read the process catalog; workers only work jobs' },
  getProcess: { may: PEOPLE_WHO_READ, why: 'as listProcesses' },
  getProcessXml: { may: PEOPLE_WHO_READ, why: 'as listProcesses' },
  getProcessMachine: { may: PEOPLE_WHO_READ, why: 'as listProcesses' },
  listProcessVersions: { may: PEOPLE_WHO_READ, why: 'as listProcesses: versions and instance counts, no instance data' },
  getProcessHeatmap: { may: PEOPLE_WHO_READ, why: 'as listProcessVersions: counts per element, no instance data' },
  listForms: { may: PEOPLE_WHO_READ, why: 'as listProcesses: the forms are part of the deployed processes' },
  getForm: { may: PEOPLE_WHO_READ, why: 'as listForms (agents see forms in their tasks anyway)' },
  listDrafts: { may: ['designer', 'admin'], why: 'designers (and admins) model processes; each sees only their own drafts' },
  getDraft: { may: ['designer', 'admin'], why: 'as listDrafts' },
  saveDraft: { may: ['designer', 'admin'], why: 'as listDrafts' },
  deleteDraft: { may: ['designer', 'admin'], why: 'as listDrafts' },
  startInstance: { may: ['designer', 'agent', 'admin'], why: 'designers and agents raise requests; auditors change nothing; workers start nothing' },
  listStartableProcesses: { may: ['designer', 'agent', 'admin'], why: 'as startInstance: the New menu lists what one may start' },
  listInstances: { may: PEOPLE_WHO_READ, why: 'people read instances (agents only those they may act on)' },
  getInstance: { may: PEOPLE_WHO_READ, why: 'as listInstances' },
  cancelInstance: { may: ['designer', 'admin'], why: 'the owner of the process and admins cancel; agents do not' },
  setInstanceVariables: { may: ['admin'], why: "only admins change a running instance's data" },
  migrateInstance: { may: ['designer', 'admin'], why: 'the owner of the process and admins move an instance to another version' },
  modifyInstance: { may: ['admin'], why: 'only admins move tokens of a running instance' },
  activateAdHocElements: { may: ['designer', 'admin'], why: 'the owner of the process and admins steer an ad-hoc subprocess' },
  getInstanceHistory: {
    may: ['designer', 'agent', 'auditor', 'admin'],
    why: "an agent reads the history of the tickets they may act on (their own, their tasks', their groups'), as the ticket itself; the rest of the audit trail is for owners, auditors and admins",
  },
  listInstanceLinks: { may: ['designer', 'agent', 'auditor', 'admin'], why: "as getInstanceHistory: a ticket's links are part of the ticket" },
  linkInstance: { may: ['agent', 'admin'], why: 'agents link tickets they may act on (both of them); admins any; auditors change nothing' },
  verifyInstanceHistory: { may: ['designer', 'auditor', 'admin'], why: 'verifying the chain is for owners, auditors and admins' },
  getHistoryPublicKey: { may: ['designer', 'auditor', 'admin'], why: 'as verifyInstanceHistory' },
  getInstanceEvidence: { may: ['auditor', 'admin'], why: 'evidence packs and exports are for auditors and admins only' },
  exportHistory: { may: ['auditor', 'admin'], why: 'as getInstanceEvidence' },
  listCheckpoints: { may: ['auditor', 'admin'], why: 'as getInstanceEvidence' },
  verifyCheckpoints: { may: ['auditor', 'admin'], why: 'as getInstanceEvidence' },
  listTasks: { may: PEOPLE_WHO_READ, why: "people read tasks (agents only their own or their groups')" },
  getTask: { may: PEOPLE_WHO_READ, why: 'as listTasks' },
  claimTask: { may: ['agent', 'admin'], why: 'agents work tasks; admins may act on any; designers and auditors do not' },
  unclaimTask: { may: ['agent', 'admin'], why: 'as claimTask' },
  delegateTask: { may: ['agent', 'admin'], why: 'as claimTask' },
  completeTask: { may: ['agent', 'admin'], why: 'as claimTask' },
  listTaskViews: { may: ['designer', 'agent', 'admin'], why: 'people who work the task list save views, each only their own; auditors change nothing' },
  saveTaskView: { may: ['designer', 'agent', 'admin'], why: 'as listTaskViews' },
  deleteTaskView: { may: ['designer', 'agent', 'admin'], why: 'as listTaskViews' },
  listAssignableUsers: { may: ['agent', 'admin'], why: 'those who delegate and assign tasks pick from the directory' },
  listTaskNotes: { may: PEOPLE_WHO_READ, why: 'as getTask: notes are part of the task' },
  addTaskNote: { may: ['agent', 'admin'], why: 'as claimTask: those who work the task write notes' },
  listTaskAttachments: { may: PEOPLE_WHO_READ, why: 'as getTask' },
  addTaskAttachment: { may: ['agent', 'admin'], why: 'as claimTask' },
  downloadAttachment: { may: PEOPLE_WHO_READ, why: "as getTask, for the attachment's task" },
  publishMessage: { may: ['agent', 'admin', 'worker'], why: 'agents and workers report what happened outside (agents only what a process opens to them)' },
  broadcastSignal: { may: ['admin', 'worker'], why: 'a signal reaches every instance: admins and workers only' },
  activateJobs: { may: ['admin', 'worker'], why: 'jobs are for workers (and admins)' },
  completeJob: { may: ['admin', 'worker'], why: 'as activateJobs' },
  failJob: { may: ['admin', 'worker'], why: 'as activateJobs' },
  throwJobError: { may: ['admin', 'worker'], why: 'as activateJobs' },
  listIncidents: { may: ['designer', 'auditor', 'admin'], why: 'owners, auditors and admins see what went wrong' },
  getSlaReport: {
    may: ['designer', 'auditor', 'admin'],
    why: 'process owners, auditors and admins read how the service desk keeps its SLAs (counts, no ticket data); agents work tickets, workers jobs',
  },
  resolveIncident: { may: ['designer', 'admin'], why: 'the owner of the process and admins retry' },
  retryIncidents: { may: ['designer', 'admin'], why: 'as resolveIncident, for each incident named' },
  createSession: { may: 'anyone', why: 'signing in: the token in the body is the credential' },
  getSession: { may: 'anyone', why: 'answers only whose the cookie sent is (signedIn false without one)' },
  deleteSession: { may: 'anyone', why: 'signing out ends only the session of the cookie sent' },
  me: { may: EVERYONE_SIGNED_IN, why: 'anyone signed in may ask who they are' },
  health: { may: 'anyone', why: 'public, no token: load balancers ask' },
  metrics: { may: 'anyone', why: 'public, no token: Prometheus scrapes' },
  openapi: { may: 'anyone', why: 'public, no token: the API describes itself' },
  listChangeCalendar: {
    may: ['admin'],
    why: "admins and the agents of group change-managers, who schedule changes: the matrix's agent (alice) is in no such group and is refused; test/itsm/changeCalendar.test.ts lets bob in",
  },
};

export const policyAllows = (id: OperationId, role: Role): boolean => {
  const { may } = POLICY[id];
  return may === 'anyone' || may.includes(role);
};
