/**
 * What an unexpected database error means for the caller. A database that cannot be reached (or is
 * restarting, or out of connections) is temporary: webhook and inbound senders that retry (WhatsApp
 * gateways, proxies) need a 503 with `Retry-After`, not a 500. A value PostgreSQL refuses (SQLSTATE
 * class 22, data exception: a malformed uuid, a number out of range) came from the request: 400.
 */
export type DatabaseTrouble = 'unavailable' | 'bad_data';

/** Seconds a client is asked to wait after a 503 (a PostgreSQL restart takes a few). */
export const RETRY_AFTER_SECONDS = 5;

/** Five characters; never starting with E, unlike Node's errno codes (EPIPE). */
const SQLSTATE = /^(?!E)[0-9A-Z]{5}$/;
/** SQLSTATE classes and codes of a database that is away, not of a bad statement. */
const UNAVAILABLE_SQLSTATE = /^(08(?!P01)|53|57P0[1-3]|58)/;
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** node-postgres and knex say these without a code. */
const UNAVAILABLE_MESSAGE = /Connection terminated|not queryable|Timeout acquiring a connection|terminating connection|the database system is (starting up|shutting down)/i;

export function databaseTrouble(error: unknown): DatabaseTrouble | undefined {
  for (const cause of causes(error)) {
    const code = typeof cause.code === 'string' ? cause.code : typeof cause.sqlState === 'string' ? cause.sqlState : '';
    if (UNAVAILABLE_ERRNO.has(code) || (SQLSTATE.test(code) && UNAVAILABLE_SQLSTATE.test(code))) return 'unavailable';
    if (/^22[0-9A-Z]{3}$/.test(code)) return 'bad_data';
    if (typeof cause.message === 'string' && UNAVAILABLE_MESSAGE.test(cause.message)) return 'unavailable';
  }
  return undefined;
}

type Cause = { code?: unknown; sqlState?: unknown; message?: unknown; cause?: unknown; previous?: unknown; errors?: unknown; originalError?: unknown };

/** The error and what it wraps (MikroORM's `previous`, `cause`, AggregateError's `errors`, GraphQL's `originalError`). */
function causes(error: unknown): Cause[] {
  const found: Cause[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && found.length < 10) {
    const next = queue.shift();
    if (typeof next !== 'object' || next === null || found.includes(next as Cause)) continue;
    const cause = next as Cause;
    found.push(cause);
    queue.push(cause.originalError, cause.previous, cause.cause, ...(Array.isArray(cause.errors) ? cause.errors : []));
  }
  return found;
}

/** The SQLSTATE of a database error, if it has one. */
export function sqlState(error: unknown): string | undefined {
  for (const cause of causes(error)) {
    const code = typeof cause.sqlState === 'string' ? cause.sqlState : typeof cause.code === 'string' ? cause.code : '';
    if (SQLSTATE.test(code)) return code;
  }
  return undefined;
}

let tolerating = false;

/**
 * pg-boss 10 calls `complete`/`fail` without awaiting them after a job (manager.js `onFetch`): during a
 * database outage they reject with nobody listening, and Node exits on an unhandled rejection. Those
 * (and only those: the database is away) are logged instead; any other unhandled rejection still
 * ends the process, as by default. Process-wide, installed once.
 */
export function tolerateDatabaseOutageRejections(log: { warn: (fields: object, message: string) => void }): void {
  if (tolerating) return;
  tolerating = true;
  process.on('unhandledRejection', (reason) => {
    if (databaseTrouble(reason) !== 'unavailable') throw reason;
    log.warn({ err: reason }, 'database unavailable (unhandled rejection from a library; ignored)');
  });
}
