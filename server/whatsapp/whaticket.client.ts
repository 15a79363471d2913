/**
 * Sends WhatsApp text messages through a company's Whaticket (`POST {url}/api/messages/send`).
 *
 * No retries here: the caller's durable outbound queue retries when `WhaticketError.retryable`.
 */

import { blockedCause, defaultOutboundFetch, RemoteBodyTooLarge, type OutboundFetch } from '../platform/outbound-guard.js';

export interface WhaticketClientOptions {
  /** Backend base URL, e.g. `https://wa.example.com` (ticketz behind its nginx: `https://host/backend`). */
  url: string;
  token: string;
  timeoutMs?: number;
  /** The tenant-URL guard's fetch (ARCHITECTURE §11); the default allows no private host. */
  fetch?: OutboundFetch;
}

export type WhaticketErrorKind = 'http' | 'network' | 'timeout' | 'invalid_input' | 'blocked';

/** Whaticket answers `{ "error": "<code or text>" }`; these codes mean "connection busy or down, try later". */
const TRANSIENT_ERRORS = new Set(['ERR_WAPP_NOT_INITIALIZED', 'ERR_SENDING_WAPP_MSG']);
/** SaaS's generic send failure literally says "try again in a few moments". */
const TRANSIENT_TEXT = /tente novamente/i;

export class WhaticketError extends Error {
  override name = 'WhaticketError';
  readonly kind: WhaticketErrorKind;
  /** HTTP status; null when no response arrived. */
  readonly status: number | null;
  readonly retryable: boolean;

  constructor(init: { kind: WhaticketErrorKind; status: number | null; message: string; retryable: boolean; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.status = init.status;
    this.retryable = init.retryable;
  }
}

export class WhaticketClient {
  private readonly endpoint: string;
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly fetch: OutboundFetch;

  constructor(options: WhaticketClientOptions) {
    this.endpoint = `${options.url.trim().replace(/\/+$/, '')}/api/messages/send`;
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetch = options.fetch ?? defaultOutboundFetch;
  }

  /**
   * Sends `{number, body}` as JSON (multipart without files makes COMM send nothing). Any 2xx is
   * success: bodies differ per fork (empty, `{"mensagem":…}`, `{"status":"SUCCESS"}`) and carry no id.
   */
  async send(number: string, body: string): Promise<void> {
    const digits = toDigits(number);
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(this.endpoint, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.token}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify({ number: digits, body }),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'manual',
      });
      text = await response.text();
    } catch (error) {
      throw transportError(error, this.timeoutMs);
    }
    if (response.status >= 200 && response.status < 300) return;
    throw httpError(response, text);
  }
}

/** Whaticket wants digits only, country code first; COMM strips just the first `-` and space. */
function toDigits(number: string): string {
  const digits = number.replace(/\D/g, '');
  if (digits.length < 8) {
    throw new WhaticketError({ kind: 'invalid_input', status: null, retryable: false, message: `invalid WhatsApp number "${number}"` });
  }
  return digits;
}

function httpError(response: Response, text: string): WhaticketError {
  const status = response.status;
  if (status >= 300 && status < 400) {
    const location = response.headers.get('location') ?? 'elsewhere';
    return new WhaticketError({ kind: 'http', status, retryable: false, message: `redirected to ${location}: configure the final Whaticket URL` });
  }
  const message = errorMessage(text) ?? `HTTP ${status}`;
  return new WhaticketError({ kind: 'http', status, message, retryable: isRetryable(status, message) });
}

function isRetryable(status: number, message: string): boolean {
  if (status >= 500 || status === 408 || status === 429) return true;
  return status === 400 && (TRANSIENT_ERRORS.has(message) || TRANSIENT_TEXT.test(message));
}

function errorMessage(text: string): string | undefined {
  try {
    const json = JSON.parse(text) as unknown;
    if (typeof json === 'object' && json !== null) {
      const { error, message } = json as { error?: unknown; message?: unknown };
      if (typeof error === 'string' && error) return error;
      if (typeof message === 'string' && message) return message;
    }
  } catch {
    // Proxies answer HTML or plain text.
  }
  return text.trim().slice(0, 200) || undefined;
}

function transportError(error: unknown, timeoutMs: number): WhaticketError {
  // Neither is worth a retry: the address stays forbidden, the body stays too large.
  const blocked = blockedCause(error);
  if (blocked) return new WhaticketError({ kind: 'blocked', status: null, retryable: false, message: `Whaticket URL not allowed: ${blocked.message}`, cause: error });
  if (error instanceof RemoteBodyTooLarge) return new WhaticketError({ kind: 'http', status: null, retryable: false, message: `Whaticket answer too large: ${error.message}`, cause: error });
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new WhaticketError({ kind: 'timeout', status: null, retryable: true, message: `Whaticket did not answer within ${timeoutMs} ms`, cause: error });
  }
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const message = error instanceof Error ? error.message : String(error);
  return new WhaticketError({ kind: 'network', status: null, retryable: true, message: `Whaticket unreachable: ${message}${cause}`, cause: error });
}
