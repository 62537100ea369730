/**
 * The change calendar's request and response schemas, part of api/schemas.ts's catalog
 * (GET /api/change-calendar; api/routes/changeCalendar.ts).
 */
import { isoTime, query, type Schema } from './schemaParts';

const nullableText = { type: ['string', 'null'] } as const;

export const changeRequests = {
  ChangeCalendarQuery: query({
    from: { ...isoTime, description: 'start of the range (default: now)' },
    to: { ...isoTime, description: 'end of the range (default: from + 7 days; at most CHANGE_CALENDAR_MAX_DAYS after from)' },
  }),
} satisfies Record<string, Schema>;

export const changeResponses = {
  ChangeCalendar: {
    type: 'object',
    additionalProperties: false,
    required: ['from', 'to', 'changes', 'blackouts', 'truncated'],
    properties: {
      from: isoTime,
      to: isoTime,
      changes: {
        type: 'array',
        description: 'open changes whose planned window overlaps the range, by planned start',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['instanceId', 'title', 'changeType', 'configurationItem', 'riskLevel', 'implementer', 'plannedStart', 'plannedEnd', 'activeElements', 'overridden'],
          properties: {
            instanceId: { type: 'string' },
            title: nullableText,
            changeType: nullableText,
            configurationItem: nullableText,
            riskLevel: nullableText,
            implementer: nullableText,
            plannedStart: { type: 'string' },
            plannedEnd: { type: 'string' },
            activeElements: { type: 'array', items: { type: 'string' } },
            overridden: { type: 'boolean', description: 'an emergency change scheduled over a blackout or another change (variable scheduleOverride)' },
          },
        },
      },
      blackouts: {
        type: 'array',
        description: 'configured blackouts (CHANGE_CALENDAR) that overlap the range',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['from', 'to', 'reason'],
          properties: { from: { type: 'string' }, to: { type: 'string' }, reason: { type: 'string' } },
        },
      },
      truncated: { type: 'boolean', description: 'more than CHANGE_SCAN_LIMIT open changes: those past the limit are missing' },
    },
  },
} as const satisfies Record<string, Schema>;
