/**
 * NOTIFY_CONFIG: where the `notify` jobs of the processes go. A JSON file:
 *
 *   {
 *     "email":    { "smtpUrl": "smtp://user:pass@mail.example.org:587", "from": "ProcessDesk <desk@example.org>" },
 *     "webhooks": [{ "name": "chat", "url": "https://chat.example.org/hooks/desk", "secret": "...", "templates": ["major-incident", "sla-*"] }],
 *     "groups":   { "incident-managers": "incident-managers@example.org" },
 *     "onCall":   { "incident-managers": { "start": "2026-11-30T08:00:00Z", "period": "P7D", "users": ["dave", "erin"],
 *                                          "overrides": [{ "user": "bob", "from": "...", "to": "..." }] } },
 *     "templates": { "major-incident": { "subject": "...", "text": "..." } }
 *   }
 *
 * Users' addresses come from the directory (DIRECTORY_FILE `email`); a group without an address in
 * `groups` is its members' addresses. A webhook's `templates` (default all) may end in `*`. Every field
 * is checked at start: a wrong file stops the process with the reason.
 */
import fs from 'node:fs';
import Ajv from 'ajv';
import { durationToMs } from '../../engine';

export interface OnCallRota {
  /** When the first user's turn starts (ISO 8601). */
  start: string;
  /** How long a turn lasts (ISO 8601 duration). */
  period: string;
  /** Whose turn it is, in order, round and round. */
  users: string[];
  /** Swapped shifts: this user is on call from..to instead. */
  overrides?: { user: string; from: string; to: string }[];
}

export interface Webhook {
  name: string;
  url: string;
  /** HMAC-SHA256 key of the `X-ProcessDesk-Signature` header. */
  secret: string;
  templates?: string[];
}

export interface NotifySettings {
  email?: { smtpUrl: string; from: string };
  webhooks: Webhook[];
  groups: Record<string, string>;
  onCall: Record<string, OnCallRota>;
  templates: Record<string, { subject: string; text: string }>;
  /** Time limit of one delivery (SMTP or webhook), ms. */
  timeoutMs: number;
}

const ISO_DATE = { type: 'string', format: 'date-time' } as const;
const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    email: {
      type: 'object',
      additionalProperties: false,
      required: ['smtpUrl', 'from'],
      properties: { smtpUrl: { type: 'string', pattern: '^smtps?://' }, from: { type: 'string', minLength: 3 } },
    },
    webhooks: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'url', 'secret'],
        properties: {
          name: { type: 'string', minLength: 1 },
          url: { type: 'string', pattern: '^https?://' },
          secret: { type: 'string', minLength: 16 },
          templates: { type: 'array', items: { type: 'string', minLength: 1 } },
        },
      },
    },
    groups: { type: 'object', additionalProperties: { type: 'string', minLength: 3 } },
    onCall: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['start', 'period', 'users'],
        properties: {
          start: ISO_DATE,
          period: { type: 'string', pattern: '^P' },
          users: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
          overrides: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['user', 'from', 'to'],
              properties: { user: { type: 'string', minLength: 1 }, from: ISO_DATE, to: ISO_DATE },
            },
          },
        },
      },
    },
    templates: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['subject', 'text'],
        properties: { subject: { type: 'string', maxLength: 500 }, text: { type: 'string', maxLength: 20_000 } },
      },
    },
    timeoutMs: { type: 'integer', minimum: 100, maximum: 600_000 },
  },
} as const;

const ajv = new Ajv({ allErrors: true, formats: { 'date-time': (s: string) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d{2}-\d{2}T/.test(s) } });
const validate = ajv.compile(SCHEMA);

/** Checks a parsed NOTIFY_CONFIG; throws naming every problem. */
export function notifySettingsOf(json: unknown, source = 'NOTIFY_CONFIG'): NotifySettings {
  if (!validate(json)) throw new Error(`${source}: ${(validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`);
  const raw = json as Partial<NotifySettings>;
  for (const [group, rota] of Object.entries(raw.onCall ?? {})) {
    let ms: number;
    try {
      ms = durationToMs(rota.period, Date.parse(rota.start));
    } catch {
      ms = 0;
    }
    if (!(ms > 0)) throw new Error(`${source}: /onCall/${group}/period ${rota.period} is no positive ISO 8601 duration`);
    for (const o of rota.overrides ?? []) if (Date.parse(o.to) <= Date.parse(o.from)) throw new Error(`${source}: /onCall/${group} override of ${o.user} ends before it starts`);
  }
  return { webhooks: [], groups: {}, onCall: {}, templates: {}, timeoutMs: 10_000, ...raw };
}

/** Reads NOTIFY_CONFIG; a missing or wrong file stops the start with the reason. */
export function readNotifySettings(file: string): NotifySettings {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`NOTIFY_CONFIG ${file}: ${(err as Error).message}`, { cause: err });
  }
  return notifySettingsOf(json, `NOTIFY_CONFIG ${file}`);
}
