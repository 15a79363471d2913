/**
 * Domain errors with stable codes. Services throw these; the GraphQL and REST edges map them to
 * `extensions.code` / HTTP statuses in one place (graphql.ts, http-errors in routes).
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
  ) {
    super(message);
  }
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

export const badInput = (message: string, details?: Record<string, unknown>) =>
  new DomainError('BAD_USER_INPUT', message, details);
export const notFound = (what: string) => new DomainError('NOT_FOUND', `${what} not found`);
