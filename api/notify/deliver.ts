/**
 * The two ways out: e-mail over SMTP (nodemailer) and webhooks (an HTTP POST of JSON signed with
 * HMAC-SHA256 in `X-ProcessDesk-Signature: sha256=<hex>`, the job key in `X-ProcessDesk-Delivery` so a
 * receiver can drop a repeat). Both are bounded by the settings' timeout; a failure throws, which
 * fails the job: it is retried with its backoff and, out of retries, becomes an incident.
 */
import { createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { NotifySettings, Webhook } from './settings';

export interface Notice {
  /** The job key: the e-mail's Message-ID and the webhook's delivery id. */
  id: string;
  template: string;
  subject: string;
  text: string;
  to: string[];
  instanceId: string;
  processId: string;
  elementId: string;
  at: string;
}

export function mailer(settings: NonNullable<NotifySettings['email']>, timeoutMs: number): { send: (notice: Notice) => Promise<void>; close: () => void } {
  // the URL's own options first, then the timeouts (SMTPTransport.Options takes both)
  const transport = nodemailer.createTransport({
    url: settings.smtpUrl,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  } as SMTPTransport.Options);
  return {
    async send(notice) {
      await transport.sendMail({
        from: settings.from,
        to: notice.to,
        subject: notice.subject,
        text: notice.text,
        messageId: `<${notice.id.replace(/[^\w.-]/g, '-')}@processdesk>`,
        headers: { 'X-ProcessDesk-Template': notice.template, 'X-ProcessDesk-Instance': notice.instanceId },
      });
    },
    close: () => transport.close(),
  };
}

/** Whether the webhook wants this template (`*` at the end of a pattern matches any rest). */
export function wants(hook: Webhook, template: string): boolean {
  if (!hook.templates) return true;
  return hook.templates.some((t) => (t.endsWith('*') ? template.startsWith(t.slice(0, -1)) : t === template));
}

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export async function postWebhook(hook: Webhook, notice: Notice, timeoutMs: number): Promise<void> {
  const body = JSON.stringify({
    id: notice.id,
    template: notice.template,
    subject: notice.subject,
    text: notice.text,
    instanceId: notice.instanceId,
    processId: notice.processId,
    elementId: notice.elementId,
    at: notice.at,
  });
  let res: Response;
  try {
    res = await fetch(hook.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-ProcessDesk-Signature': signature(hook.secret, body), 'X-ProcessDesk-Delivery': notice.id },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (err) {
    throw new Error(`webhook ${hook.name}: ${(err as Error).message}`, { cause: err });
  }
  await res.body?.cancel();
  if (!res.ok) throw new Error(`webhook ${hook.name}: HTTP ${res.status}`);
}
