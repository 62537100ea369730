/**
 * Server configuration, read from the environment once at start-up (`loadConfig`). Tests build an
 * ApiConfig directly (see test/api/helpers.ts) so that nothing depends on the test runner's env.
 *
 * | variable              | default        | meaning                                                         |
 * |-----------------------|----------------|-----------------------------------------------------------------|
 * | PORT                  | 3000           | HTTP port                                                       |
 * | HOST                  | (all)          | interface to listen on                                          |
 * | DATA_DIR              | ./data         | directory of the embedded store                                 |
 * | NODE_ENV              | development    | `production` refuses the demo users and needs AUTH_CONFIG/OIDC  |
 * | AUTH_CONFIG           | -              | JSON file of users, groups, roles and sha256-hashed tokens      |
 * | OIDC_ISSUER           | -              | issuer whose JWKS verifies JWT bearer tokens                    |
 * | OIDC_AUDIENCE         | -              | expected `aud` of those tokens                                  |
 * | OIDC_JWKS_URI         | discovered     | JWKS address, when the issuer has no discovery document         |
 * | RATE_LIMIT_PER_MINUTE | 6000           | requests per client address and minute (0 = no limit)           |
 * | BODY_LIMIT            | 6mb            | largest JSON body (a deployment may carry 5 MB of BPMN)          |
 * | LOG_LEVEL             | info           | pino level (`silent` in tests)                                  |
 * | PROCESSES_DIR         | ./processes    | deployed at start-up by `npm start`                             |
 * | STATIC_DIR            | ./modeler/dist | the built web app, served at `/` when present                   |
 * | TRUST_PROXY           | (off)          | Express `trust proxy` behind a reverse proxy (`1`, `loopback`...) |
 */
import fs from 'node:fs';
import path from 'node:path';
import { validateCalendar, type BusinessCalendarConfig } from '../engine/expr/businessCalendar';

export interface OidcConfig {
  issuer: string;
  audience?: string;
  jwksUri?: string;
}

export interface ApiConfig {
  port: number;
  host?: string;
  dataDir: string;
  /** NODE_ENV === 'production': demo tokens are refused. */
  production: boolean;
  /** Path of the users file (production). */
  authConfigFile?: string;
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
  production: false,
  rateLimitPerMinute: 6000,
  bodyLimit: '6mb',
  logLevel: 'info',
  processesDir: './processes',
  staticDir: './modeler/dist',
  idempotencyTtlMs: 24 * 60 * 60 * 1000,
  idempotencyMaxEntries: 10_000,
};

/** Reads and checks the calendar file; a bad one stops the start with the reason. */
export function readCalendar(file: string): BusinessCalendarConfig {
  try {
    return validateCalendar(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch (err) {
    throw new Error(`BUSINESS_CALENDAR ${file}: ${(err as Error).message}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ApiConfig {
  const oidc = env.OIDC_ISSUER ? { issuer: env.OIDC_ISSUER, audience: env.OIDC_AUDIENCE || undefined, jwksUri: env.OIDC_JWKS_URI || undefined } : undefined;
  const config: ApiConfig = {
    ...DEFAULT_CONFIG,
    port: intFrom(env.PORT, DEFAULT_CONFIG.port, 'PORT'),
    host: env.HOST || undefined,
    dataDir: path.resolve(cwd, env.DATA_DIR || DEFAULT_CONFIG.dataDir),
    production: env.NODE_ENV === 'production',
    authConfigFile: env.AUTH_CONFIG ? path.resolve(cwd, env.AUTH_CONFIG) : undefined,
    oidc,
    rateLimitPerMinute: intFrom(env.RATE_LIMIT_PER_MINUTE, DEFAULT_CONFIG.rateLimitPerMinute, 'RATE_LIMIT_PER_MINUTE'),
    bodyLimit: env.BODY_LIMIT || DEFAULT_CONFIG.bodyLimit,
    logLevel: env.LOG_LEVEL || DEFAULT_CONFIG.logLevel,
    processesDir: path.resolve(cwd, env.PROCESSES_DIR || DEFAULT_CONFIG.processesDir),
    staticDir: path.resolve(cwd, env.STATIC_DIR || DEFAULT_CONFIG.staticDir),
    trustProxy: env.TRUST_PROXY ? (/^\d+$/.test(env.TRUST_PROXY) ? Number(env.TRUST_PROXY) : env.TRUST_PROXY === 'true' ? true : env.TRUST_PROXY) : undefined,
    businessCalendar: env.BUSINESS_CALENDAR ? readCalendar(path.resolve(cwd, env.BUSINESS_CALENDAR)) : undefined,
  };
  if (config.production && !config.authConfigFile && !config.oidc) {
    throw new Error('NODE_ENV=production needs AUTH_CONFIG (a users file) or OIDC_ISSUER: demo users are refused in production');
  }
  return config;
}
