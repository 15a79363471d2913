import { errorText, ERRORS, type ErrorKey, type ErrorParams } from './messages.js';

/**
 * Domain errors with stable codes. Every user-facing error is built from a catalogue key with
 * `domainError` (texts and codes in messages.ts; a unit test rejects inline texts elsewhere).
 * GraphQL maps them to `extensions.code` (`formatError` in graphql.ts), REST to HTTP statuses
 * (`HTTP_STATUS`, in http/server.ts's error handler), and the CLI prints their message.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'CALCOM_NOT_CONFIGURED'
  | 'CALCOM_UNAVAILABLE'
  | 'CALCOM_REJECTED'
  | 'RATE_LIMITED'
  /** The database is unreachable or restarting: retry after a few seconds (HTTP 503 + Retry-After). */
  | 'SERVICE_UNAVAILABLE';

export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    /** The catalogue entry it was built from, for callers that react to one situation (never sent). */
    readonly key?: ErrorKey,
  ) {
    super(message);
  }
}

type ErrorArgs<K extends ErrorKey> = ErrorParams<K> extends undefined
  ? [details?: Record<string, unknown>]
  : [params: ErrorParams<K>, details?: Record<string, unknown>];

/** A typed domain error from the message catalogue: `domainError('SLOT_TAKEN')`, `domainError('RANGE_TOO_LONG', { days: 62 })`. */
export function domainError<K extends ErrorKey>(key: K, ...args: ErrorArgs<K>): DomainError {
  const [code, text] = ERRORS[key];
  const params = (typeof text === 'function' ? args[0] : undefined) as ErrorParams<K>;
  const details = (typeof text === 'function' ? args[1] : args[0]) as Record<string, unknown> | undefined;
  return new DomainError(code, errorText(key, params), details ?? {}, key);
}

export const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  CALCOM_NOT_CONFIGURED: 422,
  CALCOM_UNAVAILABLE: 503,
  CALCOM_REJECTED: 422,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
};
