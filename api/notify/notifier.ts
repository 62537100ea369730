/**
 * The `notify` job handler: renders the job's template, works out who is told (recipients.ts) and
 * delivers by e-mail and to the webhooks that want the template (deliver.ts). A delivery that fails
 * throws, so the job is retried with its backoff (its `retries`) and, out of retries, becomes an incident
 * an admin sees and retries. Channels already delivered are not repeated when this process retries the
 * job; after a crash a repeat is possible (at least once: the Message-ID and `X-ProcessDesk-Delivery`
 * carry the job key so that receivers can drop it).
 */
import type { Directory, Engine, JobHandler, TaskAssignedNotice } from '../../engine';
import { runJobHandlers, type JobRunnerOptions } from '../jobRunner';
import { mailer, postWebhook, wants, type Notice } from './deliver';
import { recipientsOf } from './recipients';
import type { NotifySettings } from './settings';
import { render } from './templates';

/** Delivered channels of jobs being retried in this process, at most this many jobs remembered. */
const MAX_REMEMBERED = 10_000;

export interface Notifier {
  handler: JobHandler;
  close: () => void;
}

export function notifier(settings: NotifySettings, directory: Directory, options: { clock?: () => number; log?: (line: string) => void } = {}): Notifier {
  const clock = options.clock ?? Date.now;
  const log = options.log ?? (() => undefined);
  const mail = settings.email ? mailer(settings.email, settings.timeoutMs) : undefined;
  const delivered = new Map<string, Set<string>>();
  const handler: JobHandler = async (job) => {
    const now = clock();
    const { template, subject, text } = render(job, settings.templates);
    const who = recipientsOf(job, directory, settings, now);
    const hooks = settings.webhooks.filter((h) => wants(h, template));
    if (!(mail && who.emails.length) && !hooks.length) {
      throw new Error(
        `notification ${template}: nobody to tell (${who.unresolved.length ? `no address for ${who.unresolved.join(', ')}` : 'no recipient'}${mail ? '' : '; no e-mail configured'})`,
      );
    }
    const notice: Notice = {
      id: job.key,
      template,
      subject,
      text,
      to: who.emails,
      instanceId: job.instanceId,
      processId: job.processId,
      elementId: job.elementId,
      at: new Date(now).toISOString(),
    };
    const done = delivered.get(job.key) ?? new Set<string>();
    const failures: string[] = [];
    const channels: [string, () => Promise<void>][] = [
      ...(mail && who.emails.length ? [['email', () => mail.send(notice)] as [string, () => Promise<void>]] : []),
      ...hooks.map((h) => [`webhook:${h.name}`, () => postWebhook(h, notice, settings.timeoutMs)] as [string, () => Promise<void>]),
    ];
    for (const [channel, send] of channels) {
      if (done.has(channel)) continue;
      try {
        await send();
        done.add(channel);
      } catch (err) {
        failures.push(`${channel}: ${(err as Error).message}`);
      }
    }
    if (failures.length) {
      if (delivered.size >= MAX_REMEMBERED) delivered.delete(delivered.keys().next().value!);
      delivered.set(job.key, done);
      throw new Error(`notification ${template}: ${failures.join('; ')}`);
    }
    delivered.delete(job.key);
    if (who.unresolved.length) log(`notification ${template} of ${job.instanceId}: no address for ${who.unresolved.join(', ')}`);
    return { lastNotification: template };
  };
  return { handler, close: () => mail?.close() };
}

/**
 * Works the `notify` jobs in this process with NOTIFY_CONFIG's settings (the API and `npm run worker`
 * call it when NOTIFY_CONFIG is set; the demo `notify` worker then stays off). Resolves to a stop function.
 */
export async function runNotifier(
  engine: Engine,
  settings: NotifySettings,
  directory: Directory,
  options: JobRunnerOptions & { clock?: () => number },
): Promise<() => Promise<void>> {
  const { handler, close } = notifier(settings, directory, { clock: options.clock, log: options.log });
  const stop = await runJobHandlers(engine, { notify: handler }, options);
  return async () => {
    await stop();
    close();
  };
}

/**
 * Engine's onTaskAssigned with NOTIFY_CONFIG's settings: the person someone else gave a task to (assigned,
 * delegated) gets an e-mail at their directory address, and the webhooks that want `task-assigned` a POST.
 * Someone without an address is not told (a line says so); a delivery that fails throws, and the engine
 * tries the notice again at its next sweep.
 */
export function taskAssignedNotifier(settings: NotifySettings, directory: Directory, log: (line: string) => void = () => undefined): (n: TaskAssignedNotice) => Promise<void> {
  const mail = settings.email ? mailer(settings.email, settings.timeoutMs) : undefined;
  return async (n) => {
    const what = n.subject ?? n.name ?? n.elementId;
    const ticket = n.businessKey ? `${n.businessKey}: ` : '';
    const notice: Notice = {
      id: `task-assigned.${n.taskId}.${n.assignee}`,
      template: 'task-assigned',
      subject: `${ticket}${what} ${n.how === 'delegated' ? 'is delegated' : 'is assigned'} to you`.replace(/[\r\n]+/g, ' ').slice(0, 500),
      text: `${n.by} ${n.how === 'delegated' ? 'delegated' : 'assigned'} the task "${what}" to you${n.dueDate !== undefined ? `; it is due at ${new Date(n.dueDate).toISOString()}` : ''}.\n\n(ProcessDesk, process ${n.processId}, instance ${n.instanceId}, task ${n.taskId})\n`,
      to: [],
      instanceId: n.instanceId,
      processId: n.processId,
      elementId: n.elementId,
      at: new Date().toISOString(),
    };
    const address = directory.user(n.assignee)?.email;
    const hooks = settings.webhooks.filter((h) => wants(h, 'task-assigned'));
    if (mail && address) await mail.send({ ...notice, to: [address] });
    else if (!hooks.length) log(`task ${n.taskId} given to ${n.assignee}: no address to tell them at`);
    for (const hook of hooks) await postWebhook(hook, { ...notice, to: address ? [address] : [] }, settings.timeoutMs);
  };
}
