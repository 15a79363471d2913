import { CombinedGraphQLErrors, ServerError, ServerParseError } from '@apollo/client/errors';

/** Codes the server puts in `extensions.code`, plus the ones the client derives itself. */
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
  | 'SERVICE_UNAVAILABLE'
  | 'NOT_AVAILABLE'
  | 'NETWORK'
  | 'INTERNAL';

export interface AppError {
  code: ErrorCode;
  /** Portuguese, ready to show. */
  message: string;
  /** Per-field messages for inline validation (`extensions.fields`). */
  fields: Record<string, string>;
}

interface WireError {
  message?: string;
  extensions?: Record<string, unknown>;
}

const KNOWN: ReadonlySet<string> = new Set([
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'CALCOM_NOT_CONFIGURED',
  'CALCOM_UNAVAILABLE',
  'CALCOM_REJECTED',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
]);

const NETWORK_MESSAGE = 'Sem conexão com o servidor. Verifique sua internet e tente novamente.';
const INTERNAL_MESSAGE = 'O servidor encontrou um erro inesperado. Tente novamente; se persistir, contate o suporte.';

/** One place that turns whatever Apollo or fetch threw into something the UI can explain. */
export function toAppError(error: unknown): AppError {
  if (CombinedGraphQLErrors.is(error)) return fromWire(error.errors[0]);
  if (ServerError.is(error)) {
    const body = parseBody(error.bodyText);
    if (body?.errors?.length) return fromWire(body.errors[0]);
    if (error.statusCode === 401) return make('UNAUTHENTICATED', 'Sessão inválida ou expirada. Entre novamente.');
    if (error.statusCode === 429) return make('RATE_LIMITED', 'Muitas requisições. Aguarde alguns instantes e tente novamente.');
    if (error.statusCode >= 500) return make('INTERNAL', INTERNAL_MESSAGE);
    return make('INTERNAL', `O servidor respondeu com o código ${error.statusCode}. Tente novamente.`);
  }
  if (ServerParseError.is(error)) return make('INTERNAL', INTERNAL_MESSAGE);
  if (error instanceof TypeError || (error instanceof Error && /fetch|network|socket/i.test(error.message))) {
    return make('NETWORK', NETWORK_MESSAGE);
  }
  return make('INTERNAL', INTERNAL_MESSAGE);
}

function fromWire(wire: WireError | undefined): AppError {
  const code = String(wire?.extensions?.code ?? '');
  const fields = isStringRecord(wire?.extensions?.fields) ? wire!.extensions!.fields as Record<string, string> : {};
  if (KNOWN.has(code)) return { code: code as ErrorCode, message: wire?.message || INTERNAL_MESSAGE, fields };
  // The document asks for a field this server does not have yet (older deployment).
  if (code === 'GRAPHQL_VALIDATION_FAILED') {
    return make('NOT_AVAILABLE', 'Este recurso ainda não está disponível neste servidor. Atualize o sistema ou contate o suporte.');
  }
  if (code === 'INTERNAL_SERVER_ERROR') return make('INTERNAL', wire?.message || INTERNAL_MESSAGE);
  return make('INTERNAL', wire?.message || INTERNAL_MESSAGE);
}

function make(code: ErrorCode, message: string): AppError {
  return { code, message, fields: {} };
}

function parseBody(text: string): { errors?: WireError[] } | null {
  try {
    return JSON.parse(text) as { errors?: WireError[] };
  } catch {
    return null;
  }
}

function isStringRecord(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string');
}
