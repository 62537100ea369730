/**
 * What the notification tests deliver to: a real SMTP server (smtp-server, each mail parsed with
 * mailparser) and a real HTTP webhook receiver that answers 500 to the first `failFirst` deliveries.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface Mail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  messageId: string;
  headers: Record<string, string>;
}

export async function startSmtp(): Promise<{ url: string; mails: Mail[]; close: () => Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((m) => {
          const to = (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) => a.value.map((v) => v.address ?? ''));
          const headers: Record<string, string> = {};
          for (const [k, v] of m.headers) if (typeof v === 'string') headers[k] = v;
          mails.push({ from: m.from?.text ?? '', to: to.sort(), subject: m.subject ?? '', text: m.text ?? '', messageId: m.messageId ?? '', headers });
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export interface Delivery {
  body: string;
  signature: string;
  delivery: string;
  status: number;
}

export async function startWebhookReceiver(failFirst = 0): Promise<{ url: string; deliveries: Delivery[]; close: () => Promise<void> }> {
  const deliveries: Delivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = deliveries.length < failFirst ? 500 : 204;
      deliveries.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: String(req.headers['x-processdesk-signature'] ?? ''),
        delivery: String(req.headers['x-processdesk-delivery'] ?? ''),
        status,
      });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/hook`, deliveries, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
