/**
 * Server configuration, read from the environment once at start-up (`loadConfig`). Tests build an
 * ApiConfig directly (see test/api/helpers.ts) so that nothing depends on the test runner's env.
 *
 * | variable              | default        | meaning                                                         |
 * |-----------------------|----------------|-----------------------------------------------------------------|
 * | PORT                  | 3000           | HTTP port                                                       |
 * | HOST                  | (all)          | interface to listen on                                          |
 * | DATA_DIR              | ./data         | directory of the embedded store                                 |
 * | DEMO                  | off            | `on` (or the flag --demo, as `npm start` passes): demo users    |
 * |                       |                | and tokens; ignored when AUTH_CONFIG or OIDC_ISSUER is set      |
 * | AUTH_CONFIG           | -              | JSON file of users, groups, roles and sha256-hashed tokens      |
 * | OIDC_ISSUER           | -              | issuer whose JWKS verifies JWT bearer tokens                    |
 * | DIRECTORY_FILE        | -              | JSON users (id, roles, groups, manager) for groupMembers/managerOf |
 * | OIDC_AUDIENCE         | -              | expected `aud` of those tokens                                  |
 * | OIDC_JWKS_URI         | discovered     | JWKS address, when the issuer has no discovery document         |
 * | RATE_LIMIT_PER_MINUTE | 6000           | requests per client address and minute (0 = no limit)           |
 * | BODY_LIMIT            | 6mb            | largest JSON body (a deployment may carry 5 MB of BPMN)          |
 * | LOG_LEVEL             | info           | pino level (`silent` in tests)                                  |
 * | PROCESSES_DIR         | ./processes    | deployed at start-up by `npm start`                             |
 * | STATIC_DIR            | ./modeler/dist | the built web app, served at `/` when present                   |
 * | TRUST_PROXY           | (off)          | Express `trust proxy` behind a reverse proxy (`1`, `loopback`...) |
 * | HISTORY_KEY_FILE      | DATA_DIR/history-key.pem | Ed25519 key sealing history (created 0600); shared by all processes |
 * | CHECKPOINT_INTERVAL_MS| 60000          | how often heads of grown histories go into a signed checkpoint   |
 * | INTEGRITY_CHECK_MS    | 600000         | a health check re-checks the store for damage at most this often |
 * | INSTANCE_CACHE_SIZE, INSTANCE_CACHE_BYTES | 1000, 32 MiB | committed instance rows kept in memory (0: none)   |
 * | MAX_FLOW_NODES, MAX_MULTI_INSTANCE, FEEL_TIMEOUT_MS, MAX_FEEL_RESULT_BYTES, MIN_TIMER_CYCLE_MS,    |
 * | MAX_TIMER_REPETITIONS, MAX_MESSAGE_TTL_MS, MAX_REPORTED_AGE_MS, MAX_JSON_DEPTH, MAX_STEPS_PER_COMMAND,  |
 * | MAX_LINKS_PER_TICKET (default 100 links per ticket): engine limits                                 |
 * |                       | (see engine/expr/limits.ts and README "Security model")                 |
 * | SHUTDOWN_GRACE_MS     | 10000          | SIGTERM/SIGINT: how long requests in flight may take before their connections are cut |
 * | SQLITE_SYNCHRONOUS    | full           | `full`: acknowledged once on disk; `normal`: power loss may drop the last commands |
 * | SQLITE_GROUP_COMMIT_MAX | 128          | most commands one SQLite transaction (one fsync) carries        |
 * | DATABASE_URL          | -              | `postgres://...`: the shared PostgreSQL store instead of DATA_DIR |
 * | PG_POOL_MAX           | 10             | most PostgreSQL connections this process opens                  |
 * | PG_SCHEMA             | public         | schema of the store's tables (created if missing)               |
 * | PG_STATEMENT_TIMEOUT_MS | 30000        | the server cancels a statement running longer                   |
 * | MONGODB_URL           | -              | the MongoDB store instead of DATA_DIR (not with DATABASE_URL)   |
 * | JOB_QUEUES            | -              | JSON file of the BullMQ job queues' settings (api/jobQueuesConfig.ts) |
 * | QUEUE_DASHBOARD       | on             | BullMQ's dashboard at /admin/queues for admins: `on`, `readonly`, `off` |
 * | MAX_BULK_RETRY        | 100            | most incidents one POST /api/incidents/retry retries (more: 413) |
 * | VERSIONS_SCAN_LIMIT   | 10000          | most instances a version history counts (GET /api/processes/:key/versions) |
 * | SLA_REPORT_SCAN_LIMIT | 50000          | most SLA records one SLA report reads (GET /api/reports/sla; 400 beyond) |
 * | BUSINESS_CALENDAR     | Mon-Fri 9-17 UTC | JSON file: the engine-wide calendar of business time            |
 * | BUSINESS_CALENDARS    | -              | JSON file of named calendars (name -> calendar), picked per instance |
 * | DRAFT_MAX_CHARS       | 2000000        | largest modeler draft (XML and forms, characters): 413 beyond   |
 * | DRAFTS_PER_USER       | 50             | most drafts one user keeps: a new one beyond is 400             |
 * | HEATMAP_SCAN_LIMIT    | 1000           | most instances a heatmap scans, reading the history of those of its version |
 * | TASK_PAGE_MAX         | 200            | largest page of the task list's search (`pageSize`); more is a 400 |
 * | TASK_SEARCH_MAX_OFFSET| 100000         | deepest row a task list page may start at (page x pageSize)     |
 * | TASK_NOTE_MAX_CHARS   | 4000           | longest work note                                               |
 * | TASK_VIEWS_MAX        | 50             | saved task list views per user                                  |
 * | ATTACHMENT_MAX_BYTES  | 2097152        | largest task attachment (413 past it; the body limit bounds it too) |
 * | ATTACHMENT_TYPES      | see below      | allowed attachment content types, comma-separated               |
 * | SESSION_TTL_MS        | 28800000 (8 h) | lifetime of a browser session (POST /api/session, api/sessions.ts) |
 * | SESSION_COOKIE_SECURE | auto           | `auto`: the session cookie is Secure when the request came over https; `on`, `off` |
 * | MAX_SESSIONS          | 10000          | most live browser sessions; a sign-in beyond them is a 429      |
 * | CHANGE_CALENDAR       | -              | JSON file of change blackouts `{"blackouts": [{from, to, reason}]}` (api/changeSettings.ts) |
 * | CHANGE_MAX_WINDOW_HOURS | 72           | longest planned change window (start to end); longer is a 400    |
 * | CHANGE_SCAN_LIMIT     | 5000           | most open changes one schedule check or change calendar reads   |
 * | CHANGE_CALENDAR_MAX_DAYS | 92          | longest range GET /api/change-calendar answers (more is a 400)  |
 * | V2_PAGE_MAX           | 1000           | largest `page.limit` of a /v2 search (more is a 400)            |
 * | V2_SEARCH_SCAN_LIMIT  | 10000          | most rows one /v2 search reads (beyond: `hasMoreTotalItems`)    |
 * | V2_MAX_LONG_POLLS     | 1000           | most /v2 job activations waiting at once (one more is a 429)    |
 * | V2_MAX_LONG_POLL_MS   | 60000          | longest a /v2 job activation waits (`requestTimeout` is cut to it) |
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  DEFAULT_GROUP_COMMIT_MAX,
  DEFAULT_INSTANCE_CACHE,
  validateCalendar,
  validateCalendars,
  type BusinessCalendarConfig,
  type InstanceCacheOptions,
  type JobQueueSettings,
  type Limits,
} from '../engine';
import { changeSettings, DEFAULT_CHANGE_SETTINGS, type ChangeSettings } from './changeSettings';
import { readJobQueueSettings } from './jobQueuesConfig';

export interface OidcConfig {
  issuer: string;
  audience?: string;
  jwksUri?: string;
}

/** The /v2 API's limits (api/camunda/). */
export interface CamundaSettings {
  maxPageSize: number;
  scanLimit: number;
  maxLongPolls: number;
  maxLongPollMs: number;
}

export interface ApiConfig {
  camunda: CamundaSettings;
  port: number;
  host?: string;
  dataDir: string;
  /**
   * Demo mode: the demo users and their `demo-<user>` tokens. Only when asked for explicitly (DEMO=on,
   * --demo) and never together with AUTH_CONFIG or OIDC_ISSUER. NODE_ENV plays no part.
   */
  demo: boolean;
  /** DEMO was asked for but AUTH_CONFIG/OIDC_ISSUER is set, so it is off (main.ts says so). */
  demoIgnored?: boolean;
  /** Path of the users file (production). */
  authConfigFile?: string;
  /** DIRECTORY_FILE: users, groups and managers beyond the users file (api/directory.ts). */
  directoryFile?: string;
  oidc?: OidcConfig;
  rateLimitPerMinute: number;
  /** express.json limit, e.g. `6mb`. */
  bodyLimit: string;
  logLevel: string;
  processesDir: string;
  staticDir: string;
  /** Idempotency-Key results are kept this long (ms) in memory; default 24 h. */
  idempotencyTtlMs: number;
  /** How many Idempotency-Key results are kept at most (least recently used go first). */
  idempotencyMaxEntries: number;
  /** Express `trust proxy` (client addresses for the rate limit and logs behind a proxy). */
  trustProxy?: string | number | boolean;
  /** BUSINESS_CALENDAR: a JSON file with the working hours of the business-time FEEL functions. */
  businessCalendar?: BusinessCalendarConfig;
  /** BUSINESS_CALENDARS: a JSON file of named calendars a process picks per instance (by customer, service...). */
  businessCalendars?: Record<string, BusinessCalendarConfig>;
  /** The history sealing key (engine option historyKey). */
  historyKeyFile?: string;
  /** Engine option checkpointIntervalMs. */
  checkpointIntervalMs: number;
  /** JOB_QUEUES: per job type settings of the BullMQ job queues (with REDIS_URL). */
  jobQueues?: JobQueueSettings;
  /** QUEUE_DASHBOARD: BullMQ's dashboard at /admin/queues (admins; with jobs on BullMQ). */
  queueDashboard: 'on' | 'readonly' | 'off';
  /** Engine option integrityCheckMs. */
  integrityCheckMs: number;
  /** Engine option instanceCache (INSTANCE_CACHE_SIZE, INSTANCE_CACHE_BYTES). */
  instanceCache?: InstanceCacheOptions;
  /** Engine limits given in the environment (the rest keep their defaults). */
  limits: Partial<Limits>;
  /** SQLITE_SYNCHRONOUS and SQLITE_GROUP_COMMIT_MAX: durability and group commit of the embedded store. */
  sqlite: SqliteSettings;
  /** DATABASE_URL and the PG_* settings: the PostgreSQL store; undefined for the embedded one. */
  postgres?: PostgresSettings;
  /** MONGODB_URL: the MongoDB store. */
  mongodbUrl?: string;
  /** SHUTDOWN_GRACE_MS: at SIGTERM/SIGINT, requests in flight get this long before their connections are cut. */
  shutdownGraceMs: number;
  /** MAX_BULK_RETRY: most incidents one bulk retry may name (each retry is a command on its instance). */
  maxBulkRetry: number;
  /** VERSIONS_SCAN_LIMIT: most instances one version history request counts. */
  versionsScanLimit: number;
  /** SLA_REPORT_SCAN_LIMIT: most SLA records one SLA report reads (a range holding more is a 400). */
  slaReportScanLimit: number;
  /** DRAFT_MAX_CHARS: largest modeler draft, XML and forms together (413 beyond). */
  draftMaxChars: number;
  /** DRAFTS_PER_USER: most drafts one user keeps (a new one beyond is refused). */
  draftsPerUser: number;
  /** HEATMAP_SCAN_LIMIT: most instances one heatmap request scans (reading the history of each of its version). */
  heatmapScanLimit: number;
  /** SESSION_TTL_MS: how long a browser session lives after sign-in (api/sessions.ts). */
  sessionTtlMs: number;
  /** SESSION_COOKIE_SECURE: the session cookie's Secure flag; `auto` follows the request's protocol. */
  sessionCookieSecure: 'auto' | 'on' | 'off';
  /** MAX_SESSIONS: most live sessions held in memory at once. */
  maxSessions: number;
  /** The task desk's limits: task list pages, work notes, saved views, attachments. */
  taskDesk: TaskDeskSettings;
  /** The change practice: longest window, blackouts, scan and range limits (api/changeSettings.ts). */
  change: ChangeSettings;
}

export interface TaskDeskSettings {
  maxPageSize: number;
  maxOffset: number;
  maxNoteChars: number;
  maxViewsPerUser: number;
  maxAttachmentBytes: number;
  attachmentTypes: string[];
}

/** Documents, pictures and logs a service desk swaps with requesters; nothing a browser runs. */
const ATTACHMENT_TYPES = ['text/plain', 'text/csv', 'application/pdf', 'image/png', 'image/jpeg', 'application/json', 'application/zip'];

/** TASK_PAGE_MAX, TASK_SEARCH_MAX_OFFSET, TASK_NOTE_MAX_CHARS, TASK_VIEWS_MAX, ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES. */
export function taskDeskSettings(env: NodeJS.ProcessEnv): TaskDeskSettings {
  const d = DEFAULT_CONFIG.taskDesk;
  const types = env.ATTACHMENT_TYPES
    ? env.ATTACHMENT_TYPES.split(',')
        .map((t) => t.trim().toLowerCase())
        .filter(Boolean)
    : d.attachmentTypes;
  const bad = types.find((t) => !/^[a-z]+\/[a-z0-9.+-]+$/.test(t));
  if (bad) throw new Error(`ATTACHMENT_TYPES: "${bad}" is no content type (type/subtype)`);
  const settings = {
    maxPageSize: intFrom(env.TASK_PAGE_MAX, d.maxPageSize, 'TASK_PAGE_MAX'),
    maxOffset: intFrom(env.TASK_SEARCH_MAX_OFFSET, d.maxOffset, 'TASK_SEARCH_MAX_OFFSET'),
    maxNoteChars: intFrom(env.TASK_NOTE_MAX_CHARS, d.maxNoteChars, 'TASK_NOTE_MAX_CHARS'),
    maxViewsPerUser: intFrom(env.TASK_VIEWS_MAX, d.maxViewsPerUser, 'TASK_VIEWS_MAX'),
    maxAttachmentBytes: intFrom(env.ATTACHMENT_MAX_BYTES, d.maxAttachmentBytes, 'ATTACHMENT_MAX_BYTES'),
    attachmentTypes: types,
  };
  if (settings.maxPageSize < 1) throw new Error('TASK_PAGE_MAX must be at least 1');
  return settings;
}

export interface SqliteSettings {
  synchronous: 'FULL' | 'NORMAL';
  groupCommitMax: number;
}

export interface PostgresSettings {
  url: string;
  poolMax: number;
  schema: string;
  statementTimeoutMs: number;
}

/** Environment variable -> engine limit. */
export const LIMIT_VARIABLES: Record<string, keyof Limits> = {
  MAX_FLOW_NODES: 'maxFlowNodes',
  MAX_MULTI_INSTANCE: 'maxMultiInstance',
  FEEL_TIMEOUT_MS: 'feelTimeoutMs',
  MAX_FEEL_RESULT_BYTES: 'maxFeelResultBytes',
  MIN_TIMER_CYCLE_MS: 'minTimerCycleMs',
  MAX_TIMER_REPETITIONS: 'maxTimerRepetitions',
  MAX_MESSAGE_TTL_MS: 'maxMessageTtlMs',
  MAX_REPORTED_AGE_MS: 'maxReportedAgeMs',
  MAX_JSON_DEPTH: 'maxJsonDepth',
  MAX_STEPS_PER_COMMAND: 'maxStepsPerCommand',
  MAX_LINKS_PER_TICKET: 'maxLinksPerTicket',
};

/** The engine limits set in the environment; a value that is no non-negative integer stops the start. */
export function limitsFromEnv(env: NodeJS.ProcessEnv): Partial<Limits> {
  const limits: Partial<Limits> = {};
  for (const [name, key] of Object.entries(LIMIT_VARIABLES)) {
    if (env[name] !== undefined && env[name] !== '') limits[key] = intFrom(env[name], 0, name);
  }
  return limits;
}

/** INSTANCE_CACHE_SIZE, INSTANCE_CACHE_BYTES: the instance rows an engine process keeps in memory (engine/runtime/instanceCache.ts). */
export function instanceCacheFromEnv(env: NodeJS.ProcessEnv): InstanceCacheOptions {
  return {
    maxInstances: intFrom(env.INSTANCE_CACHE_SIZE, DEFAULT_INSTANCE_CACHE.maxInstances, 'INSTANCE_CACHE_SIZE'),
    maxBytes: intFrom(env.INSTANCE_CACHE_BYTES, DEFAULT_INSTANCE_CACHE.maxBytes, 'INSTANCE_CACHE_BYTES'),
  };
}

function intFrom(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

export const DEFAULT_CONFIG: ApiConfig = {
  port: 3000,
  dataDir: './data',
  demo: false,
  rateLimitPerMinute: 6000,
  bodyLimit: '6mb',
  logLevel: 'info',
  processesDir: './processes',
  staticDir: './modeler/dist',
  idempotencyTtlMs: 24 * 60 * 60 * 1000,
  idempotencyMaxEntries: 10_000,
  checkpointIntervalMs: 60_000,
  integrityCheckMs: 600_000,
  limits: {},
  sqlite: { synchronous: 'FULL', groupCommitMax: DEFAULT_GROUP_COMMIT_MAX },
  shutdownGraceMs: 10_000,
  queueDashboard: 'on',
  maxBulkRetry: 100,
  versionsScanLimit: 10_000,
  slaReportScanLimit: 50_000,
  heatmapScanLimit: 1000,
  draftMaxChars: 2_000_000,
  draftsPerUser: 50,
  taskDesk: { maxPageSize: 200, maxOffset: 100_000, maxNoteChars: 4000, maxViewsPerUser: 50, maxAttachmentBytes: 2 * 1024 * 1024, attachmentTypes: ATTACHMENT_TYPES },
  sessionTtlMs: 8 * 60 * 60 * 1000,
  sessionCookieSecure: 'auto',
  maxSessions: 10_000,
  change: DEFAULT_CHANGE_SETTINGS,
  camunda: { maxPageSize: 1000, scanLimit: 10_000, maxLongPolls: 1000, maxLongPollMs: 60_000 },
};

/** HISTORY_KEY_FILE, or the key file in DATA_DIR: the API and every worker on one store use the same key. */
export function historyKeyFileOf(env: NodeJS.ProcessEnv, cwd: string): string {
  return path.resolve(cwd, env.HISTORY_KEY_FILE || path.join(env.DATA_DIR || DEFAULT_CONFIG.dataDir, 'history-key.pem'));
}

/** SQLITE_SYNCHRONOUS (`full` | `normal`) and SQLITE_GROUP_COMMIT_MAX; the API and `npm run worker` share them. */
export function sqliteSettings(env: NodeJS.ProcessEnv): SqliteSettings {
  const mode = (env.SQLITE_SYNCHRONOUS || 'full').toUpperCase();
  if (mode !== 'FULL' && mode !== 'NORMAL') throw new Error(`SQLITE_SYNCHRONOUS must be full or normal, got "${env.SQLITE_SYNCHRONOUS}"`);
  const groupCommitMax = intFrom(env.SQLITE_GROUP_COMMIT_MAX, DEFAULT_GROUP_COMMIT_MAX, 'SQLITE_GROUP_COMMIT_MAX');
  if (groupCommitMax < 1) throw new Error('SQLITE_GROUP_COMMIT_MAX must be at least 1');
  return { synchronous: mode, groupCommitMax };
}

/**
 * DATABASE_URL (postgres:// or postgresql://) and the pool settings PG_POOL_MAX, PG_SCHEMA and
 * PG_STATEMENT_TIMEOUT_MS; undefined without DATABASE_URL. The API and `npm run worker` share them.
 */
export function postgresSettings(env: NodeJS.ProcessEnv): PostgresSettings | undefined {
  const url = env.DATABASE_URL;
  if (!url) return undefined;
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error('DATABASE_URL must be a postgres:// or postgresql:// URL');
  if (env.MONGODB_URL) throw new Error('set DATABASE_URL or MONGODB_URL, not both: a deployment has one store');
  const poolMax = intFrom(env.PG_POOL_MAX, 10, 'PG_POOL_MAX');
  if (poolMax < 1) throw new Error('PG_POOL_MAX must be at least 1');
  const schema = env.PG_SCHEMA || 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`PG_SCHEMA must be lower-case letters, digits and _, got "${schema}"`);
  return { url, poolMax, schema, statementTimeoutMs: intFrom(env.PG_STATEMENT_TIMEOUT_MS, 30_000, 'PG_STATEMENT_TIMEOUT_MS') };
}

/** Where a process's store is, for its start-up line (no password). */
export function storeDescription(c: { dataDir: string; postgres?: PostgresSettings; mongodbUrl?: string }): string {
  if (c.postgres) return `PostgreSQL ${c.postgres.url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')} (schema ${c.postgres.schema}, pool ${c.postgres.poolMax})`;
  if (c.mongodbUrl) return 'MongoDB';
  return c.dataDir;
}

/** Reads and checks the named calendars file; a bad one stops the start with the reason. */
export function readCalendars(file: string): Record<string, BusinessCalendarConfig> {
  try {
    return validateCalendars(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (err) {
    throw new Error(`BUSINESS_CALENDARS ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** Reads and checks the calendar file; a bad one stops the start with the reason. */
export function readCalendar(file: string): BusinessCalendarConfig {
  try {
    return validateCalendar(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (err) {
    throw new Error(`BUSINESS_CALENDAR ${file}: ${(err as Error).message}`, { cause: err });
  }
}

function cookieSecure(value: string | undefined): ApiConfig['sessionCookieSecure'] {
  if (value === undefined || value === '') return DEFAULT_CONFIG.sessionCookieSecure;
  if (value === 'auto' || value === 'on' || value === 'off') return value;
  throw new Error(`SESSION_COOKIE_SECURE must be auto, on or off, got "${value}"`);
}

function dashboardMode(value: string | undefined): ApiConfig['queueDashboard'] {
  if (value === undefined || value === '') return DEFAULT_CONFIG.queueDashboard;
  if (value === 'on' || value === 'readonly' || value === 'off') return value;
  throw new Error(`QUEUE_DASHBOARD must be on, readonly or off, got "${value}"`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), argv: readonly string[] = process.argv): ApiConfig {
  const oidc = env.OIDC_ISSUER ? { issuer: env.OIDC_ISSUER, audience: env.OIDC_AUDIENCE || undefined, jwksUri: env.OIDC_JWKS_URI || undefined } : undefined;
  const users = !!env.AUTH_CONFIG || !!oidc;
  const demoAsked = argv.includes('--demo') || /^(on|1|true|yes)$/i.test(env.DEMO ?? '');
  const config: ApiConfig = {
    ...DEFAULT_CONFIG,
    port: intFrom(env.PORT, DEFAULT_CONFIG.port, 'PORT'),
    host: env.HOST || undefined,
    dataDir: path.resolve(cwd, env.DATA_DIR || DEFAULT_CONFIG.dataDir),
    demo: demoAsked && !users,
    demoIgnored: demoAsked && users ? true : undefined,
    authConfigFile: env.AUTH_CONFIG ? path.resolve(cwd, env.AUTH_CONFIG) : undefined,
    directoryFile: env.DIRECTORY_FILE ? path.resolve(cwd, env.DIRECTORY_FILE) : undefined,
    oidc,
    rateLimitPerMinute: intFrom(env.RATE_LIMIT_PER_MINUTE, DEFAULT_CONFIG.rateLimitPerMinute, 'RATE_LIMIT_PER_MINUTE'),
    bodyLimit: env.BODY_LIMIT || DEFAULT_CONFIG.bodyLimit,
    logLevel: env.LOG_LEVEL || DEFAULT_CONFIG.logLevel,
    processesDir: path.resolve(cwd, env.PROCESSES_DIR || DEFAULT_CONFIG.processesDir),
    staticDir: path.resolve(cwd, env.STATIC_DIR || DEFAULT_CONFIG.staticDir),
    trustProxy: env.TRUST_PROXY ? (/^\d+$/.test(env.TRUST_PROXY) ? Number(env.TRUST_PROXY) : env.TRUST_PROXY === 'true' ? true : env.TRUST_PROXY) : undefined,
    businessCalendar: env.BUSINESS_CALENDAR ? readCalendar(path.resolve(cwd, env.BUSINESS_CALENDAR)) : undefined,
    businessCalendars: env.BUSINESS_CALENDARS ? readCalendars(path.resolve(cwd, env.BUSINESS_CALENDARS)) : undefined,
    historyKeyFile: historyKeyFileOf(env, cwd),
    checkpointIntervalMs: intFrom(env.CHECKPOINT_INTERVAL_MS, DEFAULT_CONFIG.checkpointIntervalMs, 'CHECKPOINT_INTERVAL_MS'),
    integrityCheckMs: intFrom(env.INTEGRITY_CHECK_MS, DEFAULT_CONFIG.integrityCheckMs, 'INTEGRITY_CHECK_MS'),
    instanceCache: instanceCacheFromEnv(env),
    limits: limitsFromEnv(env),
    sqlite: sqliteSettings(env),
    postgres: postgresSettings(env),
    mongodbUrl: env.MONGODB_URL || undefined,
    shutdownGraceMs: intFrom(env.SHUTDOWN_GRACE_MS, DEFAULT_CONFIG.shutdownGraceMs, 'SHUTDOWN_GRACE_MS'),
    jobQueues: env.JOB_QUEUES ? readJobQueueSettings(path.resolve(cwd, env.JOB_QUEUES)) : undefined,
    queueDashboard: dashboardMode(env.QUEUE_DASHBOARD),
    maxBulkRetry: intFrom(env.MAX_BULK_RETRY, DEFAULT_CONFIG.maxBulkRetry, 'MAX_BULK_RETRY'),
    versionsScanLimit: intFrom(env.VERSIONS_SCAN_LIMIT, DEFAULT_CONFIG.versionsScanLimit, 'VERSIONS_SCAN_LIMIT'),
    slaReportScanLimit: intFrom(env.SLA_REPORT_SCAN_LIMIT, DEFAULT_CONFIG.slaReportScanLimit, 'SLA_REPORT_SCAN_LIMIT'),
    draftMaxChars: intFrom(env.DRAFT_MAX_CHARS, DEFAULT_CONFIG.draftMaxChars, 'DRAFT_MAX_CHARS'),
    draftsPerUser: intFrom(env.DRAFTS_PER_USER, DEFAULT_CONFIG.draftsPerUser, 'DRAFTS_PER_USER'),
    heatmapScanLimit: intFrom(env.HEATMAP_SCAN_LIMIT, DEFAULT_CONFIG.heatmapScanLimit, 'HEATMAP_SCAN_LIMIT'),
    taskDesk: taskDeskSettings(env),
    sessionTtlMs: intFrom(env.SESSION_TTL_MS, DEFAULT_CONFIG.sessionTtlMs, 'SESSION_TTL_MS'),
    sessionCookieSecure: cookieSecure(env.SESSION_COOKIE_SECURE),
    maxSessions: intFrom(env.MAX_SESSIONS, DEFAULT_CONFIG.maxSessions, 'MAX_SESSIONS'),
    change: changeSettings(env, (file) => path.resolve(cwd, file)),
    camunda: {
      maxPageSize: intFrom(env.V2_PAGE_MAX, DEFAULT_CONFIG.camunda.maxPageSize, 'V2_PAGE_MAX'),
      scanLimit: intFrom(env.V2_SEARCH_SCAN_LIMIT, DEFAULT_CONFIG.camunda.scanLimit, 'V2_SEARCH_SCAN_LIMIT'),
      maxLongPolls: intFrom(env.V2_MAX_LONG_POLLS, DEFAULT_CONFIG.camunda.maxLongPolls, 'V2_MAX_LONG_POLLS'),
      maxLongPollMs: intFrom(env.V2_MAX_LONG_POLL_MS, DEFAULT_CONFIG.camunda.maxLongPollMs, 'V2_MAX_LONG_POLL_MS'),
    },
  };
  if (config.maxBulkRetry < 1) throw new Error('MAX_BULK_RETRY must be at least 1');
  if (!config.demo && !users) {
    throw new Error('no users: set AUTH_CONFIG (a users file) and/or OIDC_ISSUER, or try ProcessDesk with the demo users: `npm start` (DEMO=on)');
  }
  return config;
}
