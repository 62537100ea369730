/**
 * What a notification says: a subject and a text per template (the `template` header of a `notify`
 * job), with `{{name}}` replaced by the job's variable of that name (text of a string or number, JSON
 * of anything else, nothing for a missing one; no expression is ever run). NOTIFY_CONFIG `templates`
 * overrides or adds templates; an unknown template gets a plain text naming it.
 */
import type { JobRow } from '../../engine';

interface Template {
  subject: string;
  text: string;
}

/** The ticket a text names: the incident's id (its number unless the reporter gave one), else the number the engine gave. */
const TICKET = '{{ticket}}';

const DEFAULTS: Record<string, Template> = {
  'incident-assigned': {
    subject: `${TICKET} (P{{priority}}) is assigned to your group: {{summary}}`,
    text: 'A P{{priority}} incident is waiting for your group ({{assignmentGroup}}) to acknowledge it: {{summary}}. Respond by {{slaResponseDueAt}}.',
  },
  'sla-response-warning': {
    subject: `SLA warning: ${TICKET} not acknowledged yet`,
    text: '75 % of the response time of {{summary}} (P{{priority}}) has passed. Response due at {{slaResponseDueAt}}.',
  },
  'sla-response-breached': {
    subject: `SLA breached: ${TICKET} was not acknowledged in time`,
    text: 'The response target of {{summary}} (P{{priority}}) was missed at {{slaResponseDueAt}}.',
  },
  'sla-resolution-warning': {
    subject: `SLA warning: ${TICKET} is close to its resolution target`,
    text: '75 % of the resolution time of {{summary}} (P{{priority}}) has passed. Resolution due at {{slaResolutionDueAt}}.',
  },
  'sla-resolution-breached': {
    subject: `SLA breached: ${TICKET} was not resolved in time`,
    text: 'The resolution target of {{summary}} (P{{priority}}) was missed at {{slaResolutionDueAt}}.',
  },
  'major-incident': { subject: `Major incident ${TICKET}: {{summary}}`, text: 'A P{{priority}} incident needs the major incident team: {{summary}}.' },
  'customer-info-request': { subject: `${TICKET}: we need information from you`, text: 'To go on with "{{summary}}" we need more information. Please answer this message.' },
  'resolution-confirmation': { subject: `${TICKET} is resolved: please confirm`, text: '"{{summary}}" is resolved: {{resolution}}. Please confirm or tell us it is not.' },
  'incident-closed': { subject: `${TICKET} is closed`, text: '"{{summary}}" is closed ({{closure}}).' },
  'request-rejected': { subject: 'Your request for {{catalogItem}} was rejected', text: 'Your request for {{catalogItem}} was rejected by your manager.' },
  'approval-requested': { subject: 'Your vote is asked: {{approvalSubject}}', text: 'Please approve or reject: {{approvalSubject}}. The vote is open until {{approvalDueAt}}.' },
  'approval-reminder': {
    subject: 'Reminder, your vote is still open: {{approvalSubject}}',
    text: 'Your vote on "{{approvalSubject}}" is still open; it is due at {{approvalDueAt}}.',
  },
  'approval-escalated': { subject: 'Overdue approval to decide: {{approvalSubject}}', text: 'The vote on "{{approvalSubject}}" was not decided in time; your group decides now.' },
  'request-fulfilled': { subject: 'Your request for {{catalogItem}} is fulfilled', text: 'Everything you asked for ({{catalogItem}}) has been delivered.' },
};

function fill(text: string, vars: Record<string, unknown>): string {
  return text.replace(/\{\{\s*([A-Za-z_][\w]*)\s*\}\}/g, (_m, name: string) => {
    const v = vars[name];
    if (v === undefined || v === null) return '';
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  });
}

export function render(
  job: Pick<JobRow, 'customHeaders' | 'variables' | 'instanceId' | 'processId'>,
  overrides: Record<string, Template>,
): { template: string; subject: string; text: string } {
  const template = job.customHeaders.template ?? 'message';
  const t = overrides[template] ??
    DEFAULTS[template] ?? { subject: `ProcessDesk: ${template}`, text: `Notification "${template}" of process {{processId}}, instance {{instanceId}}.` };
  const vars = { processId: job.processId, instanceId: job.instanceId, ticket: job.variables.incidentId ?? job.variables.ticketNumber, ...job.variables };
  // one line: a variable must not add headers to the subject
  const subject = fill(t.subject, vars)
    .replace(/[\r\n]+/g, ' ')
    .slice(0, 500);
  return { template, subject, text: `${fill(t.text, vars)}\n\n(ProcessDesk, process ${job.processId}, instance ${job.instanceId})\n` };
}
