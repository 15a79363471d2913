import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import type { LogLevel } from './platform/logger.js';
import { parseAllowedHosts, type AllowedHost } from './platform/outbound-guard.js';

export type Role = 'all' | 'api' | 'worker';

export interface Config {
  port: number;
  host: string;
  /** Unset: an embedded PostgreSQL under `dataDir` is started. */
  databaseUrl: string | undefined;
  dataDir: string;
  appSecret: string;
  role: Role;
  logLevel: LogLevel;
  production: boolean;
  /** Base URL people and Cal.com use to reach us (for webhook/inbound URLs shown in the panel). */
  publicUrl: string | undefined;
  /** `cal-api-version` sent on booking calls; self-hosted Cal.com on older images needs `2024-08-13`. */
  calBookingsApiVersion: string;
  corsOrigins: string[];
  /**
   * Port of the separate probes-and-metrics listener: always for ROLE=worker (it has no API port);
   * for ROLE=api/all when `metricsListener` says so.
   */
  metricsPort: number;
  /** `Authorization: Bearer <token>` required on every /metrics when set. */
  metricsToken: string | undefined;
  /** /metrics on the public port: outside production, or with a token. */
  publicMetrics: boolean;
  /** ROLE=api/all also listen on METRICS_PORT (METRICS_PORT set, or production without a token). */
  metricsListener: boolean;
  /** Fastify's `trustProxy`: false (socket address), a hop count, or the proxies' addresses/CIDRs. */
  trustProxy: false | number | string[];
  /** Tenant URLs on these hosts skip the outbound guard (`OUTBOUND_ALLOWED_HOSTS`). */
  outboundAllowedHosts: AllowedHost[];
  /** Requests per minute per IP on the public endpoints (webhook, WhatsApp inbound); 0 = off. */
  publicRateLimit: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const ROLES: readonly Role[] = ['all', 'api', 'worker'];
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads the environment into a typed config. Collects every problem before failing so an operator
 * fixes them all in one go. Side effect: outside production, APP_SECRET is generated once into DATA_DIR.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const production = env.NODE_ENV === 'production';

  const port = parsePort('PORT', env.PORT, 4000, problems);
  const metricsPort = parsePort('METRICS_PORT', env.METRICS_PORT, 9464, problems);
  const publicRateLimit = env.PUBLIC_RATE_LIMIT?.trim() ? Number(env.PUBLIC_RATE_LIMIT) : 1200;
  if (!Number.isInteger(publicRateLimit) || publicRateLimit < 0) problems.push(`PUBLIC_RATE_LIMIT must be a non-negative integer (got "${env.PUBLIC_RATE_LIMIT}")`);
  const role = oneOf('ROLE', env.ROLE ?? 'all', ROLES, problems);
  const logLevel = oneOf('LOG_LEVEL', env.LOG_LEVEL ?? 'info', LOG_LEVELS, problems);
  const dataDir = resolve(env.DATA_DIR?.trim() || '.data');

  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push(`DATABASE_URL must start with postgres:// or postgresql:// (got "${redactUrl(databaseUrl)}")`);
  }

  let appSecret = env.APP_SECRET?.trim() ?? '';
  if (appSecret && appSecret.length < 32) {
    problems.push('APP_SECRET must be at least 32 characters (e.g. `openssl rand -hex 32`)');
  }
  if (!appSecret && production) {
    problems.push('APP_SECRET is required when NODE_ENV=production (e.g. `openssl rand -hex 32`)');
  }

  const metricsToken = env.METRICS_TOKEN?.trim() || undefined;
  if (metricsToken && (metricsToken.length < 16 || /\s/.test(metricsToken))) {
    problems.push('METRICS_TOKEN must be at least 16 characters without spaces (e.g. `openssl rand -hex 24`)');
  }
  const trustProxy = parseTrustProxy(env.TRUST_PROXY, problems);
  const outboundAllowedHosts = parseAllowedHosts(env.OUTBOUND_ALLOWED_HOSTS, problems);

  const publicUrl = env.PUBLIC_URL?.trim().replace(/\/+$/, '') || undefined;
  if (publicUrl && !/^https?:\/\//.test(publicUrl)) problems.push('PUBLIC_URL must be an http(s) URL');

  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  if (!appSecret) appSecret = readOrCreateDevSecret(dataDir);

  return {
    port,
    host: env.HOST?.trim() || (production ? '0.0.0.0' : '127.0.0.1'),
    databaseUrl,
    dataDir,
    appSecret,
    role,
    logLevel,
    production,
    publicUrl,
    calBookingsApiVersion: env.CAL_BOOKINGS_API_VERSION?.trim() || '2026-02-25',
    corsOrigins: (env.CORS_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    metricsPort,
    metricsToken,
    publicMetrics: !production || metricsToken !== undefined,
    metricsListener: Boolean(env.METRICS_PORT?.trim()) || (production && metricsToken === undefined),
    trustProxy,
    outboundAllowedHosts,
    publicRateLimit,
  };
}

/** Proxy-addr's names for whole ranges, accepted in TRUST_PROXY beside addresses and CIDRs. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** `TRUST_PROXY`: empty (trust nobody), a hop count, or a comma-separated list of proxy addresses/CIDRs. */
function parseTrustProxy(raw: string | undefined, problems: string[]): false | number | string[] {
  const value = raw?.trim() ?? '';
  if (!value || value === '0' || value.toLowerCase() === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = entries.filter((e) => !PROXY_RANGE_NAMES.has(e.toLowerCase()) && !ipaddr.isValid(e) && !isCidr(e));
  if (bad.length > 0) {
    problems.push(`TRUST_PROXY must be a hop count or a comma-separated list of proxy addresses/CIDRs (got "${bad.join('", "')}"); "true" is not accepted: it would trust any X-Forwarded-For`);
    return false;
  }
  return entries;
}

function isCidr(value: string): boolean {
  try {
    ipaddr.parseCIDR(value);
    return true;
  } catch {
    return false;
  }
}

function parsePort(name: string, raw: string | undefined, fallback: number, problems: string[]): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    problems.push(`${name} must be an integer between 0 and 65535 (got "${raw}")`);
    return fallback;
  }
  return port;
}

function oneOf<T extends string>(name: string, raw: string, allowed: readonly T[], problems: string[]): T {
  const value = raw.trim().toLowerCase() as T;
  if (!allowed.includes(value)) {
    problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
    return allowed[0]!;
  }
  return value;
}

function readOrCreateDevSecret(dataDir: string): string {
  const file = join(dataDir, 'app-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  try {
    writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    // Another process (the CLI beside the server) created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw error;
  }
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:****@');
}
